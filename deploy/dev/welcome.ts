import type { StackPorts } from './ports.ts';
import type { DemoSecrets } from './secrets.ts';

/** What a person needs after `npm run demo`: where to look, what to call, how to log in. */
export function printWelcome(o: { ports: StackPorts; host: string; secrets: DemoSecrets }): void {
  const { ports, host, secrets } = o;
  const [hq, branch] = ports.edges;
  const c = secrets.credentials;
  const b = (s: string) => `\x1b[1m${s}\x1b[0m`;
  const lines = [
    '',
    b('Hybrid contact center: demo stack is up'),
    '',
    `  Ops console (cloud)     http://${host}:${ports.cloudHttp}/        user ${c.console.user}  password ${c.console.password}`,
    ...ports.edges.map(
      (e) =>
        `  Agent desktop (${e.site.padEnd(6)}) http://${host}:${e.http}/        SIP ${e.sipHost}:${e.sip} (UDP+TCP), ${e.sipTls} (TLS)` +
        (e.publicAddress ? `, public address ${e.publicAddress}` : ''),
    ),
    '',
    '  Demo tenant "acme":',
    `    call +15550100 -> hq IVR "main" (1 = sales, 2 = support):   sip:+15550100@${hq?.sipHost}:${hq?.sip}`,
    `    call +15550200 -> branch:                                   sip:+15550200@${branch ? `${branch.sipHost}:${branch.sip}` : ''}`,
    `    agents (SIP user / password): ${Object.entries(c.agents)
      .map(([u, p]) => `${u} / ${p}`)
      .join(',  ')}`,
    '',
    '  Place a call with SIPp (Debian package sip-tester):',
    '    through the IVR, pressing 1 for sales (RTP and RFC 4733 DTMF), from the repository root:',
    `    sipp -sf deploy/dev/sipp/caller-presses-1.xml -s +15550100 -m 1 ${hq?.sipHost}:${hq?.sip}`,
    '    or a plain call that stays in the IVR:',
    `    sipp -sn uac -s +15550100 -m 1 -l 1 -d 15000 ${hq?.sipHost}:${hq?.sip}`,
    '',
    `  Health:  curl -s http://${host}:${ports.cloudHttp}/readyz   (and :${hq?.http}, :${branch?.http})`,
    `  Secrets and demo passwords: ${secrets.credentialsFile}`,
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

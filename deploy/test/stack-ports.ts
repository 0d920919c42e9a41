import { freePort } from '@hcc/shared/testing';

/** The dev stack's port variables (deploy/dev/ports.ts), one free port each, so stacks of parallel tests never meet. */
export async function freeStackPorts(): Promise<Record<string, string>> {
  const names = ['CLOUD_HTTP_PORT', 'HUB_NATS_PORT', 'HUB_LEAF_PORT'];
  for (const site of ['HQ', 'BRANCH'])
    for (const p of [
      'HTTP_PORT',
      'SIP_PORT',
      'SIP_TLS_PORT',
      'SIP_WS_PORT',
      'NATS_PORT',
      'RTPENGINE_NG_PORT',
    ])
      names.push(`${site}_${p}`);
  for (const site of ['HQ', 'BRANCH']) names.push(`${site}_DTMF_PORT`);
  const env: Record<string, string> = {};
  for (const n of names) env[n] = String(await freePort());
  return env;
}

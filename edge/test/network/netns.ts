/**
 * Two network namespaces joined by a veth pair, with private test addresses: `site` (where an edge
 * runs, on a non-loopback address) and `outside` (a carrier or a browser on the LAN). Nothing of the
 * host's own network is touched; `dispose()` deletes both namespaces and with them the link.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface NetnsPair {
  site: { ns: string; address: string };
  outside: { ns: string; address: string };
  /** argv prefix that runs a command inside a namespace. */
  exec(ns: string, command: string, args?: string[]): [string, string[]];
  dispose(): Promise<void>;
}

export async function createNetnsPair(): Promise<NetnsPair> {
  const id = `${process.pid.toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`.slice(-6);
  const subnet = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}`;
  const site = { ns: `hcc-s-${id}`, address: `${subnet}.1` };
  const outside = { ns: `hcc-o-${id}`, address: `${subnet}.2` };
  const ip = (...args: string[]) => run('ip', args);
  const dispose = async () => {
    for (const ns of [site.ns, outside.ns]) await ip('netns', 'del', ns).catch(() => {});
  };
  try {
    await ip('netns', 'add', site.ns);
    await ip('netns', 'add', outside.ns);
    await ip(
      'link',
      'add',
      `hs${id}`,
      'netns',
      site.ns,
      'type',
      'veth',
      'peer',
      'name',
      `ho${id}`,
      'netns',
      outside.ns,
    );
    for (const [n, dev] of [
      [site, `hs${id}`],
      [outside, `ho${id}`],
    ] as const) {
      await ip('-n', n.ns, 'link', 'set', 'lo', 'up');
      await ip('-n', n.ns, 'addr', 'add', `${n.address}/30`, 'dev', dev);
      await ip('-n', n.ns, 'link', 'set', dev, 'up');
    }
  } catch (err) {
    await dispose();
    throw err;
  }
  return {
    site,
    outside,
    exec: (ns, command, args = []) => ['ip', ['netns', 'exec', ns, command, ...args]],
    dispose,
  };
}

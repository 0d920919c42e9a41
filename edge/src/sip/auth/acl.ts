// IP allow-lists (IPv4 and IPv6 CIDRs) for trunk peers.
import { BlockList, isIP } from 'node:net';
import { SipError } from '../errors.ts';
import type { Handler } from '../router.ts';

export class IpAllowList {
  private readonly list = new BlockList();
  readonly size: number;

  constructor(entries: readonly string[]) {
    for (const e of entries) {
      const [addr, bits] = e.split('/') as [string, string | undefined];
      const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
      if (isIP(addr) === 0) throw new Error(`not an IP address or CIDR: ${e}`);
      if (bits === undefined) this.list.addAddress(addr, family);
      else this.list.addSubnet(addr, Number(bits), family);
    }
    this.size = entries.length;
  }

  allows(address: string): boolean {
    const family = isIP(address);
    if (family === 0) return false;
    return this.list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  }
}

/** Router middleware: requests from outside the list get 403. */
export function allowFrom(list: IpAllowList): Handler {
  return (req, next) => {
    if (!list.allows(req.flow.remoteAddress)) throw new SipError(403, 'Forbidden');
    return next();
  };
}

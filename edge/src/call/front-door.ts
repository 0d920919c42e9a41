/**
 * The SIP front door of the running edge, built from settings and the applied config: the source guard
 * (per-source rate limit with a ban, failed-authentication ban per address) with the trunks of the applied
 * config and the trusted networks exempt, the overload guard (503 + Retry-After), the digest policy (site
 * order, MD5 alone for known MD5-only clients, a device's own list) and the registration cap's counter.
 */
import type { ConfigBundle } from '@hcc/proto';
import type { Logger } from '@hcc/shared';
import type { SipProtectionSettings } from '../settings-sip.ts';
import {
  type Clock,
  type DigestAlgorithm,
  digestAlgorithm,
  digestOffer,
  type Flow,
  IpAllowList,
  LoadMonitor,
  type ProtectionCounters,
  type SipRequest,
  type SipStack,
  type SourceAdmission,
  SourceGuard,
} from '../sip/index.ts';

export interface FrontDoorCounters extends ProtectionCounters {
  /** New requests refused with 503 (overload). */
  overloaded: number;
  /** REGISTERs refused by the cap of registrations per extension. */
  registrationsCapped: number;
}

export interface FrontDoor {
  /** SipStackOptions.rateLimiter: asked before any message is parsed. */
  admission: SourceAdmission;
  /** SipStackOptions.screen: known scanners dropped and banned. */
  screen: (req: SipRequest, flow: Flow) => boolean;
  overload: LoadMonitor;
  /** DigestServerOptions.offer and .failures for every digest server of SIP phones. */
  digest: {
    offer: (req: SipRequest) => DigestAlgorithm[];
    algorithms: DigestAlgorithm[];
    failures: { authFailed(address: string): void };
  };
  /** RegistrarOptions.maxContacts / onCapped. */
  registrations: { maxContacts: number; onCapped: (aor: string) => void };
  counters(stack: SipStack): FrontDoorCounters;
  close(): void;
}

const UNLIMITED = Number.MAX_SAFE_INTEGER;

export function buildFrontDoor(o: {
  settings: SipProtectionSettings;
  config: { current(): ConfigBundle | undefined };
  clock: Clock;
  log: Logger;
}): FrontDoor {
  const s = o.settings;
  const guard = new SourceGuard(o.clock, {
    rate: { ...s.rate, limit: s.rate.limit > 0 ? s.rate.limit : UNLIMITED, trusted: s.trusted },
    auth: {
      ...s.authBan,
      maxFailures: s.authBan.maxFailures > 0 ? s.authBan.maxFailures : UNLIMITED,
      trusted: s.trusted,
    },
    // The address is the attacker's, not a customer's; never a user name or number.
    scannerUserAgents: s.scannerUserAgents,
    onBan: (b) => o.log.warn({ source: b.address, reason: b.reason, ban_s: b.seconds }, 'sip source banned'),
  });
  // Trunk peers of the applied config join the trusted networks (checked when the bundle changes).
  let exemptFor: ConfigBundle | undefined;
  const admission: SourceAdmission = {
    admit(address) {
      const b = o.config.current();
      if (b !== exemptFor) {
        exemptFor = b;
        const cidrs = [...s.trusted, ...(b?.trunks.flatMap((t) => t.allowedSourceCidrs) ?? [])];
        guard.setExempt(new IpAllowList(cidrs));
      }
      return guard.admit(address);
    },
  };
  const perDevice = new WeakMap<ConfigBundle, Map<string, DigestAlgorithm[]>>();
  const deviceAlgorithms = (user: string): DigestAlgorithm[] | undefined => {
    const b = o.config.current();
    if (!b) return undefined;
    let m = perDevice.get(b);
    if (!m) {
      m = new Map();
      for (const a of b.agents)
        for (const d of a.devices)
          if (d.kind.case === 'sip' && d.kind.value.digestAlgorithms.length > 0)
            m.set(
              d.kind.value.authUsername,
              d.kind.value.digestAlgorithms.flatMap((n) => digestAlgorithm(n) ?? []),
            );
      perDevice.set(b, m);
    }
    return m.get(user);
  };
  let capped = 0;
  const overload = new LoadMonitor(s.overload);
  return {
    admission,
    screen: (req, flow) => guard.screen(req.headers.get('user-agent'), flow.remoteAddress),
    overload,
    digest: {
      offer: digestOffer(s.digest, deviceAlgorithms, o.clock),
      algorithms: s.digest.algorithms,
      failures: guard,
    },
    registrations: {
      maxContacts: s.maxRegistrations,
      onCapped: () => {
        capped++;
      },
    },
    counters: (stack) => ({
      ...guard.counters(),
      overloaded: stack.stats.overloaded,
      registrationsCapped: capped,
    }),
    close: () => overload.close(),
  };
}

/** The counters as `/api/status` shows them (snake_case, like the rest of the status). */
export function sipProtectionView(c: FrontDoorCounters) {
  return {
    banned_addresses: c.bannedAddresses,
    dropped: c.dropped,
    rate_limited: c.rateLimited,
    overloaded: c.overloaded,
    auth_failures: c.authFailures,
    bans: c.bans,
    registrations_capped: c.registrationsCapped,
  };
}

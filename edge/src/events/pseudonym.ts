import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** How a trunk presents national numbers; used to bring a caller number to E.164. */
export interface NumberRules {
  /** Country calling code without '+', e.g. "1" or "49". */
  countryCode: string;
  /** National trunk prefix dropped before adding the country code, e.g. "0". */
  nationalPrefix?: string;
  /** International dialling prefix, e.g. "00" or "011". */
  internationalPrefix?: string;
}

/** Caller identity as it may leave the site: a keyed hash, or "withheld". */
export interface CallerPseudonym {
  /** Empty when withheld. */
  callerPseudonym: Uint8Array;
  callerWithheld: boolean;
}

const WITHHELD = /^(anonymous|restricted|unknown|unavailable|private)$/i;

/**
 * Normalises a presented caller number (a user part or a tel/sip URI) to E.164, or returns
 * undefined when there is no usable number.
 */
export function normalizeCallerNumber(raw: string, rules: NumberRules): string | undefined {
  let s = raw.trim();
  const uri = /^(?:sips?|tel):([^@;>]+)/i.exec(s);
  if (uri) s = uri[1]!;
  if (s === '' || WITHHELD.test(s)) return undefined;
  s = s.replace(/[\s().-]/g, '');
  if (!/^\+?\d{3,20}$/.test(s)) return undefined;
  if (s.startsWith('+')) return s;
  const intl = rules.internationalPrefix ?? '00';
  if (s.startsWith(intl)) return `+${s.slice(intl.length)}`;
  const national = rules.nationalPrefix;
  if (national && s.startsWith(national)) return `+${rules.countryCode}${s.slice(national.length)}`;
  if (s.startsWith(rules.countryCode) && s.length > 10) return `+${s}`;
  return `+${rules.countryCode}${s}`;
}

/**
 * Turns caller numbers into the only caller identity an event may carry: HMAC-SHA256 of the E.164
 * number under a per-site key that never leaves the site.
 */
export class CallerPseudonymizer {
  constructor(
    private readonly key: Uint8Array,
    private readonly rules: NumberRules,
  ) {
    if (key.length < 32) throw new Error('pseudonym key must be at least 32 bytes');
  }

  pseudonymize(rawNumber: string | undefined): CallerPseudonym {
    const e164 = rawNumber === undefined ? undefined : normalizeCallerNumber(rawNumber, this.rules);
    if (e164 === undefined) return { callerPseudonym: new Uint8Array(), callerWithheld: true };
    const mac = createHmac('sha256', this.key).update(e164, 'utf8').digest();
    return { callerPseudonym: new Uint8Array(mac), callerWithheld: false };
  }
}

/** Reads the site's pseudonym key from `file`, creating a random one (mode 0600) on first use. */
export function loadOrCreatePseudonymKey(file: string): Uint8Array {
  if (existsSync(file)) {
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length < 32) throw new Error(`pseudonym key file ${file} holds fewer than 32 bytes`);
    return new Uint8Array(key);
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return new Uint8Array(key);
}

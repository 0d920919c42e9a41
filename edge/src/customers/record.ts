/**
 * A directory record as the API and the CSV files carry it, and its validation: numbers are brought
 * to E.164 with the site's number rules, e-mail addresses are lower-cased. Errors name the field and
 * never echo the value (it is PII).
 */
import { type NumberRules, normalizeCallerNumber } from '../events/pseudonym.ts';

export interface DirectoryRecord {
  /** E.164. */
  phone: string;
  /** Lower-cased; '' when unknown. */
  email: string;
  name: string;
  account: string;
  notes: string;
  attributes: Record<string, string>;
}

export class RecordError extends Error {
  override readonly name = 'RecordError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

const EMAIL = /^[^\s@",]+@[^\s@",]+\.[^\s@",]+$/;
const ATTRIBUTE_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const LIMITS = { name: 200, account: 200, notes: 4000, attributeValue: 500, attributes: 50, email: 254 };

export function normalizePhone(raw: unknown, rules: NumberRules): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw new RecordError('phone', 'is required');
  const e164 = normalizeCallerNumber(raw, rules);
  if (!e164 || !/^\+[1-9]\d{5,14}$/.test(e164)) throw new RecordError('phone', 'is not a phone number');
  return e164;
}

export function normalizeEmail(raw: unknown): string {
  if (raw === undefined || raw === null || raw === '') return '';
  if (typeof raw !== 'string') throw new RecordError('email', 'must be a string');
  const e = raw.trim().toLowerCase();
  if (e === '') return '';
  if (e.length > LIMITS.email || !EMAIL.test(e)) throw new RecordError('email', 'is not an e-mail address');
  return e;
}

function text(field: keyof typeof LIMITS, raw: unknown, required = false): string {
  if (raw === undefined || raw === null) raw = '';
  if (typeof raw !== 'string') throw new RecordError(field, 'must be a string');
  const v = raw.trim();
  if (required && v === '') throw new RecordError(field, 'is required');
  if (v.length > LIMITS[field]) throw new RecordError(field, `is longer than ${LIMITS[field]} characters`);
  return v;
}

export function attributesOf(raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new RecordError('attributes', 'must be an object');
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > LIMITS.attributes)
    throw new RecordError('attributes', `has more than ${LIMITS.attributes} entries`);
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (!ATTRIBUTE_KEY.test(k)) throw new RecordError(`attributes.${k.slice(0, 64)}`, 'is not a valid name');
    if (typeof v !== 'string') throw new RecordError(`attributes.${k}`, 'must be a string');
    if (v.length > LIMITS.attributeValue)
      throw new RecordError(`attributes.${k}`, `is longer than ${LIMITS.attributeValue} characters`);
    out[k] = v;
  }
  return out;
}

/** Validates a record given as JSON or as a CSV row (already keyed by column); throws RecordError. */
export function toRecord(input: Record<string, unknown>, rules: NumberRules): DirectoryRecord {
  return {
    phone: normalizePhone(input.phone, rules),
    email: normalizeEmail(input.email),
    name: text('name', input.name, true),
    account: text('account', input.account),
    notes: text('notes', input.notes),
    attributes: attributesOf(input.attributes),
  };
}

/**
 * The site's rules for national numbers in the directory: those of the first trunk that has a
 * country code in the applied config, otherwise country code 1 (numbers in E.164 or with "00"
 * always work).
 */
export function siteNumberRules(
  trunks: ReadonlyArray<{
    normalization?: { countryCode: string; nationalPrefix: string; internationalPrefix: string } | undefined;
  }> = [],
): NumberRules {
  const n = trunks.find((t) => t.normalization?.countryCode)?.normalization;
  if (!n) return { countryCode: '1', internationalPrefix: '00' };
  return {
    countryCode: n.countryCode,
    ...(n.nationalPrefix ? { nationalPrefix: n.nationalPrefix } : {}),
    internationalPrefix: n.internationalPrefix || '00',
  };
}

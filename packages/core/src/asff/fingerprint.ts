import type { StoredFinding } from '../ports.js';
import type { AsffFinding } from './AsffFinding.js';
import { LIMITS, PROVED_WITHIN_SIZE } from './constraints.js';
import { PRODUCT_PREFIX } from './identity.js';
import { jsonBytesUpperBound, utf8Length } from './text.js';

/** The ProductFields key under which a finding carries the fingerprint of its content. */
export const FINGERPRINT_FIELD = `${PRODUCT_PREFIX}/Fingerprint`;

/**
 * Top-level fields left out of the fingerprint: they change on every scan (or with the record's
 * state) while what the finding says stays the same.
 */
const VOLATILE_FIELDS = new Set([
  'CreatedAt',
  'FirstObservedAt',
  'LastObservedAt',
  'UpdatedAt',
  'RecordState',
]);

/**
 * ProductFields left out: the fingerprint itself, and the date of ECR's vulnerability database,
 * which moves with every update of the database, on every finding of the image, even when none
 * of them changed. The image-level finding, imported on every scan, shows the current date.
 */
const VOLATILE_PRODUCT_FIELDS = new Set([
  FINGERPRINT_FIELD,
  `${PRODUCT_PREFIX}/VulnerabilitySourceUpdatedAt`,
]);

/** Bumped when what is hashed changes, so that no fingerprint of an older form matches by chance. */
const FORM_VERSION = 1;

/**
 * The fingerprint of what a finding says: a 128-bit hash (32 hex digits) of its content, keys in
 * sorted order at every level, without the timestamps, the RecordState and the ProductFields that
 * change on every scan ({@link FINGERPRINT_FIELD} included). Two scans that report a
 * vulnerability the same way give the same fingerprint, whatever their times and whatever the
 * order in which the mapping wrote the keys. Pure; not for security (a collision would only delay
 * an update to the next keep-alive).
 *
 * @example
 * findingFingerprint(monday) === findingFingerprint({ ...monday, UpdatedAt: tuesday }) // true
 */
export function findingFingerprint(finding: AsffFinding): string {
  const hash = new ContentHash(FORM_VERSION);
  const record = finding as unknown as Readonly<Record<string, unknown>>;
  for (const key of Object.keys(record).sort()) {
    const value = record[key];
    if (value === undefined || VOLATILE_FIELDS.has(key)) continue;
    hash.text(key);
    if (key !== 'ProductFields') {
      hash.value(value);
      continue;
    }
    hash.word(TAG.object);
    for (const field of Object.keys(finding.ProductFields).sort()) {
      if (VOLATILE_PRODUCT_FIELDS.has(field)) continue;
      hash.text(field);
      hash.value(finding.ProductFields[field]);
    }
    hash.word(TAG.end);
  }
  return hash.digest();
}

/** The fingerprint a stored finding was imported with, or undefined (imported without one, by an older version). */
export function storedFingerprint(stored: StoredFinding): string | undefined {
  const fields = stored.ProductFields as Readonly<Record<string, unknown>> | undefined;
  const value = fields?.[FINGERPRINT_FIELD];
  return typeof value === 'string' ? value : undefined;
}

/**
 * `finding` with `fingerprint` in its ProductFields, when the finding stays within Security Hub's
 * limits with it (50 ProductFields, 240,000 bytes); otherwise `finding` without any fingerprint.
 * A finding without one is imported on every scan, so leaving it out is always safe.
 */
export function withFingerprint(finding: AsffFinding, fingerprint: string): AsffFinding {
  const fields: Record<string, string> = Object.assign({}, finding.ProductFields);
  fields[FINGERPRINT_FIELD] = fingerprint;
  const stamped: AsffFinding = { ...finding, ProductFields: fields };
  if (Object.keys(fields).length <= LIMITS.productFields) {
    // As in the mapping: a cheap bound proves nearly every finding small enough without serializing.
    if (jsonBytesUpperBound(stamped) <= LIMITS.findingBytes) {
      PROVED_WITHIN_SIZE.add(stamped);
      return stamped;
    }
    if (utf8Length(JSON.stringify(stamped)) <= LIMITS.findingBytes) return stamped;
  }
  delete fields[FINGERPRINT_FIELD];
  return stamped;
}

/** Type tags: with the lengths written before strings and arrays, no two values hash the same input. */
const TAG = {
  string: 1,
  number: 2,
  true: 3,
  false: 4,
  null: 5,
  array: 6,
  object: 7,
  end: 8,
  other: 9,
} as const;

/**
 * A streaming 128-bit hash of plain data, without building its JSON first: the mixing of cyrb128
 * (bryc, public domain; four 32-bit multiply-xor lanes) fed two UTF-16 units at a time. The
 * identifiers' `stableHash` works on BigInts and took about 370 ms for the JSON of a 1,000-finding
 * scan (3 MB); this takes about a tenth of that, about twice JSON.stringify of the same findings.
 */
class ContentHash {
  #h1 = 1779033703;
  #h2 = 3144134277;
  #h3 = 1013904242;
  #h4 = 2773480762;

  constructor(seed: number) {
    this.word(seed);
  }

  word(k: number): void {
    this.#h1 = this.#h2 ^ Math.imul(this.#h1 ^ k, 597399067);
    this.#h2 = this.#h3 ^ Math.imul(this.#h2 ^ k, 2869860233);
    this.#h3 = this.#h4 ^ Math.imul(this.#h3 ^ k, 951274213);
    this.#h4 = this.#h1 ^ Math.imul(this.#h4 ^ k, 2716044179);
  }

  /** A string, its length first. */
  text(s: string): void {
    this.word(s.length);
    const last = s.length - 1;
    let i = 0;
    for (; i < last; i += 2) this.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
    if (i === last) this.word(s.charCodeAt(i));
  }

  /** Plain data: object keys in sorted order, undefined properties left out (as JSON does). */
  value(v: unknown): void {
    switch (typeof v) {
      case 'string':
        this.word(TAG.string);
        this.text(v);
        return;
      case 'number':
        this.word(TAG.number);
        this.text(String(v));
        return;
      case 'boolean':
        this.word(v ? TAG.true : TAG.false);
        return;
      case 'object': {
        if (v === null) {
          this.word(TAG.null);
          return;
        }
        if (Array.isArray(v)) {
          this.word(TAG.array);
          this.word(v.length);
          for (const item of v) this.value(item);
          return;
        }
        const record = v as Readonly<Record<string, unknown>>;
        this.word(TAG.object);
        for (const key of Object.keys(record).sort()) {
          const item = record[key];
          if (item === undefined) continue;
          this.text(key);
          this.value(item);
        }
        this.word(TAG.end);
        return;
      }
      default:
        this.word(TAG.other);
    }
  }

  digest(): string {
    let h1 = this.#h1;
    let h2 = this.#h2;
    let h3 = this.#h3;
    let h4 = this.#h4;
    h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
    h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
    h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
    h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
    h1 ^= h2 ^ h3 ^ h4;
    h2 ^= h1;
    h3 ^= h1;
    h4 ^= h1;
    return [h1, h2, h3, h4].map((h) => (h >>> 0).toString(16).padStart(8, '0')).join('');
  }
}

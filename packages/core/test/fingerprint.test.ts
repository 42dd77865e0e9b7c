import {
  type AsffFinding,
  assertAsffFinding,
  FINGERPRINT_FIELD,
  findingFingerprint,
  LIMITS,
  toAsffFindings,
  utf8Length,
} from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withFingerprint } from '../src/asff/fingerprint.js';
import { fixture } from './support/fixtures.js';

const [vulnerability, , image] = toAsffFindings(
  scannedImageFromEcr(fixture('ecr/basic-page.json'), { region: 'us-east-1' }),
) as [AsffFinding, AsffFinding, AsffFinding];
const [vulnerabilityDetails] = vulnerability.Vulnerabilities ?? [];
const [pkg] = vulnerabilityDetails?.VulnerablePackages ?? [];
const edit = (changes: Partial<AsffFinding>): AsffFinding => ({ ...vulnerability, ...changes });
const withVulnerability = (changes: Record<string, unknown>): AsffFinding =>
  edit({ Vulnerabilities: [{ ...vulnerabilityDetails, ...changes } as never] });

/** A deep copy with the keys of every object in reverse order. */
function reversed<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversed) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversed(v)]),
  ) as T;
}

const timestamp = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

describe('findingFingerprint', () => {
  it('is 32 hex digits, the same for the same content', () => {
    expect(findingFingerprint(vulnerability)).toMatch(/^[0-9a-f]{32}$/);
    expect(findingFingerprint(structuredClone(vulnerability))).toBe(findingFingerprint(vulnerability));
    expect(findingFingerprint(image)).not.toBe(findingFingerprint(vulnerability));
  });

  it('ignores the timestamps, the RecordState, its own field and the date of the vulnerability database', () => {
    fc.assert(
      fc.property(
        fc.tuple(timestamp, timestamp, timestamp, timestamp),
        fc.constantFrom('ACTIVE', 'ARCHIVED'),
        timestamp,
        fc.string({ minLength: 1 }),
        ([created, first, last, updated], state, database, stamp) => {
          const later = edit({
            CreatedAt: created,
            FirstObservedAt: first,
            LastObservedAt: last,
            UpdatedAt: updated,
            RecordState: state as AsffFinding['RecordState'],
            ProductFields: {
              ...vulnerability.ProductFields,
              [FINGERPRINT_FIELD]: stamp,
              'ecr-compliance/VulnerabilitySourceUpdatedAt': database,
            },
          });
          expect(findingFingerprint(later)).toBe(findingFingerprint(vulnerability));
        },
      ),
    );
  });

  it('ignores the order of the keys, at every level', () => {
    expect(findingFingerprint(reversed(vulnerability))).toBe(findingFingerprint(vulnerability));
    expect(findingFingerprint(reversed(image))).toBe(findingFingerprint(image));
  });

  const twoPackages = (names: string[]) =>
    withVulnerability({ VulnerablePackages: names.map((Name) => ({ Name })) });
  it.each<[string, AsffFinding, AsffFinding?]>([
    ['the title', edit({ Title: `${vulnerability.Title} (updated)` })],
    ['the severity', edit({ Severity: { Label: 'CRITICAL', Original: 'CRITICAL' } })],
    [
      'the provider severity',
      edit({ FindingProviderFields: { ...vulnerability.FindingProviderFields, Severity: { Label: 'LOW' } } }),
    ],
    [
      'the fixed version of a package',
      withVulnerability({ VulnerablePackages: [{ ...pkg, FixedInVersion: '3.1' }] }),
    ],
    ['a CVSS score', withVulnerability({ Cvss: [{ Version: '2.0', BaseScore: 5.1 }] })],
    ['the EPSS score', withVulnerability({ EpssScore: 0.02 })],
    [
      'the tags',
      edit({ ProductFields: { ...vulnerability.ProductFields, 'ecr-compliance/ImageTags': 'v2' } }),
    ],
    ['a new ProductFields key', edit({ ProductFields: { ...vulnerability.ProductFields, 'acme/x': 'y' } })],
    ['the source URL', edit({ SourceUrl: 'https://example.com/other' })],
    ['the order of the packages', twoPackages(['b', 'a']), twoPackages(['a', 'b'])],
  ])('changes with %s', (_, other, reference = vulnerability) => {
    expect(findingFingerprint(other)).not.toBe(findingFingerprint(reference));
  });

  it('tells apart values that would read the same run together', () => {
    const print = (fields: Record<string, string>) =>
      findingFingerprint(edit({ ProductFields: fields, Vulnerabilities: [] }));
    expect(print({ ab: 'c' })).not.toBe(print({ a: 'bc' }));
    const urls = (list: string[]) => findingFingerprint(withVulnerability({ ReferenceUrls: list }));
    expect(urls(['ab'])).not.toBe(urls(['a', 'b']));
    expect(urls(['a', ''])).not.toBe(urls(['a']));
    // Without the lengths, a string made of type tags could stand in for the tag that follows it.
    expect(urls(['', '\u0001'])).not.toBe(urls(['\u0001', '']));
    const score = (value: unknown) => findingFingerprint(withVulnerability({ EpssScore: value }));
    expect(score(1)).not.toBe(score('1'));
  });
});

describe('withFingerprint', () => {
  it('adds the fingerprint to the ProductFields and leaves the rest as it was', () => {
    const stamped = withFingerprint(vulnerability, 'f'.repeat(32));
    expect(stamped).toEqual({
      ...vulnerability,
      ProductFields: { ...vulnerability.ProductFields, [FINGERPRINT_FIELD]: 'f'.repeat(32) },
    });
    expect(vulnerability.ProductFields).not.toHaveProperty(FINGERPRINT_FIELD);
    assertAsffFinding(stamped);
  });

  it('leaves the fingerprint out of a finding that has 50 ProductFields already', () => {
    const full = edit({
      ProductFields: Object.fromEntries(
        Array.from({ length: LIMITS.productFields }, (_, i) => [`acme/${i}`, 'x']),
      ),
    });
    const result = withFingerprint(full, 'f'.repeat(32));
    expect(Object.keys(result.ProductFields)).toHaveLength(LIMITS.productFields);
    expect(result.ProductFields).not.toHaveProperty(FINGERPRINT_FIELD);
    assertAsffFinding(result);
  });

  it('leaves the fingerprint out, an old one included, when it would take the finding over 240,000 bytes', () => {
    const stale = edit({ ProductFields: { ...vulnerability.ProductFields, [FINGERPRINT_FIELD]: 'old' } });
    const fingerprint = 'f'.repeat(32);
    const padded = (length: number): AsffFinding => ({
      ...stale,
      Vulnerabilities: [
        { ...vulnerabilityDetails, ReferenceUrls: [`https://e.com/${'a'.repeat(length)}`] } as never,
      ],
    });
    const stampedSize = (finding: AsffFinding) =>
      utf8Length(
        JSON.stringify({
          ...finding,
          ProductFields: { ...finding.ProductFields, [FINGERPRINT_FIELD]: fingerprint },
        }),
      );
    // Padded so that it would be 10 bytes too large with the fingerprint.
    const pad = LIMITS.findingBytes + 10 - stampedSize(padded(0));
    const large = padded(pad);
    expect(stampedSize(large)).toBe(LIMITS.findingBytes + 10);

    const result = withFingerprint(large, fingerprint);
    expect(result.ProductFields).not.toHaveProperty(FINGERPRINT_FIELD);
    expect(utf8Length(JSON.stringify(result))).toBeLessThanOrEqual(LIMITS.findingBytes);
    assertAsffFinding(result);

    // 10 bytes smaller, it fits exactly, with the fingerprint.
    const fits = withFingerprint(padded(pad - 10), fingerprint);
    expect(fits.ProductFields[FINGERPRINT_FIELD]).toBe(fingerprint);
    expect(utf8Length(JSON.stringify(fits))).toBe(LIMITS.findingBytes);
    assertAsffFinding(fits);
  });
});

import { type AsffFinding, AsffFindingSchema, assertAsffFinding, toAsffFindings } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { describe, expect, it } from 'vitest';
import { assertAsffFindings } from '../src/asff/constraints.js';
import { fixture } from './support/fixtures.js';

const findings = toAsffFindings(scannedImageFromEcr(fixture('ecr/basic-page.json'), { region: 'us-east-1' }));
const [first, second] = findings as [AsffFinding, AsffFinding];
const withFields = (fields: Record<string, string>): AsffFinding => ({ ...first, ProductFields: fields });

describe('AsffFindingSchema', () => {
  it.each([
    ['an aws/ key', { 'aws/securityhub/FindingId': 'x' }],
    ['a blank key', { '  ': 'x' }],
    ['a key over 128 characters', { ['k'.repeat(129)]: 'x' }],
    ['a blank value', { 'ecr-compliance/X': ' \n' }],
    ['a value over 2,048 characters', { 'ecr-compliance/X': 'v'.repeat(2049) }],
    ['more than 50 pairs', Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']))],
  ])('rejects ProductFields with %s', (_, fields) => {
    expect(AsffFindingSchema.safeParse(withFields(fields)).success).toBe(false);
  });

  it('accepts ProductFields at the limits', () => {
    const fields = Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [`${'k'.repeat(125)}${i}`.slice(-128), 'v'.repeat(2048)]),
    );
    expect(AsffFindingSchema.safeParse(withFields(fields)).success).toBe(true);
  });

  it('rejects a finding over 240,000 bytes', () => {
    const big = {
      ...first,
      Vulnerabilities: [
        {
          Id: 'CVE-1',
          ReferenceUrls: Array.from({ length: 3000 }, (_, i) => `https://e.com/${'p'.repeat(80)}${i}`),
        },
      ],
    };
    expect(() => assertAsffFinding(big)).toThrow(/larger than 240000 bytes/);
    expect(() => assertAsffFindings([first, { ...second, Vulnerabilities: big.Vulnerabilities }])).toThrow(
      /larger than 240000 bytes/,
    );
  });

  it('rejects unknown keys, a blank Title and an UpdatedAt before CreatedAt', () => {
    expect(AsffFindingSchema.safeParse({ ...first, Titel: 'typo' }).success).toBe(false);
    expect(() => assertAsffFinding({ ...first, Title: ' ' })).toThrow(/violates ASFF at Title/);
    expect(() => assertAsffFinding({ ...first, UpdatedAt: '2020-01-01T00:00:00.000Z' })).toThrow(
      /UpdatedAt is earlier/,
    );
  });
});

describe('assertAsffFindings', () => {
  it('still checks the varying fields of findings that share the rest', () => {
    expect(second.Resources).toBe(first.Resources);
    expect(() => assertAsffFindings([first, { ...second, Description: '' }])).toThrow(
      /violates ASFF at Description/,
    );
  });

  it('checks a finding in full when a shared field is another object, even an equal-looking one', () => {
    const resources = [{ ...first.Resources[0], Id: ' ' }] as unknown as AsffFinding['Resources'];
    expect(() => assertAsffFindings([first, { ...second, Resources: resources }])).toThrow(
      /violates ASFF at Resources\[0\]\.Id/,
    );
  });

  it('checks the first finding in full', () => {
    expect(() => assertAsffFindings([{ ...first, Region: '' }, second])).toThrow(/violates ASFF at Region/);
  });
});

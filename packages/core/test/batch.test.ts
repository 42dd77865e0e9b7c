import { type AsffFinding, BATCH_LIMITS, toAsffFindings, toBatches, utf8Length } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { describe, expect, it } from 'vitest';
import { clone, fixture } from './support/fixtures.js';

function findings(count: number, descriptionLength = 50): AsffFinding[] {
  const page = clone(fixture<Record<string, any>>('ecr/basic-page.json'));
  page.imageScanFindings.findings = Array.from({ length: count }, (_, i) => ({
    name: `CVE-2024-${String(i).padStart(5, '0')}`,
    description: 'é'.repeat(descriptionLength),
    severity: 'LOW',
    attributes: [{ key: 'package_name', value: `pkg${i}` }],
  }));
  return toAsffFindings(scannedImageFromEcr(page, { region: 'us-east-1' }), { granularity: 'vulnerability' });
}

describe('toBatches', () => {
  it('splits into requests of at most 100 findings, keeping order', () => {
    const all = findings(250);
    const batches = toBatches(all);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat()).toEqual(all);
  });

  it('keeps each request body within 6 MB (UTF-8 bytes)', () => {
    const all = findings(40);
    const batches = toBatches(all, { findings: 100, bytes: 20_000 });
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches)
      expect(utf8Length(JSON.stringify({ Findings: batch }))).toBeLessThanOrEqual(20_000);
    expect(batches.flat()).toEqual(all);
  });

  it('never returns an empty batch', () => {
    expect(toBatches([])).toEqual([]);
    expect(BATCH_LIMITS).toEqual({ findings: 100, bytes: 6 * 1024 * 1024 });
  });

  it('counts multi-byte characters as bytes, not characters', () => {
    expect(utf8Length('é')).toBe(2);
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('€')).toBe(3);
    expect(utf8Length('a')).toBe(1);
  });
});

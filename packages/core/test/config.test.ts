import {
  DEFAULT_BLOCK_ACTION,
  DEFAULT_ENHANCED_FINDING_GRANULARITY,
  DEFAULT_FINDING_GRANULARITY,
  DEFAULT_KEEP_ALIVE_DAYS,
  DEFAULT_SEVERITY_THRESHOLD,
  FINDING_GRANULARITIES,
  InvalidInputError,
  MAX_KEEP_ALIVE_DAYS,
  resolveCustomActionReference,
  resolveFindingGranularity,
  resolveKeepAliveDays,
  resolveReconcileScanOptions,
  resolveSeverityThreshold,
  SEVERITY_LABELS,
  toAsffFindings,
} from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixture } from './support/fixtures.js';

/** The InvalidInputError that `run` throws. */
function refusal(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).not.toContain('\n');
    return error as InvalidInputError;
  }
  throw new Error('expected an InvalidInputError');
}

describe('resolveKeepAliveDays', () => {
  it('defaults to 30 days', () => {
    expect(resolveKeepAliveDays(undefined)).toBe(30);
    expect(DEFAULT_KEEP_ALIVE_DAYS).toBe(30);
  });

  it('accepts every whole number of days from 0 to 89', () => {
    for (let days = 0; days <= MAX_KEEP_ALIVE_DAYS; days += 1) expect(resolveKeepAliveDays(days)).toBe(days);
    expect(MAX_KEEP_ALIVE_DAYS).toBe(89);
  });

  it('refuses 12.5 days, naming the setting and the value', () => {
    const error = refusal(() => resolveKeepAliveDays(12.5));
    expect(error.path).toBe('keepAliveDays');
    expect(error.message).toBe(
      'keepAliveDays: must be a whole number of days from 0 to 89 (Security Hub deletes a finding 90 days after its last update), got 12.5',
    );
  });

  it.each([-1, 90, 89.999, Number.NaN, Number.POSITIVE_INFINITY, '30', null])(
    'refuses %j under the name it is given',
    (value) => {
      const error = refusal(() => resolveKeepAliveDays(value, 'KEEP_ALIVE_DAYS'));
      expect(error.path).toBe('KEEP_ALIVE_DAYS');
      expect(error.message).toMatch(/^KEEP_ALIVE_DAYS: must be a whole number of days from 0 to 89 /);
    },
  );

  it('shows a text value quoted', () => {
    expect(refusal(() => resolveKeepAliveDays('thirty')).message).toMatch(/got "thirty"$/);
  });

  it('accepts exactly the integers below 90 that are not negative', () => {
    fc.assert(
      fc.property(fc.double(), (days) => {
        const valid = Number.isInteger(days) && days >= 0 && days < 90;
        let accepted = true;
        try {
          resolveKeepAliveDays(days);
        } catch {
          accepted = false;
        }
        return accepted === valid;
      }),
    );
  });

  it('is the rule reconcileScan applies', () => {
    expect(resolveReconcileScanOptions({ keepAliveDays: 7 })).toEqual({
      granularity: 'both',
      keepAliveDays: 7,
    });
    expect(refusal(() => resolveReconcileScanOptions({ keepAliveDays: 12.5 })).message).toMatch(
      /^keepAliveDays: must be a whole number of days from 0 to 89 .*got 12\.5$/,
    );
  });
});

describe('resolveSeverityThreshold', () => {
  it('defaults to HIGH', () => {
    expect(resolveSeverityThreshold(undefined)).toBe('HIGH');
    expect(DEFAULT_SEVERITY_THRESHOLD).toBe('HIGH');
  });

  it.each(SEVERITY_LABELS)('accepts %s', (label) => {
    expect(resolveSeverityThreshold(label)).toBe(label);
  });

  it.each(['high', 'UNDEFINED', '', 3])('refuses %j, listing the labels', (value) => {
    const error = refusal(() => resolveSeverityThreshold(value, 'SEVERITY_THRESHOLD'));
    expect(error.message).toMatch(
      /^SEVERITY_THRESHOLD: must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL, got /,
    );
  });
});

describe('resolveFindingGranularity', () => {
  it('takes the fallback it is given: both for basic scans, image for enhanced ones', () => {
    expect(resolveFindingGranularity(undefined, DEFAULT_FINDING_GRANULARITY)).toBe('both');
    expect(resolveFindingGranularity(undefined, DEFAULT_ENHANCED_FINDING_GRANULARITY)).toBe('image');
  });

  it('lists exactly the granularities the mapping understands', () => {
    const scanned = scannedImageFromEcr(fixture('ecr/basic-page.json'), { region: 'us-east-1' });
    const produced = FINDING_GRANULARITIES.map(
      (granularity) => toAsffFindings(scanned, { granularity }).length,
    );
    const vulnerabilities = scanned.vulnerabilities.length;
    expect(vulnerabilities).toBeGreaterThan(0);
    expect(produced).toEqual([vulnerabilities, 1, vulnerabilities + 1]);
  });

  it('refuses another word, naming the setting', () => {
    expect(
      refusal(() => resolveFindingGranularity('per-package', 'both', 'enhancedFindingGranularity')).message,
    ).toBe('enhancedFindingGranularity: must be one of vulnerability, image, both, got "per-package"');
  });
});

describe('resolveCustomActionReference', () => {
  it('defaults to the sample block action ECR1', () => {
    expect(resolveCustomActionReference(undefined, DEFAULT_BLOCK_ACTION)).toEqual({
      id: 'ECR1',
      name: 'Block ECR pulls',
    });
  });

  it('takes a part left out from the fallback', () => {
    expect(resolveCustomActionReference({ id: 'Quarantine' }, DEFAULT_BLOCK_ACTION)).toEqual({
      id: 'Quarantine',
      name: 'Block ECR pulls',
    });
  });

  it.each(['Has-Dash', '', 'ThisIdIsLongerThan20Chars'])('refuses the Id %j, naming it', (id) => {
    expect(refusal(() => resolveCustomActionReference({ id }, DEFAULT_BLOCK_ACTION)).path).toBe(
      'blockAction.id',
    );
  });

  it.each(['   ', 'A name of twenty chr'])('refuses the name %j, naming it', (name) => {
    expect(
      refusal(() => resolveCustomActionReference({ name }, DEFAULT_BLOCK_ACTION, 'BLOCK_ACTION')).message,
    ).toMatch(/^BLOCK_ACTION\.name: must be 1 to 19 characters/);
  });
});

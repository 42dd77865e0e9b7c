import { InvalidInputError, ScanNotCompleteError } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { describe, expect, it } from 'vitest';
import { clone, fixture } from './support/fixtures.js';

const page = fixture<Record<string, any>>('ecr/basic-page.json');

describe('DescribeImageScanFindings input', () => {
  it.each([
    ['epoch seconds', 1795169762.0],
    ['an ISO string', '2026-11-20T10:16:02Z'],
    ['an ISO string with an offset', '2026-11-20T11:16:02+01:00'],
    ['a Date (SDK v3)', new Date('2026-11-20T10:16:02Z')],
  ])('accepts imageScanCompletedAt as %s', (_, value) => {
    const input = clone(page);
    input.imageScanFindings.imageScanCompletedAt = value;
    if (value instanceof Date) input.imageScanFindings.imageScanCompletedAt = value;
    const image = scannedImageFromEcr(input, { region: 'us-east-1' });
    expect(image.scanCompletedAt).toBe(
      typeof value === 'number' ? new Date(value * 1000).toISOString() : '2026-11-20T10:16:02.000Z',
    );
  });

  it('names the field path of an invalid value', () => {
    const input = clone(page);
    input.imageScanFindings.findings[1].name = '   ';
    expect(() => scannedImageFromEcr(input, { region: 'us-east-1' })).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        path: 'imageScanFindings.findings[1].name',
      }),
    );
  });

  it('names a missing required field', () => {
    const input = clone(page);
    delete input.registryId;
    expect(() => scannedImageFromEcr(input, { region: 'us-east-1' })).toThrow(/^registryId: /);
  });

  it('rejects an unparseable timestamp with its path', () => {
    const input = clone(page);
    input.imageScanFindings.imageScanCompletedAt = 'yesterday-ish';
    expect(() => scannedImageFromEcr(input, { region: 'us-east-1' })).toThrow(
      /imageScanFindings\.imageScanCompletedAt: not a valid timestamp/,
    );
  });

  it('rejects epoch milliseconds given as seconds, naming the field', () => {
    const input = clone(page);
    input.imageScanFindings.imageScanCompletedAt = 1795169762000;
    expect(() => scannedImageFromEcr(input, { region: 'us-east-1' })).toThrow(
      /^imageScanFindings\.imageScanCompletedAt: not a valid timestamp: "1795169762000"/,
    );
  });

  it('tolerates extra fields', () => {
    const input = clone(page);
    input.somethingNew = { nested: true };
    input.imageScanFindings.findings[0].futureField = 42;
    expect(scannedImageFromEcr(input, { region: 'us-east-1' }).vulnerabilities).toHaveLength(2);
  });

  it.each([
    'IN_PROGRESS',
    'FAILED',
    'UNSUPPORTED_IMAGE',
    'LIMIT_EXCEEDED',
    'PENDING',
    'SCAN_ELIGIBILITY_EXPIRED',
  ])('refuses scan status %s with a ScanNotCompleteError', (status) => {
    const input = clone(page);
    input.imageScanStatus = { status, description: 'not done' };
    const error = (() => {
      try {
        scannedImageFromEcr(input, { region: 'us-east-1' });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ScanNotCompleteError);
    expect((error as ScanNotCompleteError).status).toBe(status);
    expect(String((error as Error).message)).toContain(status);
  });

  it('accepts ACTIVE for enhanced scanning', () => {
    const input = {
      ...clone(page),
      imageScanStatus: { status: 'ACTIVE' },
      imageScanFindings: {
        imageScanCompletedAt: 1795169762,
        enhancedFindings: [fixture('ecr/enhanced-finding.json')],
      },
    };
    expect(scannedImageFromEcr(input, { region: 'us-east-1' }).scanner.id).toBe('ecr-enhanced');
  });

  it('requires a completion time when no finding carries one', () => {
    const input = clone(page);
    delete input.imageScanFindings.imageScanCompletedAt;
    expect(() => scannedImageFromEcr(input, { region: 'us-east-1' })).toThrow(InvalidInputError);
  });
});

import { parseScannedImage, type ScannedImage } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { example, fixture } from './support/fixtures.js';

const region = 'eu-west-1';
const basic = scannedImageFromEcr(fixture('ecr/basic-page.json'), { region });
const enhanced = scannedImageFromEcr(example('describe-image-scan-findings.enhanced.json'), { region });
const [first] = basic.vulnerabilities;
if (!first) throw new Error('fixture has no vulnerability');

const withVulnerability = (change: Record<string, unknown>): unknown => ({
  ...basic,
  vulnerabilities: [{ ...first, ...change }],
});

describe('parseScannedImage', () => {
  it('accepts what the ECR parser produces, basic and enhanced, and returns it unchanged', () => {
    expect(parseScannedImage(basic)).toBe(basic);
    expect(parseScannedImage(enhanced)).toBe(enhanced);
  });

  it.each([
    [{ ...basic, scanCompletedAt: '02/12/2026' }, 'scanCompletedAt: Invalid ISO datetime (in scanned image)'],
    [{ ...basic, accountId: '1234' }, 'accountId: expected a 12-digit AWS account id (in scanned image)'],
    [{ ...basic, region: 'Europe' }, 'region: expected an AWS Region such as eu-west-1 (in scanned image)'],
    [
      { ...basic, imageDigest: 'latest' },
      'imageDigest: expected an image digest like sha256:<64 hex digits>',
    ],
    [{ ...basic, repositoryName: 'Team/API' }, 'repositoryName: expected an ECR repository name'],
    [{ ...basic, scanner: { id: 'My Scanner', name: 'x' } }, 'scanner.id: expected a lowercase scanner id'],
    [{ ...basic, suppressedCount: -1 }, 'suppressedCount: Too small: expected number to be >=0'],
    [withVulnerability({ severity: 'SEVERE' }), 'vulnerabilities[0].severity: Invalid option'],
    [withVulnerability({ id: ' ' }), 'vulnerabilities[0].id: must not be empty or blank'],
    [withVulnerability({ epssScore: 7 }), 'vulnerabilities[0].epssScore: Too big: expected number to be <=1'],
    [
      withVulnerability({ cvss: [{ version: '3.1', baseScore: 11 }] }),
      'vulnerabilities[0].cvss[0].baseScore: Too big',
    ],
    [
      withVulnerability({ firstObservedAt: 'yesterday' }),
      'vulnerabilities[0].firstObservedAt: Invalid ISO datetime',
    ],
    [
      withVulnerability({ packages: [{ version: '1.0' }] }),
      'vulnerabilities[0].packages[0].name: Invalid input',
    ],
  ])('refuses %# with a one-line error naming the field', (input, message) => {
    let error: unknown;
    try {
      parseScannedImage(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('InvalidInputError');
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });

  it('accepts any image whose fields are within the model (property)', () => {
    const vulnerability = fc.record({
      id: fc.stringMatching(/^CVE-\d{4}-\d{4,6}$/),
      severity: fc.constantFrom('INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL' as const),
      originalSeverity: fc.string(),
      packages: fc.array(fc.record({ name: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/) }), { maxLength: 3 }),
      cvss: fc.array(
        fc.record({
          version: fc.constantFrom('2.0', '3.1', '4.0'),
          baseScore: fc.double({ min: 0, max: 10, noNaN: true }),
        }),
        { maxLength: 3 },
      ),
      referenceUrls: fc.array(fc.webUrl(), { maxLength: 2 }),
      relatedVulnerabilities: fc.constant([]),
      epssScore: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(vulnerability, { maxLength: 5 }), (vulnerabilities) => {
        const image = { ...basic, vulnerabilities } as ScannedImage;
        expect(parseScannedImage(image)).toBe(image);
      }),
    );
  });
});

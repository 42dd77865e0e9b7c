import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  imageFindingsImported,
  MAX_LISTED_VULNERABILITIES,
  REFUSAL_REASONS,
  refusalReasonOf,
  type ScannedImage,
  toAsffFindings,
} from '../src/index.js';

const vulnerability = (id: string, severity: 'CRITICAL' | 'HIGH' | 'MEDIUM', text = 'x') => ({
  id,
  title: `${text} ${id}`,
  severity,
  originalSeverity: severity,
  packages: [{ name: `pkg-${text}`, version: '1.0.0', fixedInVersion: '1.0.1' }],
  cvss: [],
  referenceUrls: [],
  relatedVulnerabilities: [],
});

function image(vulnerabilities: ReturnType<typeof vulnerability>[]): ScannedImage {
  return {
    accountId: '111122223333',
    region: 'us-east-1',
    repositoryName: 'team-a/payments-api',
    imageDigest: `sha256:${'a'.repeat(64)}`,
    imageTags: ['1.8.2'],
    scanner: { id: 'ecr-basic', name: 'Amazon ECR basic scanning' },
    scanCompletedAt: '2026-11-20T10:16:00.000Z',
    vulnerabilities,
  };
}
const NOW = '2026-11-20T10:17:00.000Z';
const counts = { imported: 0, archived: 0, unchanged: 0 };

describe('imageFindingsImported', () => {
  it('counts every severity and lists the CRITICAL and HIGH vulnerabilities whose findings are new, CRITICAL first', () => {
    const scanned = image([
      vulnerability('CVE-2026-0002', 'HIGH'),
      vulnerability('CVE-2026-0001', 'MEDIUM'),
      vulnerability('CVE-2026-0003', 'CRITICAL'),
    ]);
    const imported = toAsffFindings(scanned, { granularity: 'vulnerability' });

    const event = imageFindingsImported({ scanned, stored: [], imported, counts, failed: 0, now: NOW });

    expect(event.type).toBe('Image Findings Imported');
    expect(event.resources).toEqual(['arn:aws:ecr:us-east-1:111122223333:repository/team-a/payments-api']);
    if (event.type !== 'Image Findings Imported') throw new Error('unreachable');
    expect(event.detail.severityCounts).toEqual({
      INFORMATIONAL: 0,
      LOW: 0,
      MEDIUM: 1,
      HIGH: 1,
      CRITICAL: 1,
    });
    expect(event.detail.newCounts).toEqual({ CRITICAL: 1, HIGH: 1 });
    expect(event.detail.newVulnerabilities.map((v) => [v.id, v.severity, v.packageName])).toEqual([
      ['CVE-2026-0003', 'CRITICAL', 'pkg-x'],
      ['CVE-2026-0002', 'HIGH', 'pkg-x'],
    ]);
  });

  it('lists none when the store held their findings ACTIVE, and lists them again once they were ARCHIVED', () => {
    const scanned = image([vulnerability('CVE-2026-0003', 'CRITICAL')]);
    const imported = toAsffFindings(scanned, { granularity: 'both' });
    const stored = imported.map((f) => ({ ...f, CreatedAt: NOW, UpdatedAt: NOW }));

    const held = imageFindingsImported({ scanned, stored, imported, counts, failed: 0, now: NOW });
    const archived = imageFindingsImported({
      scanned,
      stored: stored.map((f) => ({ ...f, RecordState: 'ARCHIVED' })),
      imported,
      counts,
      failed: 0,
      now: NOW,
    });

    expect(held.detail).toMatchObject({ newCounts: { CRITICAL: 0, HIGH: 0 }, newVulnerabilities: [] });
    expect(archived.detail).toMatchObject({ newCounts: { CRITICAL: 1, HIGH: 0 } });
  });

  it('takes every CRITICAL and HIGH vulnerability as new when only a new image finding is imported', () => {
    const scanned = image([vulnerability('CVE-2026-0002', 'HIGH'), vulnerability('CVE-2026-0004', 'MEDIUM')]);
    const imported = toAsffFindings(scanned, { granularity: 'image' });

    const event = imageFindingsImported({ scanned, stored: [], imported, counts, failed: 0, now: NOW });

    expect(event.detail).toMatchObject({ newCounts: { CRITICAL: 0, HIGH: 1 } });
  });

  it('stays far below 256 KB for any scan: at most 50 listed, texts cut, the counts whole', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3000 }),
        fc.string({ minLength: 0, maxLength: 3000 }),
        (n, text) => {
          const scanned = image(
            Array.from({ length: n }, (_, i) =>
              vulnerability(`CVE-2026-${String(i).padStart(5, '0')}`, 'CRITICAL', text),
            ),
          );
          const imported = toAsffFindings(scanned, { granularity: 'image' });
          const event = imageFindingsImported({ scanned, stored: [], imported, counts, failed: 0, now: NOW });
          if (event.type !== 'Image Findings Imported') return false;
          const bytes = Buffer.byteLength(JSON.stringify(event.detail), 'utf8');
          expect(bytes).toBeLessThan(64 * 1024);
          expect(event.detail.newVulnerabilities.length).toBe(Math.min(n, MAX_LISTED_VULNERABILITIES));
          expect(event.detail.newCounts.CRITICAL).toBe(n);
          expect(event.detail.truncated).toBe(n > MAX_LISTED_VULNERABILITIES);
          return true;
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('refusalReasonOf', () => {
  it.each([
    ['invalid finding: Resources: expected array', 'invalid-finding'],
    ['not a finding of ecr-compliance or Amazon Inspector (ProductArn x, GeneratorId y)', 'not-ours'],
    ['finding belongs to account 444455556666, not to this account 111122223333', 'other-account'],
    ['account 444455556666 is not in the allow-list', 'other-account'],
    ['account 444455556666 is not in the organization o-a1b2c3d4e5', 'other-account'],
    ['account 444455556666 is SUSPENDED, not ACTIVE', 'other-account'],
    [
      'resource arn:aws:ecr:us-east-1:4:repository/a is in account 4, but the finding belongs to account 1',
      'other-account',
    ],
    ['account "12" is not a 12-digit account id', 'invalid-finding'],
    [
      'repository arn:aws:ecr:eu-west-1:1:repository/a is in region eu-west-1, not in this region us-east-1',
      'other-region',
    ],
    ['region eu-central-1 is not deployed (deployed: us-east-1)', 'other-region'],
    [
      'finding has no ECR image or repository resource (AwsEcrContainerImage or AwsEcrRepository with an ECR ARN)',
      'not-a-repository',
    ],
    ['severity MEDIUM is below the threshold HIGH', 'below-threshold'],
    ['finding is archived (no longer observed)', 'archived'],
    ['a person suppressed the finding; automatic remediation leaves it alone', 'suppressed'],
    ['something nobody wrote yet', 'other'],
  ])('reads %j as %s', (reason, code) => {
    expect(refusalReasonOf(reason)).toBe(code);
  });

  it('always answers one of the fixed codes', () => {
    fc.assert(fc.property(fc.string(), (reason) => REFUSAL_REASONS.includes(refusalReasonOf(reason))));
  });
});

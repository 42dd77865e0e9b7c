import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type AsffFinding, AsffFindingSchema, InvalidInputError, toAsffFindings } from '@ecr-compliance/core';
import { scannedImageFromGrype, scannedImageFromTrivy } from '@ecr-compliance/core/scanners';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clone, deepFreeze, fixture } from '../support/fixtures.js';
import { ACCOUNT, DIGEST, grypeReport, OTHER_DIGEST, REGION, REPOSITORY } from './arbitraries.js';

/** The vendored golden file, as Grype's repository publishes it. */
const golden = JSON.parse(
  readFileSync(
    fileURLToPath(new URL('../fixtures/grype/TestJsonImgsPresenter.golden', import.meta.url)),
    'utf8',
  ),
);
const ecrImage = fixture<Record<string, any>>('grype/ecr-image.json');
const SCANNED_AT = '2026-12-01T06:00:00Z';
const IMAGE = {
  repositoryName: 'team-a/api',
  imageDigest: DIGEST,
  accountId: ACCOUNT,
  region: REGION,
  scannedAt: SCANNED_AT,
};
const PLATFORM_DIGEST = 'sha256:4b2a0e6c7d8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b';

const byVulnerability = (findings: AsffFinding[]): Record<string, AsffFinding> =>
  Object.fromEntries(
    findings
      .filter((f) => f.ProductFields['ecr-compliance/FindingType'] === 'vulnerability')
      .map((f) => [f.Vulnerabilities?.[0]?.Id, f]),
  );

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('scannedImageFromGrype on Grype’s own golden report', () => {
  const findings = toAsffFindings(scannedImageFromGrype(golden, IMAGE));
  const found = byVulnerability(findings);

  it('maps each match to a valid finding under ecr-compliance/grype', () => {
    expect(findings).toHaveLength(3);
    expect(Object.keys(found).sort()).toEqual(['CVE-1999-0001', 'CVE-1999-0002']);
    for (const f of findings) expect(AsffFindingSchema.safeParse(f).success).toBe(true);
    expect(found['CVE-1999-0001']?.GeneratorId).toBe('ecr-compliance/grype');
    expect(findings.at(-1)?.GeneratorId).toBe('ecr-compliance/grype/image');
    expect(found['CVE-1999-0001']?.Id).toBe(
      `ecr-compliance/grype/${ACCOUNT}/${REGION}/team-a/api/${DIGEST}/vulnerability/CVE-1999-0001`,
    );
  });

  it('carries the package, its fix, the CVSS and EPSS', () => {
    const v = found['CVE-1999-0001']?.Vulnerabilities?.[0];
    expect(v?.VulnerablePackages).toEqual([
      {
        Name: 'package-1',
        Version: '1.1.1',
        Epoch: '2',
        Architecture: 'x86_64',
        PackageManager: 'rpm',
        FilePath: '/foo/bar/somefile-1.txt',
        FixedInVersion: '1.2.1',
      },
    ]);
    expect(v?.FixAvailable).toBe('YES');
    expect(v?.EpssScore).toBe(0.03);
    expect(v?.Cvss).toEqual([
      {
        Version: '3.1',
        BaseScore: 8.2,
        BaseVector: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:H',
        Source: 'nvd',
      },
    ]);
    expect(found['CVE-1999-0001']?.ProductFields).toMatchObject({
      'ecr-compliance/EpssPercentile': '0.42',
      'ecr-compliance/Grype/FixState': 'fixed',
    });
    // Go's zero date is no date.
    expect(found['CVE-1999-0001']?.ProductFields['ecr-compliance/EpssDate']).toBeUndefined();
  });

  it('marks a CISA KEV entry as an available exploit and keeps its facts', () => {
    const f = found['CVE-1999-0002'];
    expect(f?.Severity).toEqual({ Label: 'CRITICAL', Original: 'Critical' });
    expect(f?.Vulnerabilities?.[0]?.ExploitAvailable).toBe('YES');
    expect(f?.Vulnerabilities?.[0]?.FixAvailable).toBeUndefined();
    expect(f?.ProductFields['ecr-compliance/Kev/KnownRansomwareCampaignUse']).toBe('Known');
    expect(found['CVE-1999-0001']?.Vulnerabilities?.[0]?.ExploitAvailable).toBeUndefined();
  });

  it('refuses it without options: no ECR image, and no time (its timestamp is empty)', () => {
    expect(refusal(() => scannedImageFromGrype(golden))).toBe(
      'source.target.repoDigests: the report names no ECR image (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO@sha256:...); give the option repositoryName, imageDigest, accountId, region',
    );
    // The manifest digest of an image that names no ECR repository is not trusted as a registry digest.
    const { imageDigest: _, ...noDigest } = IMAGE;
    expect(refusal(() => scannedImageFromGrype(golden, noDigest))).toMatch(/give the option imageDigest$/);
    const { scannedAt: __, ...noTime } = IMAGE;
    expect(refusal(() => scannedImageFromGrype(golden, noTime))).toBe(
      'descriptor.timestamp: the report does not say when it was made, which orders reports; give the option scannedAt',
    );
  });
});

describe('scannedImageFromGrype on a report of an ECR image', () => {
  const image = scannedImageFromGrype(ecrImage);
  const findings = toAsffFindings(image);
  const found = byVulnerability(findings);

  it('takes the repository from the ECR reference and the digest of the scanned platform manifest', () => {
    expect(image).toMatchObject({
      scanner: { id: 'grype' },
      accountId: '111122223333',
      region: 'eu-west-1',
      repositoryName: 'team-a/payments-api',
      // repoDigests names the multi-architecture index; manifestDigest the arm64 image that was scanned.
      imageDigest: PLATFORM_DIGEST,
      imageTags: ['1.8.2'],
      architecture: 'arm64',
      scanCompletedAt: '2026-11-30T08:14:02.554Z',
    });
    expect(scannedImageFromGrype(ecrImage, { imageDigest: OTHER_DIGEST }).imageDigest).toBe(OTHER_DIGEST);
  });

  it('gives one finding to a CVE of two packages, with a PARTIAL fix, KEV, EPSS and the related CVE’s text', () => {
    const f = found['CVE-2024-6119'];
    const v = f?.Vulnerabilities?.[0];
    expect(v?.VulnerablePackages?.map((p) => [p.Name, p.FixedInVersion])).toEqual([
      ['libssl3', '3.0.14-1~deb12u2'],
      ['openssl', undefined],
    ]);
    expect(v?.FixAvailable).toBe('PARTIAL');
    expect(v?.ExploitAvailable).toBe('YES');
    expect(v?.EpssScore).toBe(0.00441);
    expect(f?.Description).toBe(
      'Applications performing certificate name checks may attempt to read an invalid memory address.',
    );
    expect(f?.Severity).toEqual({ Label: 'MEDIUM', Original: 'Medium' });
    expect(v?.Cvss).toEqual([
      {
        Version: '3.1',
        BaseScore: 7.5,
        BaseVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
        Source: 'nvd@nist.gov',
      },
    ]);
    expect(f?.ProductFields).toMatchObject({
      'ecr-compliance/Kev/DateAdded': '2026-10-01',
      'ecr-compliance/Kev/DueDate': '2026-10-22',
      'ecr-compliance/EpssPercentile': '0.62031',
      'ecr-compliance/EpssDate': '2026-11-29',
      'ecr-compliance/Grype/FixState': 'fixed,wont-fix',
      'ecr-compliance/CweIds': 'CWE-843',
    });
  });

  it('keeps a GHSA as the advisory, its CVE as related, and every score of both', () => {
    const v = found['GHSA-3xgq-45jj-v275']?.Vulnerabilities?.[0];
    expect(v?.RelatedVulnerabilities).toEqual(['CVE-2024-21538']);
    expect(v?.Cvss?.map((c) => `${c.Source} ${c.Version} ${c.BaseScore}`)).toEqual([
      'github:language:javascript 3.1 7.5',
      'report@snyk.io 3.1 7.5',
      'report@snyk.io 4.0 8.7',
    ]);
    expect(v?.VulnerablePackages?.[0]).toMatchObject({
      Name: 'cross-spawn',
      FilePath: '/app/node_modules/cross-spawn/package.json',
      FixedInVersion: '7.0.5',
    });
    expect(v?.Vendor?.Name).toBe('github:language:javascript');
    expect(v?.ReferenceUrls).toContain('https://github.com/moxystudio/node-cross-spawn/pull/160');
  });

  it('maps Negligible and Unknown to INFORMATIONAL, keeping the original, and says NO for not-fixed', () => {
    expect(found['CVE-2011-3374']?.Severity).toEqual({ Label: 'INFORMATIONAL', Original: 'Negligible' });
    expect(found['CVE-2011-3374']?.Vulnerabilities?.[0]?.FixAvailable).toBe('NO');
    expect(found['CVE-2025-0001']?.Severity).toEqual({ Label: 'INFORMATIONAL', Original: 'Unknown' });
    expect(found['CVE-2025-0001']?.Vulnerabilities?.[0]?.FixAvailable).toBeUndefined();
  });

  it('imports no ignored match and counts the ignored advisories that are not reported otherwise', () => {
    expect(Object.keys(found)).not.toContain('CVE-2023-50495');
    expect(image.suppressedCount).toBe(1);
    expect(findings.at(-1)?.ProductFields['ecr-compliance/Count/SUPPRESSED']).toBe('1');
  });

  it('reads the report in place and leaves it as it was (a frozen report maps the same)', () => {
    expect(toAsffFindings(scannedImageFromGrype(deepFreeze(clone(ecrImage))))).toEqual(findings);
  });

  it('gives Ids that are stable across runs and independent of tags', () => {
    const retagged = clone(ecrImage);
    retagged.source.target.userInput =
      '111122223333.dkr.ecr.eu-west-1.amazonaws.com/team-a/payments-api:9.9.9';
    retagged.source.target.tags = [];
    const again = scannedImageFromGrype(retagged);
    expect(again.imageTags).toEqual(['9.9.9']);
    expect(toAsffFindings(again).map((f) => f.Id)).toEqual(findings.map((f) => f.Id));
    expect(toAsffFindings(scannedImageFromGrype(ecrImage)).map((f) => f.Id)).toEqual(
      findings.map((f) => f.Id),
    );
  });

  it('never shares an Id with a Trivy report of the same image', () => {
    const trivy = scannedImageFromTrivy(fixture('trivy/ecr-image.json'), { imageDigest: PLATFORM_DIGEST });
    const trivyIds = new Set(toAsffFindings(trivy).map((f) => f.Id));
    expect(trivyIds.size).toBeGreaterThan(1);
    expect(findings.filter((f) => trivyIds.has(f.Id))).toEqual([]);
  });
});

describe('scannedImageFromGrype refusals', () => {
  it.each<[string, () => unknown, string]>([
    [
      'no matches',
      () => scannedImageFromGrype({}),
      'matches: Invalid input: expected array, received undefined (in Grype report)',
    ],
    [
      'a directory scan',
      () => scannedImageFromGrype({ ...clone(ecrImage), source: { type: 'directory', target: '/src' } }),
      'source.type: expected image (the report of grype IMAGE, not of a directory or SBOM) (in Grype report)',
    ],
    [
      'a match without a package name',
      () => {
        const r = clone(ecrImage);
        r.matches[2].artifact.name = ' ';
        return scannedImageFromGrype(r);
      },
      'matches[2].artifact.name: must not be blank (in Grype report)',
    ],
    [
      'an EPSS over 1',
      () => {
        const r = clone(ecrImage);
        r.matches[0].vulnerability.epss[0].epss = 17;
        return scannedImageFromGrype(r);
      },
      'matches[0].vulnerability.epss[0].epss: Too big: expected number to be <=1 (in Grype report)',
    ],
    [
      'a local image without options',
      () => {
        const r = clone(ecrImage);
        r.source.target.userInput = 'payments-api:dev';
        r.source.target.tags = ['payments-api:dev'];
        r.source.target.repoDigests = [];
        return scannedImageFromGrype(r);
      },
      'source.target.repoDigests: the report names no ECR image (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO@sha256:...); give the option repositoryName, imageDigest, accountId, region',
    ],
    [
      'a bad account option',
      () => scannedImageFromGrype(ecrImage, { accountId: '1234' }),
      '(option accountId): expected a 12-digit AWS account id, got "1234"; give the option accountId',
    ],
    [
      'a bad timestamp',
      () => scannedImageFromGrype({ ...clone(ecrImage), descriptor: { timestamp: 'now' } }),
      'descriptor.timestamp: not a valid timestamp: "now"',
    ],
  ])('refuses %s in one line', (_, run, message) => {
    expect(refusal(run)).toBe(message);
  });
});

describe('scannedImageFromGrype properties', () => {
  it('maps any valid report to findings that pass the ASFF schema, one per distinct advisory', () => {
    fc.assert(
      fc.property(grypeReport, ({ report, ids }) => {
        const image = scannedImageFromGrype(report);
        expect([image.repositoryName, image.imageDigest]).toEqual([REPOSITORY, DIGEST]);
        const findings = toAsffFindings(image);
        expect(findings).toHaveLength(ids.size + 1);
        for (const f of findings) {
          const result = AsffFindingSchema.safeParse(f);
          expect(result.success, JSON.stringify(result.error?.issues[0])).toBe(true);
        }
        expect(new Set(findings.map((f) => f.Id)).size).toBe(findings.length);
      }),
      { numRuns: 150 },
    );
  });
});

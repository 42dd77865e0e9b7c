import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type AsffFinding, AsffFindingSchema, InvalidInputError, toAsffFindings } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { ReportOptionError, scannedImageFromTrivy } from '@ecr-compliance/core/scanners';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clone, deepFreeze, fixture } from '../support/fixtures.js';
import { ACCOUNT, DIGEST, OTHER_DIGEST, REGION, REPOSITORY, trivyReport } from './arbitraries.js';

/** The vendored golden file, as Trivy's repository publishes it. */
const golden = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/trivy/alpine-310.json.golden', import.meta.url)), 'utf8'),
);
const ecrImage = fixture<Record<string, any>>('trivy/ecr-image.json');
const IMAGE = { repositoryName: 'team-a/api', imageDigest: DIGEST, accountId: ACCOUNT, region: REGION };

const vulnerabilityFindings = (findings: AsffFinding[]) =>
  findings.filter((f) => f.ProductFields['ecr-compliance/FindingType'] === 'vulnerability');
const byVulnerability = (findings: AsffFinding[]): Record<string, AsffFinding> =>
  Object.fromEntries(vulnerabilityFindings(findings).map((f) => [f.Vulnerabilities?.[0]?.Id, f]));

/** The one-line message of what `run` throws. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  throw new Error('expected a refusal');
}

describe('scannedImageFromTrivy on Trivy’s own golden report', () => {
  const image = scannedImageFromTrivy(golden, IMAGE);
  const findings = toAsffFindings(image);

  it('gives one finding per CVE although each is reported for two packages', () => {
    expect(findings).toHaveLength(3);
    const found = byVulnerability(findings);
    expect(Object.keys(found).sort()).toEqual(['CVE-2019-1549', 'CVE-2019-1551']);
    expect(found['CVE-2019-1549']?.Vulnerabilities?.[0]?.VulnerablePackages).toEqual([
      expect.objectContaining({ Name: 'libcrypto1.1', Version: '1.1.1c-r0', FixedInVersion: '1.1.1d-r0' }),
      expect.objectContaining({ Name: 'libssl1.1', Version: '1.1.1c-r0', FixedInVersion: '1.1.1d-r0' }),
    ]);
    expect(found['CVE-2019-1549']?.Title).toBe('CVE-2019-1549 - libcrypto1.1, libssl1.1');
    for (const f of findings) expect(AsffFindingSchema.safeParse(f).success).toBe(true);
  });

  it('names the scanner in every Id and GeneratorId, and never uses the config digest', () => {
    for (const f of vulnerabilityFindings(findings)) {
      expect(f.GeneratorId).toBe('ecr-compliance/trivy');
      expect(f.Id).toMatch(
        /^ecr-compliance\/trivy\/111122223333\/eu-west-1\/team-a\/api\/sha256:[a-f0-9]{64}\//,
      );
    }
    expect(findings.at(-1)?.GeneratorId).toBe('ecr-compliance/trivy/image');
    expect(JSON.stringify(findings)).not.toContain(golden.Metadata.ImageID);
    expect(findings[0]?.Resources[0]?.Id).toBe(
      `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/team-a/api/${DIGEST}`,
    );
  });

  it('keeps every CVSS score with its source and version, and the advisory’s dates', () => {
    const v = byVulnerability(findings)['CVE-2019-1549']?.Vulnerabilities?.[0];
    expect(v?.Cvss).toEqual([
      {
        Version: '3.1',
        BaseScore: 5.3,
        BaseVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N',
        Source: 'nvd',
      },
      { Version: '2.0', BaseScore: 5, BaseVector: 'AV:N/AC:L/Au:N/C:P/I:N/A:N', Source: 'nvd' },
      {
        Version: '3.0',
        BaseScore: 4.8,
        BaseVector: 'CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N',
        Source: 'redhat',
      },
    ]);
    expect(v?.Vendor).toMatchObject({
      Name: 'Alpine Secdb',
      Url: 'https://avd.aquasec.com/nvd/cve-2019-1549',
      VendorCreatedAt: '2019-09-10T17:15:00.000Z',
      VendorUpdatedAt: '2020-10-20T22:15:00.000Z',
    });
    expect(v?.FixAvailable).toBe('YES');
    expect(v?.ReferenceUrls).toContain('https://www.openssl.org/news/secadv/20190910.txt');
  });

  it('dates the findings with the report’s CreatedAt (nanoseconds cut to milliseconds)', () => {
    expect(image.scanCompletedAt).toBe('2021-08-25T12:20:30.000Z');
    expect(findings.every((f) => f.UpdatedAt === '2021-08-25T12:20:30.000Z')).toBe(true);
  });

  it('keeps Trivy’s status, CWEs and package URLs in ProductFields', () => {
    const fields = byVulnerability(findings)['CVE-2019-1551']?.ProductFields;
    expect(fields).toMatchObject({
      'ecr-compliance/Trivy/Status': 'fixed',
      'ecr-compliance/CweIds': 'CWE-200',
      'ecr-compliance/PackageUrls':
        'pkg:apk/alpine/libcrypto1.1@1.1.1c-r0?arch=x86_64&distro=3.10.2 pkg:apk/alpine/libssl1.1@1.1.1c-r0?arch=x86_64&distro=3.10.2',
    });
  });

  it('refuses it without options: it names no ECR image, and says which options to give', () => {
    expect(refusal(() => scannedImageFromTrivy(golden))).toBe(
      'Metadata.RepoDigests: the report names no ECR image (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO@sha256:...); give the option repositoryName, imageDigest, accountId, region',
    );
    let error: ReportOptionError | undefined;
    try {
      scannedImageFromTrivy(golden, { repositoryName: 'team-a/api' });
    } catch (e) {
      error = e as ReportOptionError;
    }
    expect(error).toBeInstanceOf(ReportOptionError);
    expect(error?.options).toEqual(['imageDigest', 'accountId', 'region']);
  });
});

describe('scannedImageFromTrivy on a report of an ECR image', () => {
  const image = scannedImageFromTrivy(ecrImage);
  const findings = toAsffFindings(image);
  const found = byVulnerability(findings);

  it('takes the account, Region, repository and registry digest from RepoDigests, and the tags from RepoTags', () => {
    expect(image).toMatchObject({
      scanner: { id: 'trivy' },
      accountId: '111122223333',
      region: 'eu-west-1',
      repositoryName: 'team-a/payments-api',
      imageDigest: 'sha256:9e8e9cd9d4031388e76ffd1f01c039d441df45180e70b83da6e4b3fa6a76ca85',
      imageTags: ['1.8.2', 'latest'],
      architecture: 'arm64',
      scanCompletedAt: '2026-11-30T08:12:44.123Z',
    });
  });

  it('lets options override what the report says', () => {
    const other = scannedImageFromTrivy(ecrImage, {
      accountId: '444455556666',
      region: 'us-east-2',
      imageDigest: OTHER_DIGEST,
      scannedAt: '2026-12-01T00:00:00Z',
    });
    expect(other).toMatchObject({
      accountId: '444455556666',
      region: 'us-east-2',
      repositoryName: 'team-a/payments-api',
      imageDigest: OTHER_DIGEST,
      scanCompletedAt: '2026-12-01T00:00:00.000Z',
    });
  });

  it('merges one CVE of two packages into one finding with the union of their scores and references', () => {
    const v = found['CVE-2024-6119']?.Vulnerabilities?.[0];
    expect(v?.VulnerablePackages?.map((p) => [p.Name, p.PackageManager])).toEqual([
      ['libssl3', 'debian'],
      ['openssl', 'debian'],
    ]);
    expect(v?.Cvss?.map((c) => `${c.Source} ${c.Version} ${c.BaseScore}`)).toEqual([
      'nvd 3.1 7.5',
      'redhat 3.1 5.9',
      'ghsa 4.0 8.7',
    ]);
    expect(v?.ReferenceUrls).toEqual([
      'https://avd.aquasec.com/nvd/cve-2024-6119',
      'https://openssl-library.org/news/secadv/20240903.txt',
      'https://github.com/openssl/openssl/commit/7dfcee2cd2a63b2c64b9b4b0850be64cb695b0a0',
    ]);
    expect(found['CVE-2024-6119']?.Severity).toEqual({ Label: 'HIGH', Original: 'HIGH' });
  });

  it('maps UNKNOWN to INFORMATIONAL and keeps the original', () => {
    expect(found['TEMP-0841856-B18BAF']?.Severity).toEqual({ Label: 'INFORMATIONAL', Original: 'UNKNOWN' });
  });

  it('says no fix is available when no package has a fixed version, and keeps a language package’s path', () => {
    expect(found['CVE-2023-50495']?.Vulnerabilities?.[0]?.FixAvailable).toBe('NO');
    expect(found['CVE-2023-50495']?.ProductFields['ecr-compliance/Trivy/Status']).toBe('affected');
    const npm = found['CVE-2024-21538']?.Vulnerabilities?.[0];
    expect(npm?.VulnerablePackages?.[0]).toMatchObject({
      Name: 'cross-spawn',
      PackageManager: 'npm',
      FilePath: 'app/node_modules/cross-spawn/package.json',
      FixedInVersion: '7.0.5, 6.0.6',
    });
    expect(npm?.RelatedVulnerabilities).toEqual(['GHSA-3xgq-45jj-v275']);
  });

  it('imports no suppressed finding and counts the suppressed advisories on the image finding', () => {
    expect(Object.keys(found)).not.toContain('CVE-2011-3374');
    // CVE-2023-50495 is suppressed in one package but reported in another: imported, not counted.
    expect(image.suppressedCount).toBe(1);
    expect(findings.at(-1)?.ProductFields['ecr-compliance/Count/SUPPRESSED']).toBe('1');
    const without = clone(ecrImage);
    delete without.Results[0].ExperimentalModifiedFindings;
    expect(scannedImageFromTrivy(without).suppressedCount).toBeUndefined();
  });

  it('reads the report in place and leaves it as it was (a frozen report maps the same)', () => {
    expect(toAsffFindings(scannedImageFromTrivy(deepFreeze(clone(ecrImage))))).toEqual(findings);
  });

  it('reads only the report’s own CVSS sources, as the schema checks them', () => {
    const r = clone(ecrImage);
    const record = r.Results[0].Vulnerabilities[0];
    // An enumerable key inherited from a prototype is not one of the report's sources.
    record.CVSS = Object.assign(Object.create({ inherited: { V3Score: 9.9 } }), record.CVSS);
    expect(scannedImageFromTrivy(r)).toEqual(image);
  });

  it('gives Ids that are stable across runs and independent of tags', () => {
    const again = toAsffFindings(scannedImageFromTrivy(clone(ecrImage))).map((f) => f.Id);
    expect(again).toEqual(findings.map((f) => f.Id));
    const retagged = clone(ecrImage);
    retagged.Metadata.RepoTags = ['111122223333.dkr.ecr.eu-west-1.amazonaws.com/team-a/payments-api:2.0.0'];
    retagged.ArtifactName = '111122223333.dkr.ecr.eu-west-1.amazonaws.com/team-a/payments-api:2.0.0';
    const retaggedImage = scannedImageFromTrivy(retagged);
    expect(retaggedImage.imageTags).toEqual(['2.0.0']);
    expect(toAsffFindings(retaggedImage).map((f) => f.Id)).toEqual(findings.map((f) => f.Id));
    for (const f of findings) expect(f.Id).not.toContain('1.8.2');
  });

  it('never shares an Id with the ECR scan of the same image', () => {
    const ecr = scannedImageFromEcr(
      {
        registryId: image.accountId,
        repositoryName: image.repositoryName,
        imageId: { imageDigest: image.imageDigest },
        imageScanStatus: { status: 'COMPLETE' },
        imageScanFindings: {
          imageScanCompletedAt: 1795169762,
          findings: [
            {
              name: 'CVE-2024-6119',
              severity: 'HIGH',
              attributes: [{ key: 'package_name', value: 'openssl' }],
            },
          ],
        },
      },
      { region: image.region },
    );
    const ecrIds = new Set(toAsffFindings(ecr).map((f) => f.Id));
    expect(findings.filter((f) => ecrIds.has(f.Id))).toEqual([]);
    expect(findings[0]?.Resources[0]?.Id).toBe(toAsffFindings(ecr)[0]?.Resources[0]?.Id);
  });
});

describe('scannedImageFromTrivy refusals', () => {
  const withDigests = (digests: string[]) => {
    const r = clone(ecrImage);
    r.Metadata.RepoDigests = digests;
    return r;
  };
  const ref = (repo: string, digest: string) =>
    `111122223333.dkr.ecr.eu-west-1.amazonaws.com/${repo}@${digest}`;

  it.each<[string, () => unknown, string]>([
    [
      'not an object',
      () => scannedImageFromTrivy('[]'),
      '(root): Invalid input: expected object, received string (in Trivy report)',
    ],
    [
      'another schema version',
      () => scannedImageFromTrivy({ ...clone(ecrImage), SchemaVersion: 1 }),
      'SchemaVersion: expected 2 (the report of trivy image -f json) (in Trivy report)',
    ],
    [
      'a file-system report',
      () => scannedImageFromTrivy({ ...clone(ecrImage), ArtifactType: 'filesystem' }),
      'ArtifactType: expected container_image (the report of trivy image, not trivy fs or sbom) (in Trivy report)',
    ],
    [
      'a record without a package',
      () => {
        const r = clone(ecrImage);
        delete r.Results[1].Vulnerabilities[0].PkgName;
        return scannedImageFromTrivy(r);
      },
      'Results[1].Vulnerabilities[0].PkgName: Invalid input: expected string, received undefined (in Trivy report)',
    ],
    [
      'a result whose type is not text, though its records are valid',
      () => {
        const r = clone(ecrImage);
        r.Results[1].Type = 7;
        return scannedImageFromTrivy(r);
      },
      'Results[1].Type: Invalid input: expected string, received number (in Trivy report)',
    ],
    [
      'a CVSS score over 10',
      () => {
        const r = clone(ecrImage);
        r.Results[0].Vulnerabilities[0].CVSS.nvd.V3Score = 75;
        return scannedImageFromTrivy(r);
      },
      'Results[0].Vulnerabilities[0].CVSS.nvd.V3Score: Too big: expected number to be <=10 (in Trivy report)',
    ],
    [
      'a bad advisory date',
      () => {
        const r = clone(ecrImage);
        r.Results[0].Vulnerabilities[0].PublishedDate = 'yesterday';
        return scannedImageFromTrivy(r);
      },
      'Results[0].Vulnerabilities[0].PublishedDate: not a valid timestamp: "yesterday" (in Trivy report)',
    ],
    [
      'two images of two repositories',
      () => scannedImageFromTrivy(withDigests([ref('team-a/api', DIGEST), ref('team-b/web', OTHER_DIGEST)])),
      'Metadata.RepoDigests: the report names 2 ECR images (team-a/api@' +
        DIGEST +
        ', team-b/web@' +
        OTHER_DIGEST +
        '); give the option repositoryName, imageDigest',
    ],
    [
      'two images of one repository',
      () =>
        scannedImageFromTrivy(withDigests([ref('team-a/api', DIGEST), ref('team-a/api', OTHER_DIGEST)]), {
          repositoryName: 'team-a/api',
        }),
      `Metadata.RepoDigests: the report names 2 ECR images (team-a/api@${DIGEST}, team-a/api@${OTHER_DIGEST}); give the option imageDigest`,
    ],
    [
      'a repository the report does not name',
      () => scannedImageFromTrivy(ecrImage, { repositoryName: 'team-z/other' }),
      'Metadata.RepoDigests: the report names no image of repository team-z/other; give the option imageDigest, accountId, region',
    ],
    [
      'a tag without a digest',
      () => {
        const r = withDigests([]);
        return scannedImageFromTrivy(r);
      },
      'Metadata.RepoDigests: the report names no digest of team-a/payments-api; give the option imageDigest',
    ],
    [
      'no CreatedAt',
      () => {
        const r = clone(ecrImage);
        delete r.CreatedAt;
        return scannedImageFromTrivy(r);
      },
      'CreatedAt: the report does not say when it was made, which orders reports; give the option scannedAt',
    ],
    [
      'a bad CreatedAt',
      () => scannedImageFromTrivy({ ...clone(ecrImage), CreatedAt: '30/11/2026' }),
      'CreatedAt: not a valid timestamp: "30/11/2026"',
    ],
    [
      'a bad digest option',
      () => scannedImageFromTrivy(ecrImage, { imageDigest: 'sha256:abc' }),
      '(option imageDigest): expected an image digest like sha256:<64 hex digits>, got "sha256:abc"; give the option imageDigest',
    ],
    [
      'a bad Region option',
      () => scannedImageFromTrivy(ecrImage, { region: 'Europe' }),
      '(option region): expected an AWS Region such as eu-west-1, got "Europe"; give the option region',
    ],
  ])('refuses %s in one line', (_, run, message) => {
    expect(refusal(run)).toBe(message);
  });

  it('picks the image of --repository among several', () => {
    const image = scannedImageFromTrivy(
      withDigests([ref('team-a/api', DIGEST), ref('team-b/web', OTHER_DIGEST)]),
      {
        repositoryName: 'team-b/web',
      },
    );
    expect([image.repositoryName, image.imageDigest]).toEqual(['team-b/web', OTHER_DIGEST]);
  });
});

describe('scannedImageFromTrivy properties', () => {
  it('maps any valid report to findings that pass the ASFF schema, one per distinct advisory', () => {
    fc.assert(
      fc.property(trivyReport, ({ report, ids }) => {
        const image = scannedImageFromTrivy(report, { repositoryName: REPOSITORY });
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

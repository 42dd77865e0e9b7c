import {
  type AsffFinding,
  AsffFindingSchema,
  LIMITS,
  type ScannedImage,
  TRUNCATION_MARKER,
  toAsffFindings,
  utf8Length,
  type Vulnerability,
} from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clone, example, fixture } from './support/fixtures.js';

const region = 'us-east-1';
const page = fixture<Record<string, any>>('ecr/basic-page.json');
const basicExample = example<Record<string, any>>('describe-image-scan-findings.basic.json');
const enhancedExample = example<Record<string, any>>('describe-image-scan-findings.enhanced.json');
const map = (input: unknown, granularity?: 'vulnerability' | 'image' | 'both') =>
  toAsffFindings(scannedImageFromEcr(input, { region }), granularity ? { granularity } : {});
const vulnerabilityFindings = (findings: AsffFinding[]) =>
  findings.filter((f) => f.ProductFields['ecr-compliance/FindingType'] === 'vulnerability');
const imageFinding = (findings: AsffFinding[]) => {
  const found = findings.find((f) => f.ProductFields['ecr-compliance/FindingType'] === 'image');
  if (!found) throw new Error('no image finding');
  return found;
};

function expectValid(findings: AsffFinding[]) {
  for (const f of findings) {
    expect(AsffFindingSchema.safeParse(f).success, f.Id).toBe(true);
    expect(utf8Length(JSON.stringify(f))).toBeLessThanOrEqual(LIMITS.findingBytes);
  }
}

describe('toAsffFindings on a basic scan', () => {
  const findings = map(page);

  it('produces one finding per vulnerability and one image finding', () => {
    expect(vulnerabilityFindings(findings)).toHaveLength(2);
    expect(findings.at(-1)?.ProductFields['ecr-compliance/FindingType']).toBe('image');
    expect(findings).toHaveLength(3);
  });

  it('maps a vulnerability the way Inspector presents one', () => {
    const [first] = findings;
    expect(first).toMatchObject({
      SchemaVersion: '2018-10-08',
      ProductArn: 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default',
      GeneratorId: 'ecr-compliance/ecr-basic',
      AwsAccountId: '111122223333',
      Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
      Title: 'CVE-2024-6119 - openssl',
      Description: 'Possible denial of service in X.509 name checks.',
      Severity: { Label: 'HIGH', Original: 'HIGH' },
      FindingProviderFields: {
        Severity: { Label: 'HIGH', Original: 'HIGH' },
        Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
      },
      CreatedAt: '2026-11-20T10:16:02.000Z',
      UpdatedAt: '2026-11-20T10:16:02.000Z',
      RecordState: 'ACTIVE',
      Resources: [
        {
          Type: 'AwsEcrContainerImage',
          Id: 'arn:aws:ecr:us-east-1:111122223333:repository/team-a/payments-api/sha256:9e8e9cd9d4031388e76ffd1f01c039d441df45180e70b83da6e4b3fa6a76ca85',
          Partition: 'aws',
          Region: 'us-east-1',
          Details: {
            AwsEcrContainerImage: {
              RegistryId: '111122223333',
              RepositoryName: 'team-a/payments-api',
              ImageDigest: 'sha256:9e8e9cd9d4031388e76ffd1f01c039d441df45180e70b83da6e4b3fa6a76ca85',
              ImageTags: ['1.8.2'],
            },
          },
        },
      ],
      Vulnerabilities: [
        {
          Id: 'CVE-2024-6119',
          VulnerablePackages: [{ Name: 'openssl', Version: '3.0.13-1~deb12u1' }],
          Cvss: [{ Version: '2.0', BaseScore: 5, BaseVector: 'AV:N/AC:L/Au:N/C:N/I:N/A:P' }],
          Vendor: { Name: 'Amazon ECR basic scanning', VendorSeverity: 'HIGH' },
          ReferenceUrls: ['https://security-tracker.debian.org/tracker/CVE-2024-6119'],
        },
      ],
      Remediation: { Recommendation: { Url: 'https://security-tracker.debian.org/tracker/CVE-2024-6119' } },
    });
    expect(first?.Remediation?.Recommendation.Text).toMatch(/openssl/);
  });

  it('summarizes the image with counts, highest severity and both ECR resources', () => {
    const image = imageFinding(findings);
    expect(image.Severity.Label).toBe('HIGH');
    expect(image.GeneratorId).toBe('ecr-compliance/ecr-basic/image');
    expect(image.ProductFields).toMatchObject({
      'ecr-compliance/Count/HIGH': '1',
      'ecr-compliance/Count/MEDIUM': '1',
      'ecr-compliance/Count/CRITICAL': '0',
      'ecr-compliance/Count/TOTAL': '2',
    });
    expect(image.Resources.map((r) => r.Type)).toEqual(['AwsEcrContainerImage', 'AwsEcrRepository']);
    expect(image.Resources[1]?.Id).toBe('arn:aws:ecr:us-east-1:111122223333:repository/team-a/payments-api');
    expect(image.Description).toContain('1 high, 1 medium');
  });

  it('meets every Security Hub constraint', () => expectValid(findings));

  it('honours the granularity option', () => {
    expect(map(page, 'vulnerability')).toHaveLength(2);
    expect(map(page, 'image')).toHaveLength(1);
  });

  it('is deterministic', () => {
    expect(map(clone(page))).toEqual(map(clone(page)));
  });
});

describe('finding identity', () => {
  it('keeps Ids stable across re-scans and tag changes', () => {
    const later = clone(page);
    later.imageScanFindings.imageScanCompletedAt = 1795256162;
    later.imageId.imageTag = 'v2';
    const a = map(page).map((f) => f.Id);
    const b = map(later).map((f) => f.Id);
    expect(b).toEqual(a);
    for (const id of a) expect(id).not.toContain('1.8.2');
  });

  it('gives a later scan a strictly later UpdatedAt', () => {
    const later = clone(page);
    later.imageScanFindings.imageScanCompletedAt = page.imageScanFindings.imageScanCompletedAt + 1;
    const [a] = map(page);
    const [b] = map(later);
    expect(b?.Id).toBe(a?.Id);
    expect(Date.parse(b?.UpdatedAt ?? '')).toBeGreaterThan(Date.parse(a?.UpdatedAt ?? ''));
  });

  it('never shares an Id between different images', () => {
    const other = clone(page);
    other.imageId.imageDigest = `sha256:${'1'.repeat(64)}`;
    const ids = new Set([...map(page), ...map(other)].map((f) => f.Id));
    expect(ids.size).toBe(6);
  });

  it('never shares an Id between repositories or regions', () => {
    const other = clone(page);
    other.repositoryName = 'team-a/payments-api-2';
    const ids = [
      ...map(page),
      ...map(other),
      ...toAsffFindings(scannedImageFromEcr(page, { region: 'eu-west-1' })),
    ].map((f) => f.Id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps an over-long Id within 512 characters, unique and stable', () => {
    const long = (n: string) => {
      const input = clone(page);
      input.imageScanFindings.findings[0].name = `${'X'.repeat(600)}-${n}`;
      return map(input, 'vulnerability')[0]?.Id ?? '';
    };
    expect(long('a').length).toBeLessThanOrEqual(512);
    expect(long('a')).toBe(long('a'));
    expect(long('a')).not.toBe(long('b'));
  });
});

describe('a CVE reported for several packages', () => {
  it('is one basic finding listing every package', () => {
    const findings = map(basicExample, 'vulnerability');
    const cve = findings.filter((f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2024-6119');
    expect(cve).toHaveLength(1);
    expect(cve[0]?.Vulnerabilities?.[0]?.VulnerablePackages?.map((p) => p.Name)).toEqual([
      'openssl',
      'libssl3',
    ]);
    expect(cve[0]?.Title).toBe('CVE-2024-6119 - openssl, libssl3');
    expect(new Set(findings.map((f) => f.Id)).size).toBe(findings.length);
  });

  it('is one enhanced finding with the highest severity and every package', () => {
    const findings = map(enhancedExample, 'vulnerability');
    const twin = findings.find((f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2025-20001');
    expect(twin?.Vulnerabilities?.[0]?.VulnerablePackages?.map((p) => p.Name)).toEqual([
      'libssl3',
      'zlib1g',
      'libcurl4',
    ]);
    expect(twin?.Severity).toEqual({ Label: 'CRITICAL', Original: 'CRITICAL' });
    expect(new Set(findings.map((f) => f.Id)).size).toBe(findings.length);
  });
});

describe('enhanced findings', () => {
  const findings = map(enhancedExample);

  it('carry Inspector detail: CVSS, vendor, fix and exploit availability, source finding', () => {
    const first = findings[0];
    expect(first?.GeneratorId).toBe('ecr-compliance/ecr-enhanced');
    expect(first?.Vulnerabilities?.[0]).toMatchObject({
      Id: 'GHSA-0000-j2v9-7q3c',
      Cvss: [{ Version: '3.1', BaseScore: 9.8, Source: 'NVD' }],
      Vendor: { Name: 'DEBIAN_CVE', VendorSeverity: 'critical', VendorCreatedAt: '2025-06-01T00:00:00.000Z' },
      FixAvailable: 'YES',
      ExploitAvailable: 'NO',
      VulnerablePackages: [
        {
          Name: 'openssl',
          Version: '2.0.0',
          Epoch: '0',
          Release: '1~deb12u1',
          Architecture: 'X86_64',
          PackageManager: 'OS',
        },
      ],
    });
    expect(first?.FirstObservedAt).toBe('2026-11-18T09:00:00.000Z');
    expect(first?.ProductFields['ecr-compliance/SourceFindingId']).toMatch(/^arn:aws:inspector2:/);
    expect(first?.Resources[0]?.Details?.AwsEcrContainerImage).toMatchObject({
      ImageTags: ['2.4.0'],
      ImagePublishedAt: '2026-11-18T08:59:00.000Z',
      Architecture: 'amd64',
    });
  });

  it('map UNTRIAGED to INFORMATIONAL and keep the original', () => {
    const untriaged = findings.find((f) => f.Severity.Original === 'UNTRIAGED');
    expect(untriaged?.Severity.Label).toBe('INFORMATIONAL');
    expect(untriaged?.FindingProviderFields.Severity).toEqual({
      Label: 'INFORMATIONAL',
      Original: 'UNTRIAGED',
    });
  });

  it('give a meaningful description and recommendation when Inspector has none', () => {
    const blank = findings.find((f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2025-20004');
    expect(blank?.Description).toBe(
      'DEBIAN_CVE reported CVE-2025-20004 without a description; affected: libc6 2.4.0, curl 2.4.1.',
    );
    const noText = findings.find((f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2025-20001');
    expect(noText?.Remediation?.Recommendation.Text).toBe(
      'Upgrade zlib1g to 0:2.1.2-1~deb12u2 or later, then rebuild and push the image.',
    );
  });

  it('meet every Security Hub constraint', () => expectValid(findings));
});

describe('Security Hub limits', () => {
  it('maps UNDEFINED to INFORMATIONAL and keeps the original', () => {
    const input = clone(page);
    input.imageScanFindings.findings[0].severity = 'UNDEFINED';
    const [first] = map(input);
    expect(first?.Severity).toEqual({ Label: 'INFORMATIONAL', Original: 'UNDEFINED' });
  });

  it('truncates long text readably and says so', () => {
    const input = clone(page);
    input.imageScanFindings.findings[0].description = 'word '.repeat(2000);
    input.imageScanFindings.findings[0].attributes[1].value = `pkg-${'n'.repeat(300)}`;
    const [first] = map(input);
    expect(first?.Description.length).toBeLessThanOrEqual(1024);
    expect(first?.Description.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(first?.Title.length).toBeLessThanOrEqual(256);
    expect(first?.Title.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(first?.Remediation?.Recommendation.Text.length).toBeLessThanOrEqual(512);
  });

  it('gives a missing or blank description a meaningful one', () => {
    const input = clone(page);
    delete input.imageScanFindings.findings[0].description;
    input.imageScanFindings.findings[1].description = '  \n ';
    const [a, b] = map(input);
    expect(a?.Description).toBe(
      'Amazon ECR basic scanning reported CVE-2024-6119 without a description; affected: openssl 3.0.13-1~deb12u1.',
    );
    expect(b?.Description).toMatch(
      /^Amazon ECR basic scanning reported CVE-2023-50495 without a description/,
    );
  });

  it('keeps a finding with thousands of packages under 240 KB and says how many it lists', () => {
    const input = clone(page);
    input.imageScanFindings.findings = Array.from({ length: 6000 }, (_, i) => ({
      name: 'CVE-2024-0001',
      severity: 'HIGH',
      attributes: [
        { key: 'package_name', value: `node-module-with-a-rather-long-name-${i}` },
        { key: 'package_version', value: `1.${i}.0-beta.${'x'.repeat(20)}` },
      ],
    }));
    const [first] = map(input, 'vulnerability');
    expect(utf8Length(JSON.stringify(first))).toBeLessThanOrEqual(LIMITS.findingBytes);
    const listed = first?.Vulnerabilities?.[0]?.VulnerablePackages?.length ?? 0;
    expect(listed).toBeGreaterThan(100);
    expect(listed).toBeLessThan(6000);
    expect(first?.ProductFields['ecr-compliance/ListedPackages']).toBe(
      `${listed} of 6000 packages listed (finding size limit)`,
    );
  });

  it('keeps a finding with 20,000 related advisories and URLs under the limit', () => {
    const image = scannedImageFromEcr(clone(page), { region });
    const [first] = image.vulnerabilities;
    const huge: ScannedImage = {
      ...image,
      imageTags: Array.from({ length: 1000 }, (_, i) => `release-${i}-${'x'.repeat(250)}`),
      vulnerabilities: [
        {
          ...(first as Vulnerability),
          relatedVulnerabilities: Array.from({ length: 20_000 }, (_, i) => `GHSA-${i}-aaaa-bbbb`),
          referenceUrls: Array.from({ length: 20_000 }, (_, i) => `https://example.com/advisory/${i}`),
        },
      ],
    };
    const findings = toAsffFindings(huge);
    expectValid(findings);
    expect(findings[0]?.Vulnerabilities?.[0]?.RelatedVulnerabilities?.length).toBeLessThan(20_000);
    expect(findings[0]?.Resources[0]?.Details?.AwsEcrContainerImage?.ImageTags).toHaveLength(100);
  });

  it('handles an untagged image and a repository name with slashes', () => {
    const input = clone(page);
    delete input.imageId.imageTag;
    input.repositoryName = 'org/team/sub/service';
    const findings = map(input);
    expect(findings[0]?.Resources[0]?.Details?.AwsEcrContainerImage?.ImageTags).toBeUndefined();
    expect(imageFinding(findings).Description).toContain('(untagged)');
    expect(findings[0]?.Resources[0]?.Id).toContain(':repository/org/team/sub/service/sha256:');
    expectValid(findings);
  });

  it('maps an image with no vulnerabilities to one INFORMATIONAL image finding', () => {
    const input = clone(page);
    input.imageScanFindings.findings = [];
    const findings = map(input);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.Severity).toEqual({ Label: 'INFORMATIONAL', Original: 'NONE' });
    expectValid(findings);
  });

  it('maps the bundled realistic scans within every limit', () => {
    const basic = map(basicExample);
    expect(basic.length).toBe(302);
    expectValid(basic);
    expectValid(map(enhancedExample));
  });
});

const text = fc.string({ unit: 'grapheme', maxLength: 3000 });
const word = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,40}$/);
const severity = fc.constantFrom(
  'CRITICAL',
  'HIGH',
  'MEDIUM',
  'LOW',
  'INFORMATIONAL',
  'UNDEFINED',
  'UNTRIAGED',
  'weird',
  '',
);
const vulnerability: fc.Arbitrary<Vulnerability> = fc.record({
  id: word,
  description: fc.option(text, { nil: undefined }),
  title: fc.option(text, { nil: undefined }),
  severity: fc.constantFrom('INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'),
  originalSeverity: severity.map((s) => s || 'UNDEFINED'),
  packages: fc.array(fc.record({ name: word, version: fc.option(word, { nil: undefined }) }), {
    maxLength: 30,
  }),
  cvss: fc.array(
    fc.record({
      version: fc.constantFrom('2.0', '3.1'),
      baseScore: fc.double({ min: 0, max: 10, noNaN: true }),
    }),
    {
      maxLength: 2,
    },
  ),
  referenceUrls: fc.array(fc.webUrl(), { maxLength: 5 }),
  relatedVulnerabilities: fc.array(word, { maxLength: 3 }),
  vendorName: fc.option(text, { nil: undefined }),
  remediationText: fc.option(text, { nil: undefined }),
}) as fc.Arbitrary<Vulnerability>;

describe('property: every finding meets the ASFF limits', () => {
  it('for arbitrary scans', () => {
    fc.assert(
      fc.property(
        fc.record({
          repositoryName: fc.stringMatching(/^[a-z0-9]{2,60}(\/[a-z0-9]{1,60}){0,4}$/),
          imageTags: fc.array(fc.string({ minLength: 1, maxLength: 300 }), { maxLength: 5 }),
          vulnerabilities: fc.uniqueArray(vulnerability, { selector: (v) => v.id, maxLength: 15 }),
        }),
        (generated) => {
          const image: ScannedImage = {
            scanner: { id: 'ecr-basic', name: 'Amazon ECR basic scanning' },
            accountId: '111122223333',
            region: 'eu-central-1',
            imageDigest: `sha256:${'a'.repeat(64)}`,
            scanCompletedAt: '2026-11-20T10:16:02.000Z',
            ...generated,
          };
          const findings = toAsffFindings(image);
          expect(findings).toHaveLength(generated.vulnerabilities.length + 1);
          for (const f of findings) {
            const result = AsffFindingSchema.safeParse(f);
            expect(result.success, JSON.stringify(result.error?.issues[0])).toBe(true);
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('enhanced scanning specifics', () => {
  it('leaves out SUPPRESSED and CLOSED Inspector findings', () => {
    const input = clone(enhancedExample);
    input.imageScanFindings.enhancedFindings[0].status = 'CLOSED';
    input.imageScanFindings.enhancedFindings[2].status = 'SUPPRESSED';
    const ids = map(input, 'vulnerability').map((f) => f.Vulnerabilities?.[0]?.Id);
    expect(ids).not.toContain('GHSA-0000-j2v9-7q3c');
    expect(ids).not.toContain('CVE-2025-20002');
    expect(ids).toHaveLength(22);
  });

  it('dates the findings by the latest finding update when it is later than the scan', () => {
    const input = clone(enhancedExample);
    input.imageScanFindings.enhancedFindings[3].updatedAt = '2026-11-21T08:00:00Z';
    const [first] = map(input);
    expect(first?.UpdatedAt).toBe('2026-11-21T08:00:00.000Z');
  });
});

describe('toAsffFindings with scanner details and suppressed counts', () => {
  const image = scannedImageFromEcr(page, { region });

  it('writes each detail under our prefix and drops blank ones', () => {
    const [first, ...rest] = image.vulnerabilities as Vulnerability[];
    const withDetails: ScannedImage = {
      ...image,
      vulnerabilities: [
        { ...(first as Vulnerability), details: { KnownExploitedSince: '2024-05-01', Blank: '  ' } },
        ...rest,
      ],
    };
    const [finding] = toAsffFindings(withDetails);
    expect(finding?.ProductFields['ecr-compliance/KnownExploitedSince']).toBe('2024-05-01');
    expect(finding?.ProductFields).not.toHaveProperty('ecr-compliance/Blank');
    expectValid(toAsffFindings(withDetails));
  });

  it('counts suppressed vulnerabilities on the image finding only when the scanner reports them', () => {
    expect(imageFinding(toAsffFindings(image)).ProductFields).not.toHaveProperty(
      'ecr-compliance/Count/SUPPRESSED',
    );
    const found = imageFinding(toAsffFindings({ ...image, suppressedCount: 3 }));
    expect(found.ProductFields['ecr-compliance/Count/SUPPRESSED']).toBe('3');
  });
});

describe('the wording of the findings', () => {
  const image = scannedImageFromEcr(clone(page), { region });
  const trivy: ScannedImage = { ...image, scanner: { id: 'trivy', name: 'Trivy' } };
  const ref = 'team-a/payments-api@sha256:9e8e9cd9d4031388e76ffd1f01c039d441df45180e70b83da6e4b3fa6a76ca85';

  it('names the scanner and the image in the image finding, without "ECR" for another scanner', () => {
    expect(imageFinding(toAsffFindings(image)).Title).toBe(
      `2 vulnerabilities (0 critical, 1 high) found by Amazon ECR basic scanning in image ${ref}`,
    );
    const found = imageFinding(toAsffFindings(trivy));
    expect(found.Title).toBe(`2 vulnerabilities (0 critical, 1 high) found by Trivy in image ${ref}`);
    expect(found.Description).toMatch(
      /^Trivy found 2 distinct vulnerabilities in image team-a\/payments-api@/,
    );
    for (const text of [found.Title, found.Description, found.Remediation?.Recommendation.Text])
      expect(text).not.toMatch(/ECR/);
  });

  it('speaks of the block action of ecr-compliance when the mapping is not told its Id', () => {
    const text = imageFinding(toAsffFindings(trivy)).Remediation?.Recommendation.Text;
    expect(text).toContain('run the block action of ecr-compliance.');
    expect(text).not.toContain('ECR1');
  });

  it('names the block action as configured', () => {
    const options = { blockAction: { id: 'StopPulls7', name: 'Stop image pulls' } };
    const found = imageFinding(toAsffFindings(image, options));
    expect(found.Remediation?.Recommendation.Text).toContain(
      'select this finding and run the custom action "Stop image pulls" (StopPulls7).',
    );
    expect(found.Remediation?.Recommendation.Text).not.toContain('ECR1');
    const blank = imageFinding(toAsffFindings(image, { blockAction: { id: ' ', name: 'Stop image pulls' } }));
    expect(blank.Remediation?.Recommendation.Text).toContain('the block action of ecr-compliance');
  });

  it('needs no recommendation of the block action for an image without vulnerabilities', () => {
    const clean = imageFinding(
      toAsffFindings(
        { ...image, vulnerabilities: [] },
        { blockAction: { id: 'ECR1', name: 'Block ECR pulls' } },
      ),
    );
    expect(clean.Remediation?.Recommendation.Text).toBe('No action needed.');
  });

  it('titles an advisory over several packages the way Inspector does', () => {
    const enhanced = map(enhancedExample, 'vulnerability');
    const twin = enhanced.find((f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2025-20001');
    expect(twin?.Title).toBe('CVE-2025-20001 - libssl3, zlib1g and 1 more');
    const [first] = image.vulnerabilities as Vulnerability[];
    const five: Vulnerability = {
      ...(first as Vulnerability),
      packages: ['a', 'b', 'c', 'd', 'e', 'a'].map((name) => ({ name })),
    };
    const [finding] = toAsffFindings({ ...image, vulnerabilities: [five] }, { granularity: 'vulnerability' });
    expect(finding?.Title).toBe('CVE-2024-6119 - a, b and 3 more');
    expect(finding?.Vulnerabilities?.[0]?.VulnerablePackages).toHaveLength(6);
  });
});

describe('scanner details in ProductFields', () => {
  const image = scannedImageFromEcr(clone(page), { region });
  const [first] = image.vulnerabilities as Vulnerability[];
  const withDetails = (details: Record<string, string>): AsffFinding => {
    const [finding] = toAsffFindings(
      { ...image, vulnerabilities: [{ ...(first as Vulnerability), details }] },
      { granularity: 'vulnerability' },
    );
    if (!finding) throw new Error('no finding');
    return finding;
  };

  it('stay within the 50 pairs Security Hub allows, with room for the fingerprint', () => {
    const many = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`Detail${i}`, `value ${i}`]));
    const finding = withDetails(many);
    expect(Object.keys(finding.ProductFields).length).toBe(LIMITS.productFields - 2);
    expect(finding.ProductFields['ecr-compliance/Detail0']).toBe('value 0');
    expectValid([finding]);
  });

  it('leave out a key that is too long and never overwrite a field of the mapping', () => {
    const finding = withDetails({ ['K'.repeat(200)]: 'long', PackageCount: '99', Scanner: 'other' });
    expect(finding.ProductFields['ecr-compliance/PackageCount']).toBe('1');
    expect(finding.ProductFields['ecr-compliance/Scanner']).toBe('ecr-basic');
    expect(Object.keys(finding.ProductFields).some((k) => k.length > LIMITS.productFieldKey)).toBe(false);
    expectValid([finding]);
  });
});

import { type AsffFinding, AsffFindingSchema, InvalidInputError, toAsffFindings } from '@ecr-compliance/core';
import { mergeScanPages, scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clone, example, fixture } from './support/fixtures.js';

const region = 'us-east-1';
const page = fixture<Record<string, any>>('ecr/basic-page.json');
const pageOfSeveral = fixture<Record<string, any>>('ecr/basic-page-of-several.json');
const enhancedFinding = fixture<Record<string, any>>('ecr/enhanced-finding.json');
const enhancedExample = example<Record<string, any>>('describe-image-scan-findings.enhanced.json');

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

function enhancedPage(findings: unknown[]): Record<string, any> {
  return {
    ...clone(page),
    imageScanStatus: { status: 'ACTIVE' },
    imageScanFindings: { imageScanCompletedAt: 1795169762, enhancedFindings: findings },
  };
}

describe('a DescribeImageScanFindings page that is not the whole scan', () => {
  it('is refused with one line that says it is one page of several and how to get them all', () => {
    const error = thrown(() => scannedImageFromEcr(clone(pageOfSeveral), { region }));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).path).toBe('nextToken');
    expect(error.message).toMatch(
      /^nextToken: the input is one page of several DescribeImageScanFindings pages/,
    );
    expect(error.message).toContain('without --max-items and --no-paginate');
    expect(error.message).toContain('merge all pages');
    expect(error.message).not.toContain('\n');
  });

  it('is refused when the AWS CLI printed its NextToken (--max-items)', () => {
    const input = {
      ...clone(page),
      NextToken: 'eyJuZXh0VG9rZW4iOiBudWxsLCAiYm90b190cnVuY2F0ZV9hbW91bnQiOiA1MH0=',
    };
    const error = thrown(() => scannedImageFromEcr(input, { region }));
    expect((error as InvalidInputError).path).toBe('NextToken');
    expect(error.message).toMatch(/one page of several/);
  });

  it.each([
    ['null', { nextToken: null }],
    ['absent', {}],
    ['blank', { nextToken: '' }],
    ['a null CLI token', { NextToken: null }],
  ])('accepts a whole response whose token is %s', (_, token) => {
    const input = { ...clone(page), ...token };
    expect(scannedImageFromEcr(input, { region }).vulnerabilities).toHaveLength(2);
  });

  it('names a nextToken that is neither a string nor null by its path', () => {
    const input = { ...clone(page), nextToken: 42 };
    expect(() => scannedImageFromEcr(input, { region })).toThrow(/^nextToken: /);
  });
});

describe('mergeScanPages', () => {
  const second = () => {
    const p = clone(pageOfSeveral);
    p.imageScanFindings.findings = [
      { name: 'CVE-2024-0003', severity: 'LOW', attributes: [{ key: 'package_name', value: 'zlib1g' }] },
    ];
    delete p.nextToken;
    return p;
  };

  it('maps every page of a complete set, as the adapter fetches them', () => {
    const merged = mergeScanPages([clone(pageOfSeveral), second()]) as Record<string, unknown>;
    expect(merged).not.toHaveProperty('nextToken');
    const ids = scannedImageFromEcr(merged, { region }).vulnerabilities.map((v) => v.id);
    expect(ids).toEqual(['CVE-2024-6119', 'CVE-2023-50495', 'CVE-2024-0003']);
  });

  it('keeps the last page token of a set that stops early, which the parser refuses', () => {
    const third = { ...second(), nextToken: 'eyJvZmZzZXQiOjN9' };
    const merged = mergeScanPages([clone(pageOfSeveral), third]);
    expect(() => scannedImageFromEcr(merged, { region })).toThrow(
      /^nextToken: the input is one page of several/,
    );
  });

  it('returns a single page unchanged', () => {
    const only = clone(page);
    expect(mergeScanPages([only])).toBe(only);
  });
});

describe('one vulnerability reported for several packages', () => {
  it('keeps every CVSS score, reference and the description of a basic scan', () => {
    const input = clone(page);
    input.imageScanFindings.findings = [
      {
        name: 'CVE-2024-6119',
        uri: 'https://security-tracker.debian.org/tracker/CVE-2024-6119',
        severity: 'MEDIUM',
        attributes: [
          { key: 'package_name', value: 'openssl' },
          { key: 'CVSS2_SCORE', value: '5' },
          { key: 'CVSS2_VECTOR', value: 'AV:N/AC:L/Au:N/C:N/I:N/A:P' },
        ],
      },
      {
        name: 'CVE-2024-6119',
        description: 'Possible denial of service in X.509 name checks.',
        uri: 'https://ubuntu.com/security/CVE-2024-6119',
        severity: 'HIGH',
        attributes: [
          { key: 'package_name', value: 'libssl3' },
          { key: 'CVSS3_SCORE', value: '7.5' },
          { key: 'CVSS3_VECTOR', value: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H' },
          { key: 'CVSS2_SCORE', value: '5' },
          { key: 'CVSS2_VECTOR', value: 'AV:N/AC:L/Au:N/C:N/I:N/A:P' },
        ],
      },
    ];
    const [finding] = toAsffFindings(scannedImageFromEcr(input, { region }), {
      granularity: 'vulnerability',
    });
    expect(finding?.Vulnerabilities?.[0]?.Cvss).toEqual([
      { Version: '2.0', BaseScore: 5, BaseVector: 'AV:N/AC:L/Au:N/C:N/I:N/A:P', Source: 'ECR basic scan' },
      {
        Version: '3.1',
        BaseScore: 7.5,
        BaseVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
        Source: 'ECR basic scan',
      },
    ]);
    expect(finding?.Vulnerabilities?.[0]?.ReferenceUrls).toEqual([
      'https://security-tracker.debian.org/tracker/CVE-2024-6119',
      'https://ubuntu.com/security/CVE-2024-6119',
    ]);
    expect(finding?.Description).toBe('Possible denial of service in X.509 name checks.');
    expect(finding?.Severity).toEqual({ Label: 'HIGH', Original: 'HIGH' });
  });

  it('keeps every CVSS score and reference of an enhanced scan, and a description from any record', () => {
    const a = clone(enhancedFinding);
    delete a.description;
    const b = clone(enhancedFinding);
    b.findingArn = 'arn:aws:inspector2:us-east-1:111122223333:finding/0000000000000000000000000000000b';
    b.packageVulnerabilityDetails.vulnerablePackages[0].name = 'libssl3';
    b.packageVulnerabilityDetails.cvss.push({
      baseScore: 5.9,
      scoringVector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H',
      source: 'DEBIAN_CVE',
      version: '3.1',
    });
    b.packageVulnerabilityDetails.referenceUrls.push('https://www.openssl.org/news/secadv/20240903.txt');
    b.packageVulnerabilityDetails.relatedVulnerabilities = ['DSA-5764-1', 'USN-6986-1'];
    const image = scannedImageFromEcr(enhancedPage([a, b]), { region });
    expect(image.vulnerabilities).toHaveLength(1);
    const [v] = image.vulnerabilities;
    expect(v?.cvss.map((c) => `${c.source} ${c.baseScore}`)).toEqual(['NVD 7.5', 'DEBIAN_CVE 5.9']);
    expect(v?.referenceUrls).toEqual([
      'https://www.cve.org/CVERecord?id=CVE-2024-6119',
      'https://www.openssl.org/news/secadv/20240903.txt',
    ]);
    expect(v?.relatedVulnerabilities).toEqual(['DSA-5764-1', 'USN-6986-1']);
    expect(v?.description).toBe('Possible denial of service in X.509 name checks.');
    expect(v?.packages.map((p) => p.name)).toEqual(['openssl', 'libssl3']);
  });
});

describe('enhanced scans', () => {
  it("carry Inspector's score, its vector, the platform and the finding's status in ProductFields", () => {
    const [finding] = toAsffFindings(scannedImageFromEcr(enhancedPage([clone(enhancedFinding)]), { region }));
    expect(finding?.ProductFields).toMatchObject({
      'ecr-compliance/InspectorScore': '7.5',
      'ecr-compliance/InspectorScoreVector': 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
      'ecr-compliance/Platform': 'DEBIAN_12',
      'ecr-compliance/InspectorFindingStatus': 'ACTIVE',
    });
    expect(AsffFindingSchema.safeParse(finding).success).toBe(true);
  });

  it('keep the highest Inspector score of an advisory over several packages, with its own vector', () => {
    const a = clone(enhancedFinding);
    const b = clone(enhancedFinding);
    b.packageVulnerabilityDetails.vulnerablePackages[0].name = 'libssl3';
    b.score = 8.2;
    b.scoreDetails.cvss = {
      ...b.scoreDetails.cvss,
      score: 8.2,
      scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:H',
    };
    const [v] = scannedImageFromEcr(enhancedPage([a, b]), { region }).vulnerabilities;
    expect(v?.details).toMatchObject({
      InspectorScore: '8.2',
      InspectorScoreVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:H',
    });
  });

  it('count the advisories that Inspector suppressed on the image finding, and import none of them', () => {
    const input = clone(enhancedExample);
    input.imageScanFindings.enhancedFindings[2].status = 'SUPPRESSED';
    input.imageScanFindings.enhancedFindings[0].status = 'CLOSED';
    const findings = toAsffFindings(scannedImageFromEcr(input, { region }));
    const image = findings.at(-1);
    expect(image?.ProductFields['ecr-compliance/Count/SUPPRESSED']).toBe('1');
    expect(findings.map((f) => f.Vulnerabilities?.[0]?.Id)).not.toContain('CVE-2025-20002');
  });
});

const tenths = fc.integer({ min: 0, max: 100 }).map((n) => n / 10);
const vector = fc.constantFrom(
  'AV:N/AC:L/Au:N/C:N/I:N/A:P',
  'AV:L/AC:M/Au:N/C:P/I:P/A:P',
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
  'CVSS:3.0/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H',
);
const url = fc.integer({ min: 0, max: 30 }).map((n) => `https://advisories.example/${n}`);
const id = fc.integer({ min: 1, max: 6 }).map((n) => `CVE-2026-000${n}`);

const basicRecord = fc.record({
  name: id,
  package: fc.constantFrom('openssl', 'libssl3', 'zlib1g', 'curl', 'libcurl4'),
  cvss2: fc.option(fc.record({ score: tenths, vector: fc.option(vector, { nil: undefined }) }), {
    nil: undefined,
  }),
  cvss3: fc.option(fc.record({ score: tenths, vector: fc.option(vector, { nil: undefined }) }), {
    nil: undefined,
  }),
  uri: fc.option(url, { nil: undefined }),
  description: fc.option(fc.constantFrom('A flaw.', 'Another flaw.'), { nil: undefined }),
  severity: fc.constantFrom('LOW', 'MEDIUM', 'HIGH', 'CRITICAL', 'UNDEFINED'),
});

const enhancedRecord = fc.record({
  name: id,
  package: fc.constantFrom('openssl', 'libssl3', 'zlib1g', 'curl', 'libcurl4'),
  cvss: fc.array(
    fc.record({
      baseScore: tenths,
      scoringVector: vector,
      source: fc.constantFrom('NVD', 'DEBIAN_CVE', 'GHSA'),
      version: fc.constantFrom('2.0', '3.1'),
    }),
    { maxLength: 3 },
  ),
  referenceUrls: fc.array(url, { maxLength: 3 }),
  description: fc.option(fc.constantFrom('A flaw.', 'Another flaw.'), { nil: undefined }),
});

const key = (c: { Version?: string; BaseScore?: number; BaseVector?: string | undefined; Source?: string }) =>
  `${c.Version}|${c.BaseScore}|${c.BaseVector ?? ''}|${c.Source ?? ''}`;

/**
 * Maps `input` per vulnerability and checks what every finding must show (one per distinct name,
 * ASFF-valid, no CVSS score twice), then calls `check` with each finding, its records and its
 * CVSS keys.
 */
function checkEveryFinding<R extends { readonly name: string }>(
  input: unknown,
  records: readonly R[],
  check: (finding: AsffFinding, mine: readonly R[], cvss: readonly string[]) => void,
): void {
  const findings = toAsffFindings(scannedImageFromEcr(input, { region }), { granularity: 'vulnerability' });
  expect(findings).toHaveLength(new Set(records.map((r) => r.name)).size);
  for (const finding of findings) {
    expect(AsffFindingSchema.safeParse(finding).success).toBe(true);
    const mine = records.filter((r) => r.name === finding.Vulnerabilities?.[0]?.Id);
    const cvss = (finding.Vulnerabilities?.[0]?.Cvss ?? []).map(key);
    expect(new Set(cvss).size).toBe(cvss.length);
    check(finding, mine, cvss);
  }
}

describe('property: repeated vulnerabilities across packages', () => {
  it('never lose a CVSS score, a reference or a description of a basic scan', () => {
    fc.assert(
      fc.property(fc.array(basicRecord, { minLength: 1, maxLength: 25 }), (records) => {
        const input = clone(page);
        input.imageScanFindings.findings = records.map((r) => ({
          name: r.name,
          severity: r.severity,
          ...(r.uri ? { uri: r.uri } : {}),
          ...(r.description ? { description: r.description } : {}),
          attributes: [
            { key: 'package_name', value: r.package },
            ...(r.cvss2 ? [{ key: 'CVSS2_SCORE', value: String(r.cvss2.score) }] : []),
            ...(r.cvss2?.vector ? [{ key: 'CVSS2_VECTOR', value: r.cvss2.vector }] : []),
            ...(r.cvss3 ? [{ key: 'CVSS3_SCORE', value: String(r.cvss3.score) }] : []),
            ...(r.cvss3?.vector ? [{ key: 'CVSS3_VECTOR', value: r.cvss3.vector }] : []),
          ],
        }));
        checkEveryFinding(input, records, (finding, mine, cvss) => {
          const vulnerability = finding.Vulnerabilities?.[0];
          for (const r of mine) {
            for (const [score, version] of [
              [r.cvss2, '2.0'],
              [r.cvss3, r.cvss3?.vector?.startsWith('CVSS:3.0') ? '3.0' : '3.1'],
            ] as const) {
              if (score)
                expect(cvss).toContain(
                  key({
                    Version: version,
                    BaseScore: score.score,
                    BaseVector: score.vector,
                    Source: 'ECR basic scan',
                  }),
                );
            }
            if (r.uri) expect(vulnerability?.ReferenceUrls).toContain(r.uri);
          }
          if (mine.some((r) => r.description))
            expect(['A flaw.', 'Another flaw.']).toContain(finding.Description);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('never lose a CVSS score, a reference or a description of an enhanced scan', () => {
    fc.assert(
      fc.property(fc.array(enhancedRecord, { minLength: 1, maxLength: 25 }), (records) => {
        const input = enhancedPage(
          records.map((r, i) => {
            const f = clone(enhancedFinding);
            f.findingArn = `arn:aws:inspector2:us-east-1:111122223333:finding/${String(i).padStart(32, '0')}`;
            f.title = `${r.name} - ${r.package}`;
            if (r.description) f.description = r.description;
            else delete f.description;
            f.packageVulnerabilityDetails.vulnerabilityId = r.name;
            f.packageVulnerabilityDetails.vulnerablePackages[0].name = r.package;
            f.packageVulnerabilityDetails.cvss = r.cvss;
            f.packageVulnerabilityDetails.referenceUrls = r.referenceUrls;
            return f;
          }),
        );
        checkEveryFinding(input, records, (finding, mine, cvss) => {
          const vulnerability = finding.Vulnerabilities?.[0];
          for (const r of mine) {
            for (const c of r.cvss)
              expect(cvss).toContain(
                key({
                  Version: c.version,
                  BaseScore: c.baseScore,
                  BaseVector: c.scoringVector,
                  Source: c.source,
                }),
              );
            for (const u of r.referenceUrls) expect(vulnerability?.ReferenceUrls).toContain(u);
          }
          if (mine.some((r) => r.description))
            expect(['A flaw.', 'Another flaw.']).toContain(finding.Description);
        });
      }),
      { numRuns: 200 },
    );
  });
});

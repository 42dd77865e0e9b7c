/**
 * fast-check generators of valid Trivy and Grype reports of one ECR image: advisories repeated
 * over packages and results, every optional field present or not, blank and long texts,
 * unknown severities, scores from 0 to 10.
 */
import fc from 'fast-check';

export const ACCOUNT = '111122223333';
export const REGION = 'eu-west-1';
export const REPOSITORY = 'team-a/api';
export const DIGEST = `sha256:${'a1'.repeat(32)}`;
export const OTHER_DIGEST = `sha256:${'b2'.repeat(32)}`;
export const ECR_REF = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${REPOSITORY}`;

const text = fc.oneof(
  fc.constant(''),
  fc.constant('   '),
  fc.string({ maxLength: 40 }),
  fc.string({ minLength: 300, maxLength: 3000 }),
);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const id = fc.oneof(
  fc.integer({ min: 1, max: 40 }).map((n) => `CVE-2024-${1000 + n}`),
  fc.constantFrom('GHSA-3xgq-45jj-v275', 'TEMP-0841856-B18BAF', `CVE-2025-${'9'.repeat(600)}`),
);
const pkgName = fc.oneof(
  fc.constantFrom('openssl', 'libssl3', 'bash', 'zlib1g'),
  fc.string({ minLength: 1, maxLength: 300 }),
);
const nonBlank = (arb: fc.Arbitrary<string>) => arb.filter((s) => /\S/.test(s));
const score = fc.double({ min: 0, max: 10, noNaN: true });
const url = fc.oneof(fc.webUrl(), fc.constant('not a url'), fc.constant(''));
const date = fc
  .date({ min: new Date('1999-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

const trivyVulnerability = fc.record(
  {
    VulnerabilityID: id,
    PkgName: nonBlank(pkgName),
    PkgPath: text,
    PkgIdentifier: fc.record({ PURL: text }),
    InstalledVersion: text,
    FixedVersion: text,
    Status: fc.constantFrom('fixed', 'affected', 'will_not_fix', 'end_of_life', ''),
    Layer: fc.record({ Digest: text }),
    PrimaryURL: url,
    DataSource: fc.record({ Name: text }),
    Title: text,
    Description: text,
    Severity: fc.constantFrom('CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN', 'weird', ''),
    CweIDs: fc.array(text, { maxLength: 3 }),
    VendorIDs: fc.array(text, { maxLength: 2 }),
    CVSS: fc.dictionary(
      fc.constantFrom('nvd', 'redhat', 'ghsa', 'x'.repeat(200)),
      fc.record(
        { V2Vector: text, V2Score: score, V3Vector: text, V3Score: score, V40Vector: text, V40Score: score },
        { requiredKeys: [] },
      ),
      { maxKeys: 3 },
    ),
    References: fc.array(url, { maxLength: 5 }),
    PublishedDate: date,
    LastModifiedDate: date,
  },
  { requiredKeys: ['VulnerabilityID', 'PkgName'] },
);

/** A valid Trivy report of `ECR_REF@DIGEST`, and the distinct advisory ids it reports. */
export const trivyReport = fc
  .record({
    results: fc.array(
      fc.record({
        Type: fc.constantFrom('debian', 'npm', 'alpine', ''),
        Vulnerabilities: fc.array(trivyVulnerability, { maxLength: 25 }),
      }),
      { maxLength: 3 },
    ),
    tags: fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/), { maxLength: 150 }),
    createdAt: date,
  })
  .map(({ results, tags, createdAt }) => ({
    report: {
      SchemaVersion: 2,
      CreatedAt: createdAt,
      ArtifactName: `${ECR_REF}:${tags[0] ?? 'latest'}`,
      ArtifactType: 'container_image',
      Metadata: { RepoDigests: [`${ECR_REF}@${DIGEST}`], RepoTags: tags.map((t) => `${ECR_REF}:${t}`) },
      Results: results,
    },
    ids: new Set(results.flatMap((r) => r.Vulnerabilities.map((v) => v.VulnerabilityID.trim()))),
  }));

const grypeCvss = fc.record(
  {
    source: text,
    version: fc.constantFrom('2.0', '3.0', '3.1', '4.0', ''),
    vector: text,
    metrics: fc.record({ baseScore: score }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);
const grypeMetadata = fc.record(
  {
    id,
    dataSource: url,
    namespace: text,
    severity: fc.constantFrom('Critical', 'High', 'Medium', 'Low', 'Negligible', 'Unknown', ''),
    urls: fc.array(url, { maxLength: 4 }),
    description: text,
    cvss: fc.array(grypeCvss, { maxLength: 3 }),
  },
  { requiredKeys: ['id'] },
);

const grypeMatch = fc.record(
  {
    vulnerability: fc
      .tuple(
        grypeMetadata,
        fc.record(
          {
            knownExploited: fc.array(fc.record({ cve: text, dateAdded: text, dueDate: text }), {
              maxLength: 2,
            }),
            epss: fc.array(
              fc.record({
                epss: fc.double({ min: 0, max: 1, noNaN: true }),
                percentile: fc.double({ min: 0, max: 1, noNaN: true }),
                date: text,
              }),
              { maxLength: 2 },
            ),
            cwes: fc.array(fc.record({ cwe: text }), { maxLength: 2 }),
            fix: fc.record({
              versions: fc.array(text, { maxLength: 3 }),
              state: fc.constantFrom('fixed', 'not-fixed', 'wont-fix', 'unknown', ''),
            }),
          },
          { requiredKeys: [] },
        ),
      )
      .map(([metadata, extra]) => ({ ...metadata, ...extra })),
    relatedVulnerabilities: fc.array(grypeMetadata, { maxLength: 2 }),
    matchDetails: fc.array(fc.record({ fix: fc.record({ suggestedVersion: text }) }), { maxLength: 2 }),
    artifact: fc.record(
      {
        name: nonBlank(pkgName),
        version: text,
        type: fc.constantFrom('deb', 'npm', 'rpm', ''),
        locations: fc.array(fc.record({ path: text }), { maxLength: 2 }),
        purl: text,
        metadata: fc.record({ epoch: maybe(fc.oneof(fc.integer(), text)), architecture: text }),
      },
      { requiredKeys: ['name'] },
    ),
  },
  { requiredKeys: ['vulnerability', 'artifact'] },
);

/** A valid Grype report of `ECR_REF` scanned as manifest `DIGEST`, and the distinct advisory ids it reports. */
export const grypeReport = fc
  .record({
    matches: fc.array(grypeMatch, { maxLength: 40 }),
    ignored: fc.array(id, { maxLength: 5 }),
    timestamp: date,
  })
  .map(({ matches, ignored, timestamp }) => ({
    report: {
      matches,
      ignoredMatches: ignored.map((i) => ({ vulnerability: { id: i }, artifact: { name: 'x' } })),
      source: {
        type: 'image',
        target: {
          userInput: `${ECR_REF}:1.0`,
          manifestDigest: DIGEST,
          repoDigests: [`${ECR_REF}@${OTHER_DIGEST}`],
        },
      },
      descriptor: { name: 'grype', version: '0.116.0', timestamp },
    },
    ids: new Set(matches.map((m) => m.vulnerability.id.trim())),
  }));

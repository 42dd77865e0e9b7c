/**
 * Issue 2 §4 and issue 9: map a synthetic scan of 10,000 distinct vulnerabilities to ASFF and
 * compare with `JSON.stringify` of the same output, measured in the same run, for each input
 * format: ECR basic (`scannedImageFromEcr`), Trivy (`scannedImageFromTrivy`) and Grype
 * (`scannedImageFromGrype`). The Trivy and Grype reports carry the very same vulnerabilities as
 * the ECR scan, in each scanner's own shape. Each parser validates its input; `toAsffFindings`
 * maps and validates every finding. Goal: mapping plus validation costs at most 3x serializing
 * the result, for every format.
 */
import { scannedImageFromEcr } from '../packages/core/src/ecr/index.js';
import { type AsffFinding, toAsffFindings } from '../packages/core/src/index.js';
import { scannedImageFromGrype, scannedImageFromTrivy } from '../packages/core/src/scanners/index.js';
import { type BenchContext, type BenchResult, formatInt, median, percentile, sample } from './harness.js';

export const name = 'mapping';
export const description =
  'ECR scan, Trivy and Grype reports of 10,000 vulnerabilities to ASFF, against JSON.stringify of the output';

/** Distinct vulnerabilities in the synthetic scan. */
export const VULNERABILITIES = 10_000;
/** Share of vulnerabilities reported for a second package (one finding, two packages). */
const TWO_PACKAGE_SHARE = 0.12;
const GOAL_RATIO = 3;

/** mulberry32: a small, fast, seeded PRNG, so every run maps the very same scan. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PACKAGES: ReadonlyArray<readonly [string, string]> = [
  ['openssl', '3.0.13-1~deb12u1'],
  ['libssl3', '3.0.13-1~deb12u1'],
  ['glibc', '2.36-9+deb12u4'],
  ['libc6', '2.36-9+deb12u4'],
  ['libc-bin', '2.36-9+deb12u4'],
  ['curl', '7.88.1-10+deb12u5'],
  ['libcurl4', '7.88.1-10+deb12u5'],
  ['ncurses', '6.4-4'],
  ['libncursesw6', '6.4-4'],
  ['zlib', '1:1.2.13.dfsg-1'],
  ['zlib1g', '1:1.2.13.dfsg-1'],
  ['systemd', '252.22-1~deb12u1'],
  ['libsystemd0', '252.22-1~deb12u1'],
  ['libudev1', '252.22-1~deb12u1'],
  ['perl', '5.36.0-7+deb12u1'],
  ['perl-base', '5.36.0-7+deb12u1'],
  ['python3.11', '3.11.2-6'],
  ['libpython3.11-stdlib', '3.11.2-6'],
  ['libxml2', '2.9.14+dfsg-1.3~deb12u1'],
  ['libxslt1.1', '1.1.35-1'],
  ['tar', '1.34+dfsg-1.2+deb12u1'],
  ['coreutils', '9.1-1'],
  ['util-linux', '2.38.1-5+b1'],
  ['libblkid1', '2.38.1-5+b1'],
  ['libmount1', '2.38.1-5+b1'],
  ['krb5', '1.20.1-2+deb12u1'],
  ['libgssapi-krb5-2', '1.20.1-2+deb12u1'],
  ['gnutls28', '3.7.9-2+deb12u2'],
  ['libgnutls30', '3.7.9-2+deb12u2'],
  ['expat', '2.5.0-1'],
  ['libexpat1', '2.5.0-1'],
  ['sqlite3', '3.40.1-2'],
  ['libsqlite3-0', '3.40.1-2'],
  ['pcre2', '10.42-1'],
  ['libpcre2-8-0', '10.42-1'],
  ['shadow', '1:4.13+dfsg1-1'],
  ['login', '1:4.13+dfsg1-1'],
  ['passwd', '1:4.13+dfsg1-1'],
  ['gnupg2', '2.2.40-1.1'],
  ['gpgv', '2.2.40-1.1'],
  ['apt', '2.6.1'],
  ['libapt-pkg6.0', '2.6.1'],
  ['tiff', '4.5.0-6+deb12u1'],
  ['libtiff6', '4.5.0-6+deb12u1'],
  ['libjpeg-turbo', '1:2.1.5-2'],
  ['libpng1.6', '1.6.39-2'],
  ['freetype', '2.12.1+dfsg-5'],
  ['libfreetype6', '2.12.1+dfsg-5'],
  ['binutils', '2.40-2'],
  ['gcc-12', '12.2.0-14'],
  ['libstdc++6', '12.2.0-14'],
  ['libgcc-s1', '12.2.0-14'],
  ['bash', '5.2.15-2+b2'],
  ['dpkg', '1.21.22'],
  ['e2fsprogs', '1.47.0-2'],
  ['libext2fs2', '1.47.0-2'],
  ['nghttp2', '1.52.0-1+deb12u1'],
  ['libnghttp2-14', '1.52.0-1+deb12u1'],
  ['libssh2', '1.10.0-3+b1'],
  ['libldap-2.5-0', '2.5.13+dfsg-5'],
];

const WORDS = (
  'a an the in of to and or via when with without crafted remote local attacker user could can may allows ' +
  'denial service memory corruption heap stack buffer overflow underflow out-of-bounds read write use-after-free ' +
  'double free null pointer dereference integer overflow signedness error race condition improper validation ' +
  'input certificate handshake request response header parser function component library module configuration ' +
  'file path traversal symlink privilege escalation information disclosure execution arbitrary code command ' +
  'injection authentication bypass session token cookie timeout resource exhaustion infinite loop recursion ' +
  'before after version versions prior affected through fixed upstream vendor Debian package issue vulnerability'
).split(' ');

const SEVERITIES: ReadonlyArray<readonly [string, number]> = [
  ['CRITICAL', 0.03],
  ['HIGH', 0.15],
  ['MEDIUM', 0.4],
  ['LOW', 0.3],
  ['INFORMATIONAL', 0.05],
  ['UNDEFINED', 0.07],
];

function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

function severity(random: () => number): string {
  let r = random();
  for (const [label, share] of SEVERITIES) {
    r -= share;
    if (r < 0) return label;
  }
  return 'MEDIUM';
}

/** A description of varied length: missing (3%), short, medium, long, and over 1,024 characters (3%). */
function describe(random: () => number, id: string, pkg: string): string | undefined {
  const r = random();
  if (r < 0.03) return undefined;
  const target =
    r < 0.4
      ? 60 + random() * 140
      : r < 0.85
        ? 200 + random() * 600
        : r < 0.97
          ? 800 + random() * 220
          : 1100 + random() * 2900;
  let text = `${id}: in ${pkg}`;
  while (text.length < target) {
    const sentence = Array.from({ length: 6 + Math.floor(random() * 14) }, () => pick(random, WORDS)).join(
      ' ',
    );
    text += `, ${sentence}`;
    if (random() < 0.3) text += '.';
  }
  return `${text}.`;
}

const CVSS2_VECTORS = [
  'AV:N/AC:L/Au:N/C:P/I:P/A:P',
  'AV:N/AC:M/Au:N/C:N/I:N/A:P',
  'AV:L/AC:L/Au:N/C:C/I:C/A:C',
];
const CVSS3_VECTORS = [
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
  'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H',
  'CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N',
];

interface BasicFinding {
  name: string;
  description?: string;
  uri: string;
  severity: string;
  attributes: Array<{ key: string; value: string }>;
}

function advisoryId(random: () => number, i: number): string {
  const r = random();
  const year = 2014 + Math.floor(random() * 12);
  if (r < 0.95) return `CVE-${year}-${String(1000 + i * 7 + Math.floor(random() * 7)).padStart(5, '0')}`;
  if (r < 0.97) return `DSA-${4000 + i}-1`;
  if (r < 0.99) return `ALAS2-${year}-${1000 + i}`;
  const part = () =>
    Math.floor(random() * 36 ** 4)
      .toString(36)
      .padStart(4, '0');
  return `GHSA-${part()}-${part()}-${part()}`;
}

function finding(
  random: () => number,
  id: string,
  pkg: readonly [string, string],
  sev: string,
  text: string | undefined,
): BasicFinding {
  const attributes = [
    { key: 'package_version', value: pkg[1] },
    { key: 'package_name', value: pkg[0] },
  ];
  if (random() < 0.8) {
    attributes.push({ key: 'CVSS2_VECTOR', value: pick(random, CVSS2_VECTORS) });
    attributes.push({ key: 'CVSS2_SCORE', value: (1 + random() * 9).toFixed(1) });
  }
  if (random() < 0.5) {
    attributes.push({ key: 'CVSS3_VECTOR', value: pick(random, CVSS3_VECTORS) });
    attributes.push({ key: 'CVSS3_SCORE', value: (1 + random() * 9).toFixed(1) });
  }
  return {
    name: id,
    ...(text ? { description: text } : {}),
    uri: id.startsWith('CVE-')
      ? `https://security-tracker.debian.org/tracker/${id}`
      : `https://security-tracker.debian.org/tracker/${id.toLowerCase()}`,
    severity: sev,
    attributes,
  };
}

/**
 * A DescribeImageScanFindings response (as `aws ecr describe-image-scan-findings` prints it) with
 * `count` distinct vulnerabilities; about 12% of them are reported for a second package.
 */
export function syntheticScan(count: number, seed = 20261127): { response: unknown; findings: number } {
  const random = prng(seed);
  const findings: BasicFinding[] = [];
  const ids = new Set<string>();
  for (let i = 0; ids.size < count; i++) {
    const id = advisoryId(random, i);
    if (ids.has(id)) continue;
    ids.add(id);
    const pkg = pick(random, PACKAGES);
    const sev = severity(random);
    const text = describe(random, id, pkg[0]);
    findings.push(finding(random, id, pkg, sev, text));
    if (random() < TWO_PACKAGE_SHARE) {
      let other = pick(random, PACKAGES);
      while (other === pkg) other = pick(random, PACKAGES);
      findings.push(finding(random, id, other, sev, text));
    }
  }
  // ECR does not keep a CVE's packages next to each other; shuffle (Fisher-Yates, seeded).
  for (let i = findings.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [findings[i], findings[j]] = [findings[j] as BasicFinding, findings[i] as BasicFinding];
  }
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return {
    findings: findings.length,
    response: {
      registryId: '111122223333',
      repositoryName: 'team-a/payments-api',
      imageId: {
        imageDigest: 'sha256:9e8e9cd9d4031388e76ffd1f01c039d441df45180e70b83da6e4b3fa6a76ca85',
        imageTag: '1.8.2',
      },
      imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
      imageScanFindings: {
        imageScanCompletedAt: 1795169762.0,
        vulnerabilitySourceUpdatedAt: 1795147200.0,
        findingSeverityCounts: counts,
        findings,
      },
    },
  };
}

const attribute = (f: BasicFinding, key: string) => f.attributes.find((a) => a.key === key)?.value;
const IMAGE_REF = '111122223333.dkr.ecr.us-east-1.amazonaws.com/team-a/payments-api';
const DIGEST = 'sha256:9e8e9cd9d4031388e76ffd1f01c039d441df45180e70b83da6e4b3fa6a76ca85';
const TRIVY_SEVERITY: Record<string, string> = { INFORMATIONAL: 'UNKNOWN', UNDEFINED: 'UNKNOWN' };
const GRYPE_SEVERITY: Record<string, string> = {
  CRITICAL: 'Critical',
  HIGH: 'High',
  MEDIUM: 'Medium',
  LOW: 'Low',
  INFORMATIONAL: 'Negligible',
  UNDEFINED: 'Unknown',
};

/** The ECR scan's findings as `trivy image -f json` reports them: one record per advisory and package. */
export function trivyReportOf(response: unknown): unknown {
  const findings = (response as { imageScanFindings: { findings: BasicFinding[] } }).imageScanFindings
    .findings;
  const vulnerabilities = findings.map((f, i) => {
    const name = attribute(f, 'package_name') as string;
    const version = attribute(f, 'package_version') as string;
    const cvss: Record<string, number | string> = {};
    const v2 = attribute(f, 'CVSS2_SCORE');
    if (v2) Object.assign(cvss, { V2Vector: attribute(f, 'CVSS2_VECTOR'), V2Score: Number(v2) });
    const v3 = attribute(f, 'CVSS3_SCORE');
    if (v3) Object.assign(cvss, { V3Vector: attribute(f, 'CVSS3_VECTOR'), V3Score: Number(v3) });
    return {
      VulnerabilityID: f.name,
      PkgID: `${name}@${version}`,
      PkgName: name,
      PkgIdentifier: { PURL: `pkg:deb/debian/${name}@${version}?arch=amd64&distro=debian-12.8` },
      InstalledVersion: version,
      ...(i % 3 === 0 ? { FixedVersion: `${version}+fix1`, Status: 'fixed' } : { Status: 'affected' }),
      Layer: { Digest: 'sha256:2c57a6b4ea8d0f0c0e12f8f0bd1ea2b0f3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8' },
      SeveritySource: 'nvd',
      PrimaryURL: f.uri,
      DataSource: {
        ID: 'debian',
        Name: 'Debian Security Tracker',
        URL: 'https://security-tracker.debian.org/',
      },
      ...(f.description ? { Title: f.description.slice(0, 80), Description: f.description } : {}),
      Severity: TRIVY_SEVERITY[f.severity] ?? f.severity,
      CweIDs: ['CWE-787'],
      ...(Object.keys(cvss).length > 0 ? { CVSS: { nvd: cvss } } : {}),
      References: [f.uri],
      PublishedDate: '2025-03-04T16:15:07.177Z',
      LastModifiedDate: '2026-10-01T08:00:00Z',
    };
  });
  return {
    SchemaVersion: 2,
    CreatedAt: '2026-11-20T10:16:02.123456789Z',
    ArtifactName: `${IMAGE_REF}:1.8.2`,
    ArtifactType: 'container_image',
    Metadata: { RepoTags: [`${IMAGE_REF}:1.8.2`], RepoDigests: [`${IMAGE_REF}@${DIGEST}`] },
    Results: [
      {
        Target: `${IMAGE_REF}:1.8.2 (debian 12.8)`,
        Class: 'os-pkgs',
        Type: 'debian',
        Vulnerabilities: vulnerabilities,
      },
    ],
  };
}

/** The ECR scan's findings as `grype -o json` reports them: one match per advisory and package. */
export function grypeReportOf(response: unknown): unknown {
  const findings = (response as { imageScanFindings: { findings: BasicFinding[] } }).imageScanFindings
    .findings;
  const matches = findings.map((f, i) => {
    const name = attribute(f, 'package_name') as string;
    const version = attribute(f, 'package_version') as string;
    const cvss = (['CVSS2', 'CVSS3'] as const).flatMap((prefix) => {
      const score = attribute(f, `${prefix}_SCORE`);
      const vector = attribute(f, `${prefix}_VECTOR`) as string;
      return score
        ? [
            {
              source: 'nvd@nist.gov',
              type: 'Primary',
              version: prefix === 'CVSS2' ? '2.0' : '3.1',
              vector,
              metrics: { baseScore: Number(score) },
              vendorMetadata: {},
            },
          ]
        : [];
    });
    return {
      vulnerability: {
        id: f.name,
        dataSource: f.uri,
        namespace: 'debian:distro:debian:12',
        severity: GRYPE_SEVERITY[f.severity],
        urls: [f.uri],
        ...(f.description ? { description: f.description } : {}),
        cvss,
        ...(i % 50 === 0
          ? { knownExploited: [{ cve: f.name, dateAdded: '2026-10-01', dueDate: '2026-10-22' }] }
          : {}),
        epss: [{ cve: f.name, epss: (i % 997) / 1000, percentile: (i % 991) / 1000, date: '2026-11-19' }],
        fix:
          i % 3 === 0
            ? { versions: [`${version}+fix1`], state: 'fixed' }
            : { versions: [], state: 'not-fixed' },
        advisories: [],
        risk: 1.5,
      },
      relatedVulnerabilities: [],
      matchDetails: [
        {
          type: 'exact-direct-match',
          matcher: 'dpkg-matcher',
          searchedBy: { distro: { type: 'debian', version: '12' } },
        },
      ],
      artifact: {
        id: `${i.toString(16).padStart(16, '0')}`,
        name,
        version,
        type: 'deb',
        locations: [{ path: '/var/lib/dpkg/status' }],
        language: '',
        licenses: [],
        cpes: [],
        purl: `pkg:deb/debian/${name}@${version}?arch=amd64&distro=debian-12`,
        upstreams: [],
      },
    };
  });
  return {
    matches,
    source: {
      type: 'image',
      target: {
        userInput: `${IMAGE_REF}:1.8.2`,
        manifestDigest: DIGEST,
        tags: [`${IMAGE_REF}:1.8.2`],
        repoDigests: [`${IMAGE_REF}@${DIGEST}`],
        architecture: 'amd64',
        os: 'linux',
      },
    },
    distro: { name: 'debian', version: '12', idLike: [] },
    descriptor: { name: 'grype', version: '0.116.0', timestamp: '2026-11-20T11:16:02.554813+01:00' },
  };
}

/** Measures one format's mapping against JSON.stringify of its output; returns its figures. */
function measure(
  ctx: BenchContext,
  label: string,
  scanFindings: number,
  map: () => AsffFinding[],
): BenchResult[] {
  const output = map();
  const json = JSON.stringify(output);
  const bytes = Buffer.byteLength(json);
  ctx.progress(
    `${label}: ${formatInt(scanFindings)} scan findings -> ${formatInt(output.length)} ASFF findings, ${(bytes / 1e6).toFixed(1)} MB of JSON; measuring...`,
  );
  const { durations, reps } = sample([map, (findings) => JSON.stringify(findings)], {
    warmup: 3,
    budgetMs: 5_000,
    minReps: 5,
    maxReps: 200,
  });
  const [mapping = [], stringify = []] = durations;
  const mapMedian = median(mapping);
  const mapP95 = percentile(mapping, 95);
  const jsonMedian = median(stringify);
  const jsonP95 = percentile(stringify, 95);
  const ratio = mapMedian / jsonMedian;
  const perSecond = output.length / (mapMedian / 1000);
  ctx.log(
    `${label}: mapping+validation ${formatInt(VULNERABILITIES)} vulns: median ${mapMedian.toFixed(1)} ms (p95 ${mapP95.toFixed(1)}) | ` +
      `JSON.stringify of output: median ${jsonMedian.toFixed(1)} ms (p95 ${jsonP95.toFixed(1)}) | ` +
      `ratio ${ratio.toFixed(2)} (goal <= ${GOAL_RATIO})`,
  );
  ctx.log(
    `${label}: ${formatInt(scanFindings)} scan findings -> ${formatInt(output.length)} ASFF findings | ` +
      `${formatInt(perSecond)} findings/s | output ${(bytes / 1e6).toFixed(2)} MB | ${reps} repetitions after 3 warm-up`,
  );
  // The ECR figures keep their names from before Trivy and Grype were measured.
  const prefix = label === 'ecr' ? '' : `${label} `;
  return [
    { name: `${prefix}mapping+validation median`, value: mapMedian, unit: 'ms' },
    { name: `${prefix}mapping+validation p95`, value: mapP95, unit: 'ms' },
    { name: `${prefix}JSON.stringify median`, value: jsonMedian, unit: 'ms' },
    { name: `${prefix}JSON.stringify p95`, value: jsonP95, unit: 'ms' },
    {
      name: `${prefix}ratio mapping/stringify`,
      value: ratio,
      unit: 'x',
      goal: `<= ${GOAL_RATIO}`,
      pass: ratio <= GOAL_RATIO,
    },
    { name: `${prefix}throughput`, value: perSecond, unit: 'findings/s' },
    { name: `${prefix}output size`, value: bytes / 1e6, unit: 'MB' },
    { name: `${prefix}ASFF findings`, value: output.length, unit: 'findings' },
    { name: `${prefix}repetitions`, value: reps, unit: 'runs' },
  ];
}

/** Runs the mapping benchmark; see the module comment. */
export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const { response, findings: scanFindings } = syntheticScan(VULNERABILITIES);
  const trivy = trivyReportOf(response);
  const grype = grypeReportOf(response);
  return [
    ...measure(ctx, 'ecr', scanFindings, () =>
      toAsffFindings(scannedImageFromEcr(response, { region: 'us-east-1' })),
    ),
    ...measure(ctx, 'trivy', scanFindings, () => toAsffFindings(scannedImageFromTrivy(trivy))),
    ...measure(ctx, 'grype', scanFindings, () => toAsffFindings(scannedImageFromGrype(grype))),
  ];
}

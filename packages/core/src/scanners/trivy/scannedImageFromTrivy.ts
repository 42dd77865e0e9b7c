import * as z from 'zod/mini';
import { InvalidInputError } from '../../errors.js';
import type { CvssScore, ScannedImage, Scanner, Vulnerability, VulnerablePackage } from '../../model.js';
import { parseWith } from '../../parse.js';
import { Timestamp } from '../../schemas.js';
import { maxSeverity, toSeverityLabel } from '../../severity.js';
import {
  type EcrReference,
  parseEcrReference,
  type ReportImageOptions,
  resolveReportImage,
  resolveScanTime,
} from '../reportImage.js';
import { type TrivyReport, TrivyReportSchema, type TrivyVulnerability } from './TrivyReportSchema.js';

/** Trivy, as a {@link Scanner}: its findings have Ids and GeneratorIds under `ecr-compliance/trivy`. */
export const TRIVY_SCANNER: Scanner = { id: 'trivy', name: 'Trivy' };

let compiled: typeof TrivyReportSchema | undefined;
const schema = () => {
  compiled ??= z.compile(TrivyReportSchema);
  return compiled;
};

/**
 * Turns a Trivy JSON report (`trivy image -f json`, SchemaVersion 2) into a {@link ScannedImage}.
 * One advisory reported for several packages (or several results) becomes one vulnerability with
 * every package. The image is the ECR image of `Metadata.RepoDigests` (never `Metadata.ImageID`,
 * a config digest), or the one the options name; the scan's time is `CreatedAt`.
 * Suppressed findings (`ExperimentalModifiedFindings`, with `--show-suppressed`) are not
 * imported; `suppressedCount` counts their advisories.
 *
 * @throws InvalidInputError when the report does not match Trivy's format (names the field path)
 * @throws ReportOptionError when the report names no single ECR image or no time, and the options do not either
 *
 * @example
 * const image = scannedImageFromTrivy(JSON.parse(text), { scannedAt: '2026-12-02T08:00:00Z' });
 */
export function scannedImageFromTrivy(report: unknown, options: ReportImageOptions = {}): ScannedImage {
  const data = parseWith(schema(), report, 'Trivy report');
  const image = resolveReportImage(references(data), options, { path: 'Metadata.RepoDigests' });
  const scanCompletedAt = resolveScanTime(data.CreatedAt ?? undefined, options, 'CreatedAt');
  const byId = new Map<string, Gathered>();
  const suppressed = new Set<string>();
  let showsSuppressed = false;
  for (const [r, result] of (data.Results ?? []).entries()) {
    for (const [i, record] of (result.Vulnerabilities ?? []).entries()) {
      gather(byId, record, result.Type ?? undefined, `Results[${r}].Vulnerabilities[${i}]`);
    }
    if (result.ExperimentalModifiedFindings) showsSuppressed = true;
    for (const modified of result.ExperimentalModifiedFindings ?? []) {
      const id = modified.Finding?.VulnerabilityID?.trim();
      if (modified.Type === 'vulnerability' && id) suppressed.add(id);
    }
  }
  const vulnerabilities = [...byId.values()].map(finish);
  // An advisory suppressed in one package and reported in another is imported, and counted once.
  for (const v of vulnerabilities) suppressed.delete(v.id);
  const architecture = data.Metadata?.ImageConfig?.architecture?.trim();
  return {
    scanner: TRIVY_SCANNER,
    accountId: image.accountId,
    region: image.region,
    repositoryName: image.repositoryName,
    imageDigest: image.imageDigest,
    imageTags: image.imageTags,
    ...(architecture ? { architecture } : {}),
    scanCompletedAt,
    vulnerabilities,
    ...(showsSuppressed ? { suppressedCount: suppressed.size } : {}),
  };
}

/** Every ECR reference of the report: its digests, its tags, and the name it was scanned by. */
function references(data: TrivyReport): EcrReference[] {
  const texts = [
    ...(data.Metadata?.RepoDigests ?? []),
    ...(data.Metadata?.RepoTags ?? []),
    ...(data.ArtifactName ? [data.ArtifactName] : []),
  ];
  return texts.flatMap((t) => parseEcrReference(t) ?? []);
}

const CVSS_VERSIONS = [
  ['V40', '4.0'],
  ['V3', '3.1'],
  ['V2', '2.0'],
] as const;

function cvssOf(record: TrivyVulnerability): CvssScore[] {
  const out: CvssScore[] = [];
  for (const [source, scores] of Object.entries(record.CVSS ?? {})) {
    for (const [prefix, fallback] of CVSS_VERSIONS) {
      const score = scores[`${prefix}Score`];
      if (typeof score !== 'number' || !Number.isFinite(score)) continue;
      const vector = scores[`${prefix}Vector`]?.trim();
      // A v3 vector says 3.0 or 3.1 itself.
      const version = vector?.match(/^CVSS:(\d\.\d)\//)?.[1] ?? fallback;
      out.push({ version, baseScore: score, ...(vector ? { baseVector: vector } : {}), source });
    }
  }
  return out;
}

function dateOf(value: string | null | undefined, path: string): string | undefined {
  const text = value?.trim();
  if (!text || text.startsWith('0001-01-01')) return undefined;
  const parsed = Timestamp.safeParse(text);
  if (!parsed.success)
    throw new InvalidInputError(`not a valid timestamp: ${JSON.stringify(text)} (in Trivy report)`, path);
  return parsed.data;
}

/** One advisory as gathered so far, with the lists that {@link finish} turns into details. */
interface Gathered {
  v: Vulnerability;
  readonly statuses: Set<string>;
  readonly cwes: Set<string>;
  readonly purls: Set<string>;
}

function gather(
  byId: Map<string, Gathered>,
  record: TrivyVulnerability,
  type: string | undefined,
  path: string,
) {
  const v = vulnerabilityOf(record, type, path);
  const entry = byId.get(v.id);
  if (entry) entry.v = merge(entry.v, v);
  else byId.set(v.id, { v, statuses: new Set(), cwes: new Set(), purls: new Set() });
  const target = byId.get(v.id) as Gathered;
  if (record.Status?.trim()) target.statuses.add(record.Status.trim());
  for (const cwe of record.CweIDs ?? []) if (/\S/.test(cwe)) target.cwes.add(cwe.trim());
  if (record.PkgIdentifier?.PURL?.trim()) target.purls.add(record.PkgIdentifier.PURL.trim());
}

function vulnerabilityOf(record: TrivyVulnerability, type: string | undefined, path: string): Vulnerability {
  const original = record.Severity?.trim() || 'UNKNOWN';
  const fixed = record.FixedVersion?.trim();
  const pkg: VulnerablePackage = {
    name: record.PkgName.trim(),
    ...(record.InstalledVersion?.trim() ? { version: record.InstalledVersion.trim() } : {}),
    ...(type?.trim() ? { packageManager: type.trim() } : {}),
    ...(record.PkgPath?.trim() ? { filePath: record.PkgPath.trim() } : {}),
    ...(fixed ? { fixedInVersion: fixed } : {}),
    ...(record.Layer?.Digest?.trim() ? { sourceLayerHash: record.Layer.Digest.trim() } : {}),
  };
  const primary = record.PrimaryURL?.trim();
  const created = dateOf(record.PublishedDate, `${path}.PublishedDate`);
  const updated = dateOf(record.LastModifiedDate, `${path}.LastModifiedDate`);
  return {
    id: record.VulnerabilityID.trim(),
    ...(record.Title?.trim() ? { title: record.Title.trim() } : {}),
    ...(record.Description?.trim() ? { description: record.Description.trim() } : {}),
    severity: toSeverityLabel(original),
    originalSeverity: original,
    packages: [pkg],
    cvss: cvssOf(record),
    referenceUrls: [...new Set([...(primary ? [primary] : []), ...(record.References ?? [])])],
    relatedVulnerabilities: (record.VendorIDs ?? []).filter((id) => /\S/.test(id)),
    ...(record.DataSource?.Name?.trim() ? { vendorName: record.DataSource.Name.trim() } : {}),
    ...(primary ? { vendorUrl: primary, remediationUrl: primary } : {}),
    vendorSeverity: original,
    ...(created ? { vendorCreatedAt: created } : {}),
    ...(updated ? { vendorUpdatedAt: updated } : {}),
  };
}

const union = <T>(a: readonly T[], b: readonly T[]): T[] => [...new Set([...a, ...b])];
const cvssKey = (c: CvssScore) => `${c.source}|${c.version}|${c.baseVector}|${c.baseScore}`;

/**
 * Two records of one advisory (one per package): one vulnerability with every package and every
 * score; the higher severity wins, and a text the first record lacks comes from the second.
 */
function merge(a: Vulnerability, b: Vulnerability): Vulnerability {
  const packages = [...a.packages];
  for (const p of b.packages)
    if (!packages.some((q) => q.name === p.name && q.version === p.version && q.filePath === p.filePath))
      packages.push(p);
  const scores = new Map(a.cvss.map((c) => [cvssKey(c), c]));
  for (const c of b.cvss) if (!scores.has(cvssKey(c))) scores.set(cvssKey(c), c);
  const higher = maxSeverity(a.severity, b.severity) === a.severity ? a : b;
  return {
    ...b,
    ...a,
    severity: higher.severity,
    originalSeverity: higher.originalSeverity,
    vendorSeverity: higher.originalSeverity,
    packages,
    cvss: [...scores.values()],
    referenceUrls: union(a.referenceUrls, b.referenceUrls),
    relatedVulnerabilities: union(a.relatedVulnerabilities, b.relatedVulnerabilities),
  };
}

/** Fix availability from the packages' fixed versions, and Trivy's facts as details. */
function finish({ v, statuses, cwes, purls }: Gathered): Vulnerability {
  const fixed = v.packages.filter((pkg) => pkg.fixedInVersion).length;
  const details: Record<string, string> = {};
  if (statuses.size > 0) details['Trivy/Status'] = [...statuses].join(',');
  if (cwes.size > 0) details.CweIds = [...cwes].join(',');
  if (purls.size > 0) details.PackageUrls = [...purls].join(' ');
  return {
    ...v,
    fixAvailable: fixed === 0 ? 'NO' : fixed === v.packages.length ? 'YES' : 'PARTIAL',
    ...(Object.keys(details).length > 0 ? { details } : {}),
  };
}

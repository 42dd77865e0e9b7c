import * as z from 'zod/mini';
import { InvalidInputError } from '../../errors.js';
import type { CvssScore, ScannedImage, Scanner, VulnerablePackage } from '../../model.js';
import { compiledOnFirstUse, parseWith } from '../../parse.js';
import { toSeverityLabel } from '../../severity.js';
import {
  addCvss,
  addUnique,
  isoInstant,
  mergeInto,
  nonBlank,
  type VulnerabilityDraft,
} from '../advisories.js';
import {
  type EcrReference,
  parseEcrReference,
  type ReportImageOptions,
  resolveReportImage,
  resolveScanTime,
} from '../reportImage.js';
import {
  type TrivyReport,
  TrivyReportFrameSchema,
  TrivyReportSchema,
  type TrivyVulnerability,
  TrivyVulnerabilitySchema,
} from './TrivyReportSchema.js';

/** Trivy, as a {@link Scanner}: its findings have Ids and GeneratorIds under `ecr-compliance/trivy`. */
export const TRIVY_SCANNER: Scanner = { id: 'trivy', name: 'Trivy' };

const schema = compiledOnFirstUse(TrivyReportSchema);
const frameSchema = compiledOnFirstUse(TrivyReportFrameSchema);
const recordSchema = compiledOnFirstUse(TrivyVulnerabilitySchema);

/**
 * The report itself when it is valid: checked without the copy a parse builds, which for tens of
 * thousands of records is most of the garbage (zod's validator still copies what sits under an
 * optional key, such as `Results`, so the records are checked one by one, each as a root). An
 * invalid report is parsed in full, for the same error with the same field path.
 */
function validReport(report: unknown): TrivyReport {
  if (z.validate(frameSchema(), report) && recordsValid(report as TrivyReport)) return report as TrivyReport;
  return parseWith(schema(), report, 'Trivy report');
}

function recordsValid(report: TrivyReport): boolean {
  const record = recordSchema();
  for (const result of report.Results ?? [])
    for (const r of result.Vulnerabilities ?? []) if (!z.validate(record, r)) return false;
  return true;
}

/**
 * Turns a Trivy JSON report (`trivy image -f json`, SchemaVersion 2) into a {@link ScannedImage}.
 * One advisory reported for several packages (or in several results) becomes one vulnerability
 * with every package. The image is the ECR image of `Metadata.RepoDigests` (never
 * `Metadata.ImageID`, a config digest), or the one the options name; the scan's time is
 * `CreatedAt`. Suppressed findings (`ExperimentalModifiedFindings`, with `--show-suppressed`) are
 * not imported; `suppressedCount` counts their advisories.
 *
 * @throws InvalidInputError when the report does not match Trivy's format (names the field path)
 * @throws ReportOptionError when the report names no single ECR image or no time, and the options do not either
 *
 * @example
 * const image = scannedImageFromTrivy(JSON.parse(text), { scannedAt: '2026-12-02T08:00:00Z' });
 */
export function scannedImageFromTrivy(report: unknown, options: ReportImageOptions = {}): ScannedImage {
  const data = validReport(report);
  const image = resolveReportImage(references(data), options, { path: 'Metadata.RepoDigests' });
  const scanCompletedAt = resolveScanTime(data.CreatedAt ?? undefined, options, 'CreatedAt');
  const byId = new Map<string, Gathered>();
  const suppressed = new Set<string>();
  let showsSuppressed = false;
  const results = data.Results ?? [];
  for (let r = 0; r < results.length; r++) {
    const result = results[r] as NonNullable<TrivyReport['Results']>[number];
    const records = result.Vulnerabilities ?? [];
    const type = nonBlank(result.Type);
    for (let i = 0; i < records.length; i++) gather(byId, records[i] as TrivyVulnerability, type, r, i);
    if (result.ExperimentalModifiedFindings) showsSuppressed = true;
    for (const modified of result.ExperimentalModifiedFindings ?? []) {
      const id = nonBlank(modified.Finding?.VulnerabilityID);
      if (modified.Type === 'vulnerability' && id) suppressed.add(id);
    }
  }
  const vulnerabilities = [];
  for (const entry of byId.values()) {
    vulnerabilities.push(finish(entry));
    // An advisory suppressed in one package and reported in another is imported, and not counted.
    suppressed.delete(entry.v.id);
  }
  const architecture = nonBlank(data.Metadata?.ImageConfig?.architecture);
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

/** One advisory as gathered so far, with the facts {@link finish} turns into details. */
interface Gathered {
  readonly v: VulnerabilityDraft;
  readonly statuses: string[];
  readonly cwes: string[];
  readonly purls: string[];
}

function gather(
  byId: Map<string, Gathered>,
  record: TrivyVulnerability,
  type: string | undefined,
  r: number,
  i: number,
) {
  const v = draftOf(record, type, r, i);
  let entry = byId.get(v.id);
  if (entry) mergeInto(entry.v, v);
  else {
    entry = { v, statuses: [], cwes: [], purls: [] };
    byId.set(v.id, entry);
  }
  const status = nonBlank(record.Status);
  if (status) addUnique(entry.statuses, status);
  for (const cwe of record.CweIDs ?? []) {
    const id = nonBlank(cwe);
    if (id) addUnique(entry.cwes, id);
  }
  const purl = nonBlank(record.PkgIdentifier?.PURL);
  if (purl) addUnique(entry.purls, purl);
}

const CVSS_VERSIONS = [
  ['V40Score', 'V40Vector', '4.0'],
  ['V3Score', 'V3Vector', '3.1'],
  ['V2Score', 'V2Vector', '2.0'],
] as const;
const VECTOR_VERSION = /^CVSS:(\d\.\d)\//;

function cvssOf(record: TrivyVulnerability): CvssScore[] {
  const out: CvssScore[] = [];
  const sources = record.CVSS;
  if (!sources) return out;
  // Own keys only (as the schema checked them): the record is the caller's object, not a copy.
  for (const source of Object.keys(sources)) {
    const scores = sources[source];
    if (!scores) continue;
    for (const [scoreKey, vectorKey, fallback] of CVSS_VERSIONS) {
      const score = scores[scoreKey];
      if (typeof score !== 'number' || !Number.isFinite(score)) continue;
      const vector = nonBlank(scores[vectorKey]);
      // A v3 vector says 3.0 or 3.1 itself.
      const version = (vector && VECTOR_VERSION.exec(vector)?.[1]) ?? fallback;
      addCvss(
        out,
        vector
          ? { version, baseScore: score, baseVector: vector, source }
          : { version, baseScore: score, source },
      );
    }
  }
  return out;
}

function dateOf(value: string | null | undefined, r: number, i: number, field: string): string | undefined {
  const text = nonBlank(value);
  if (!text || text.startsWith('0001-01-01')) return undefined;
  const iso = isoInstant(text);
  if (iso === undefined) {
    throw new InvalidInputError(
      `not a valid timestamp: ${JSON.stringify(text)} (in Trivy report)`,
      `Results[${r}].Vulnerabilities[${i}].${field}`,
    );
  }
  return iso;
}

function draftOf(
  record: TrivyVulnerability,
  type: string | undefined,
  r: number,
  i: number,
): VulnerabilityDraft {
  const original = nonBlank(record.Severity) ?? 'UNKNOWN';
  const pkg: { -readonly [K in keyof VulnerablePackage]: VulnerablePackage[K] } = {
    name: record.PkgName.trim(),
  };
  const version = nonBlank(record.InstalledVersion);
  if (version) pkg.version = version;
  if (type) pkg.packageManager = type;
  const path = nonBlank(record.PkgPath);
  if (path) pkg.filePath = path;
  const fixed = nonBlank(record.FixedVersion);
  if (fixed) pkg.fixedInVersion = fixed;
  const layer = nonBlank(record.Layer?.Digest);
  if (layer) pkg.sourceLayerHash = layer;
  const primary = nonBlank(record.PrimaryURL);
  const references: string[] = primary ? [primary] : [];
  for (const u of record.References ?? []) if (/\S/.test(u)) addUnique(references, u.trim());
  const related: string[] = [];
  for (const id of record.VendorIDs ?? []) if (/\S/.test(id)) addUnique(related, id.trim());
  const v: VulnerabilityDraft = {
    id: record.VulnerabilityID.trim(),
    severity: toSeverityLabel(original),
    originalSeverity: original,
    vendorSeverity: original,
    packages: [pkg],
    cvss: cvssOf(record),
    referenceUrls: references,
    relatedVulnerabilities: related,
  };
  const title = nonBlank(record.Title);
  if (title) v.title = title;
  const description = nonBlank(record.Description);
  if (description) v.description = description;
  const vendor = nonBlank(record.DataSource?.Name);
  if (vendor) v.vendorName = vendor;
  if (primary) {
    v.vendorUrl = primary;
    v.remediationUrl = primary;
  }
  const created = dateOf(record.PublishedDate, r, i, 'PublishedDate');
  if (created) v.vendorCreatedAt = created;
  const updated = dateOf(record.LastModifiedDate, r, i, 'LastModifiedDate');
  if (updated) v.vendorUpdatedAt = updated;
  return v;
}

/** Fix availability from the packages' fixed versions, and Trivy's facts as details. */
function finish({ v, statuses, cwes, purls }: Gathered): VulnerabilityDraft {
  let fixed = 0;
  for (const p of v.packages) if (p.fixedInVersion) fixed += 1;
  v.fixAvailable = fixed === 0 ? 'NO' : fixed === v.packages.length ? 'YES' : 'PARTIAL';
  if (statuses.length > 0 || cwes.length > 0 || purls.length > 0) {
    const details: Record<string, string> = {};
    if (statuses.length > 0) details['Trivy/Status'] = statuses.join(',');
    if (cwes.length > 0) details.CweIds = cwes.join(',');
    if (purls.length > 0) details.PackageUrls = purls.join(' ');
    v.details = details;
  }
  return v;
}

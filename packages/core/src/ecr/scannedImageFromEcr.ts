import * as z from 'zod/mini';
import { InvalidInputError, ScanNotCompleteError } from '../errors.js';
import type { CvssScore, ScannedImage, Scanner, Vulnerability, VulnerablePackage } from '../model.js';
import { parseWith } from '../parse.js';
import { maxSeverity, toSeverityLabel } from '../severity.js';
import {
  type BasicFinding,
  type DescribeImageScanFindings,
  DescribeImageScanFindingsSchema,
  type EnhancedFinding,
} from './schemas.js';

/** ECR basic scanning, as a {@link Scanner}. */
export const ECR_BASIC_SCANNER: Scanner = { id: 'ecr-basic', name: 'Amazon ECR basic scanning' };
/** ECR enhanced scanning (Amazon Inspector), as a {@link Scanner}. */
export const ECR_ENHANCED_SCANNER: Scanner = { id: 'ecr-enhanced', name: 'Amazon Inspector' };

/** Scan statuses whose response carries findings. */
const FINDING_STATUSES = new Set(['COMPLETE', 'ACTIVE']);

// Compiled on first use (zod/mini has no JIT fast path of its own): several times faster on
// the large valid responses, and an invalid one falls back to the parser with the same errors.
let compiled: typeof DescribeImageScanFindingsSchema | undefined;
function compiledSchema(): typeof DescribeImageScanFindingsSchema {
  compiled ??= z.compile(DescribeImageScanFindingsSchema);
  return compiled;
}

/** Options of {@link scannedImageFromEcr}. */
export interface FromEcrOptions {
  /** Region of the registry (the response does not say). */
  readonly region: string;
  /** Tags to report when the response names none (e.g. from the scan event). */
  readonly imageTags?: readonly string[];
}

/**
 * Turns what DescribeImageScanFindings returns (all pages merged, or one page) into a
 * {@link ScannedImage}. A CVE reported for several packages becomes one vulnerability with
 * several packages.
 *
 * @throws InvalidInputError when the data does not match the API's shape (names the field path)
 * @throws ScanNotCompleteError when the status carries no findings (IN_PROGRESS, FAILED, ...)
 */
export function scannedImageFromEcr(response: unknown, options: FromEcrOptions): ScannedImage {
  const data = parseWith(compiledSchema(), response, 'DescribeImageScanFindings response');
  const status = data.imageScanStatus.status;
  if (!FINDING_STATUSES.has(status)) throw new ScanNotCompleteError(status, data.imageScanStatus.description);
  const scan = data.imageScanFindings ?? {};
  const enhanced = scan.enhancedFindings ?? [];
  const basic = scan.findings ?? [];
  const isEnhanced = enhanced.length > 0 || (basic.length === 0 && status === 'ACTIVE');
  const vulnerabilities = isEnhanced ? groupEnhanced(enhanced) : groupBasic(basic);
  // Enhanced scanning re-evaluates images continuously: a finding can change after the image's
  // last scan completed, so the latest of both dates the findings (UpdatedAt must move forward).
  const latest = isEnhanced ? latestObservation(enhanced) : undefined;
  const completed = scan.imageScanCompletedAt;
  // ISO-8601 strings in UTC sort in time order.
  const scanCompletedAt = [completed, latest]
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  if (!scanCompletedAt) {
    throw new InvalidInputError(
      'required to date the findings (in DescribeImageScanFindings response)',
      'imageScanFindings.imageScanCompletedAt',
    );
  }
  const image = isEnhanced ? imageDetails(enhanced) : {};
  const tags = data.imageId.imageTag ? [data.imageId.imageTag] : [];
  return {
    scanner: isEnhanced ? ECR_ENHANCED_SCANNER : ECR_BASIC_SCANNER,
    accountId: data.registryId,
    region: options.region,
    repositoryName: data.repositoryName,
    imageDigest: data.imageId.imageDigest,
    imageTags: options.imageTags && options.imageTags.length > 0 ? [...options.imageTags] : tags,
    ...(image.pushedAt ? { imagePushedAt: image.pushedAt } : {}),
    ...(image.architecture ? { architecture: image.architecture } : {}),
    scanCompletedAt,
    ...(scan.vulnerabilitySourceUpdatedAt
      ? { vulnerabilitySourceUpdatedAt: scan.vulnerabilitySourceUpdatedAt }
      : {}),
    vulnerabilities,
  };
}

/**
 * Merges the pages of a paginated DescribeImageScanFindings into one response: findings and
 * enhanced findings are concatenated, everything else is taken from the first page.
 */
export function mergeScanPages(pages: readonly unknown[]): unknown {
  const [first, ...rest] = pages;
  if (rest.length === 0 || typeof first !== 'object' || first === null) return first;
  const head = first as { imageScanFindings?: Record<string, unknown> };
  const findings: unknown[] = [];
  const enhancedFindings: unknown[] = [];
  for (const page of pages) {
    const f = (page as { imageScanFindings?: { findings?: unknown[]; enhancedFindings?: unknown[] } })
      ?.imageScanFindings;
    if (Array.isArray(f?.findings)) findings.push(...f.findings);
    if (Array.isArray(f?.enhancedFindings)) enhancedFindings.push(...f.enhancedFindings);
  }
  const { nextToken: _ignored, ...rest0 } = head as Record<string, unknown>;
  return { ...rest0, imageScanFindings: { ...(head.imageScanFindings ?? {}), findings, enhancedFindings } };
}

function attribute(finding: BasicFinding, key: string): string | undefined {
  const value = finding.attributes?.find((a) => a.key === key)?.value?.trim();
  return value ? value : undefined;
}

function basicCvss(finding: BasicFinding): CvssScore[] {
  const out: CvssScore[] = [];
  for (const [version, prefix] of [
    ['3.1', 'CVSS3'],
    ['2.0', 'CVSS2'],
  ] as const) {
    const score = Number(attribute(finding, `${prefix}_SCORE`));
    const vector = attribute(finding, `${prefix}_VECTOR`);
    if (attribute(finding, `${prefix}_SCORE`) !== undefined && Number.isFinite(score)) {
      const v = prefix === 'CVSS3' && vector?.startsWith('CVSS:3.0') ? '3.0' : version;
      out.push({
        version: v,
        baseScore: score,
        ...(vector ? { baseVector: vector } : {}),
        source: 'ECR basic scan',
      });
    }
  }
  return out;
}

function addPackage(list: VulnerablePackage[], pkg: VulnerablePackage): void {
  if (!list.some((p) => p.name === pkg.name && p.version === pkg.version && p.filePath === pkg.filePath)) {
    list.push(pkg);
  }
}

function groupBasic(findings: readonly BasicFinding[]): Vulnerability[] {
  const byId = new Map<string, { v: Vulnerability; packages: VulnerablePackage[]; urls: string[] }>();
  for (const finding of findings) {
    const id = finding.name.trim();
    const original = finding.severity?.trim() || 'UNDEFINED';
    const name = attribute(finding, 'package_name');
    const version = attribute(finding, 'package_version');
    const existing = byId.get(id);
    const entry = existing ?? {
      v: {
        id,
        severity: toSeverityLabel(original),
        originalSeverity: original,
        packages: [],
        cvss: basicCvss(finding),
        referenceUrls: [],
        relatedVulnerabilities: [],
        ...(finding.description?.trim() ? { description: finding.description.trim() } : {}),
        ...(finding.uri?.trim() ? { vendorUrl: finding.uri.trim(), remediationUrl: finding.uri.trim() } : {}),
        vendorSeverity: original,
      },
      packages: [],
      urls: [],
    };
    const label = toSeverityLabel(original);
    if (existing && maxSeverity(existing.v.severity, label) !== existing.v.severity) {
      entry.v = { ...entry.v, severity: label, originalSeverity: original, vendorSeverity: original };
    }
    if (name) addPackage(entry.packages, { name, ...(version ? { version } : {}) });
    const uri = finding.uri?.trim();
    if (uri && !entry.urls.includes(uri)) entry.urls.push(uri);
    byId.set(id, entry);
  }
  return [...byId.values()].map(({ v, packages, urls }) => ({ ...v, packages, referenceUrls: urls }));
}

const FIX = new Set(['YES', 'NO', 'PARTIAL']);
const EXPLOIT = new Set(['YES', 'NO']);

function groupEnhanced(findings: readonly EnhancedFinding[]): Vulnerability[] {
  const byId = new Map<string, Vulnerability>();
  for (const f of findings) {
    // SUPPRESSED and CLOSED Inspector findings are not current vulnerabilities of the image.
    if (f.status !== undefined && f.status.toUpperCase() !== 'ACTIVE') continue;
    const details = f.packageVulnerabilityDetails;
    const id = (details?.vulnerabilityId ?? f.title ?? '').trim();
    const original = f.severity?.trim() || 'UNTRIAGED';
    const packages: VulnerablePackage[] = (details?.vulnerablePackages ?? []).map((p) => ({
      name: p.name,
      ...(p.version ? { version: p.version } : {}),
      ...(p.epoch !== undefined ? { epoch: String(p.epoch) } : {}),
      ...(p.release ? { release: p.release } : {}),
      ...(p.arch ? { architecture: p.arch } : {}),
      ...(p.packageManager ? { packageManager: p.packageManager } : {}),
      ...(p.filePath ? { filePath: p.filePath } : {}),
      ...(p.fixedInVersion ? { fixedInVersion: p.fixedInVersion } : {}),
      ...(p.remediation ? { remediation: p.remediation } : {}),
      ...(p.sourceLayerHash ? { sourceLayerHash: p.sourceLayerHash } : {}),
    }));
    const cvss: CvssScore[] = (details?.cvss ?? [])
      .filter((c) => c.baseScore !== undefined && Number.isFinite(c.baseScore))
      .map((c) => ({
        version: c.version ?? 'unknown',
        baseScore: c.baseScore as number,
        ...(c.scoringVector ? { baseVector: c.scoringVector } : {}),
        ...(c.source ? { source: c.source } : {}),
      }));
    const fix = f.fixAvailable?.toUpperCase();
    const exploit = f.exploitAvailable?.toUpperCase();
    const recommendation = f.remediation?.recommendation;
    const current: Vulnerability = {
      id,
      ...(f.title?.trim() ? { title: f.title.trim() } : {}),
      ...(f.description?.trim() ? { description: f.description.trim() } : {}),
      severity: toSeverityLabel(original),
      originalSeverity: original,
      packages,
      cvss,
      referenceUrls: details?.referenceUrls ?? [],
      relatedVulnerabilities: details?.relatedVulnerabilities ?? [],
      ...(details?.source ? { vendorName: details.source } : {}),
      ...(details?.sourceUrl ? { vendorUrl: details.sourceUrl } : {}),
      ...(details?.vendorSeverity ? { vendorSeverity: details.vendorSeverity } : {}),
      ...(details?.vendorCreatedAt ? { vendorCreatedAt: details.vendorCreatedAt } : {}),
      ...(details?.vendorUpdatedAt ? { vendorUpdatedAt: details.vendorUpdatedAt } : {}),
      ...(fix && FIX.has(fix) ? { fixAvailable: fix as 'YES' | 'NO' | 'PARTIAL' } : {}),
      ...(exploit && EXPLOIT.has(exploit) ? { exploitAvailable: exploit as 'YES' | 'NO' } : {}),
      ...(f.epss?.score !== undefined ? { epssScore: f.epss.score } : {}),
      ...(recommendation?.text?.trim() ? { remediationText: recommendation.text.trim() } : {}),
      ...(recommendation?.url?.trim() ? { remediationUrl: recommendation.url.trim() } : {}),
      ...(f.firstObservedAt ? { firstObservedAt: f.firstObservedAt } : {}),
      ...(f.findingArn ? { sourceFindingId: f.findingArn } : {}),
    };
    const previous = byId.get(id);
    byId.set(id, previous ? mergeVulnerability(previous, current) : current);
  }
  return [...byId.values()];
}

/** Two Inspector findings for one advisory (one per package): one vulnerability, all packages. */
function mergeVulnerability(a: Vulnerability, b: Vulnerability): Vulnerability {
  const packages = [...a.packages];
  for (const p of b.packages) addPackage(packages, p);
  const higher = maxSeverity(a.severity, b.severity) === a.severity ? a : b;
  const union = (x: readonly string[], y: readonly string[]) => [...new Set([...x, ...y])];
  const first = [a.firstObservedAt, b.firstObservedAt].filter((t): t is string => !!t).sort()[0];
  return {
    ...a,
    severity: higher.severity,
    originalSeverity: higher.originalSeverity,
    packages,
    cvss: a.cvss.length > 0 ? a.cvss : b.cvss,
    referenceUrls: union(a.referenceUrls, b.referenceUrls),
    relatedVulnerabilities: union(a.relatedVulnerabilities, b.relatedVulnerabilities),
    ...(a.fixAvailable && b.fixAvailable && a.fixAvailable !== b.fixAvailable
      ? { fixAvailable: 'PARTIAL' }
      : {}),
    ...(first ? { firstObservedAt: first } : {}),
  };
}

function latestObservation(findings: readonly EnhancedFinding[]): string | undefined {
  let latest: string | undefined;
  for (const f of findings) {
    for (const t of [f.updatedAt, f.lastObservedAt]) if (t && (!latest || t > latest)) latest = t;
  }
  return latest;
}

function imageDetails(findings: readonly EnhancedFinding[]): {
  pushedAt?: string;
  architecture?: string;
} {
  for (const f of findings) {
    const d = f.resources?.[0]?.details?.awsEcrContainerImage;
    if (d) {
      return {
        ...(d.pushedAt ? { pushedAt: d.pushedAt } : {}),
        ...(d.architecture ? { architecture: d.architecture } : {}),
      };
    }
  }
  return {};
}

export type { DescribeImageScanFindings };

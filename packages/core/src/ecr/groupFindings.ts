/**
 * ECR reports one record per affected package: a CVE in openssl and libssl3 is two basic findings,
 * or two Inspector findings. These functions turn the records into one {@link Vulnerability} per
 * advisory, with the union of what the records say, so that no score or reference is lost.
 */
import type { CvssScore, Vulnerability, VulnerablePackage } from '../model.js';
import { severityRank, toSeverityLabel } from '../severity.js';
import type { BasicFinding, EnhancedFinding } from './schemas.js';

/**
 * Keys of the Inspector facts kept in {@link Vulnerability.details} (written to ProductFields as
 * `ecr-compliance/<key>`). Inspector's own findings show them as `aws/inspector/inspectorScore`,
 * `aws/inspector/FindingStatus` and the resource's `platform`.
 */
export const INSPECTOR_DETAIL = {
  score: 'InspectorScore',
  scoreVector: 'InspectorScoreVector',
  platform: 'Platform',
  status: 'InspectorFindingStatus',
} as const;

function attribute(finding: BasicFinding, key: string): string | undefined {
  const value = finding.attributes?.find((a) => a.key === key)?.value?.trim();
  return value ? value : undefined;
}

function nonBlank(text: string | undefined): string | undefined {
  const trimmed = text?.trim();
  return trimmed ? trimmed : undefined;
}

function basicCvss(finding: BasicFinding): CvssScore[] {
  const out: CvssScore[] = [];
  for (const [version, prefix] of [
    ['3.1', 'CVSS3'],
    ['2.0', 'CVSS2'],
  ] as const) {
    const raw = attribute(finding, `${prefix}_SCORE`);
    const score = Number(raw);
    const vector = attribute(finding, `${prefix}_VECTOR`);
    if (raw !== undefined && Number.isFinite(score)) {
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

function sameCvss(a: CvssScore, b: CvssScore): boolean {
  return (
    a.baseScore === b.baseScore &&
    a.version === b.version &&
    a.baseVector === b.baseVector &&
    a.source === b.source
  );
}

/** Every score of `a`, then those of `b` that `a` does not have already. */
function unionCvss(a: readonly CvssScore[], b: readonly CvssScore[]): CvssScore[] {
  const out = [...a];
  for (const c of b) if (!out.some((x) => sameCvss(x, c))) out.push(c);
  return out;
}

function union(a: readonly string[], b: readonly string[]): string[] {
  if (b.length === 0) return [...a];
  return [...new Set([...a, ...b])];
}

/** Which record's Inspector score stands for the advisory: the higher one, with its own vector. */
function mergeDetails(
  a: Readonly<Record<string, string>> | undefined,
  b: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> | undefined {
  if (!a || !b) return a ?? b;
  const out: Record<string, string> = { ...b, ...a };
  const scoreA = Number(a[INSPECTOR_DETAIL.score]);
  const scoreB = Number(b[INSPECTOR_DETAIL.score]);
  if (Number.isFinite(scoreB) && (!Number.isFinite(scoreA) || scoreB > scoreA)) {
    out[INSPECTOR_DETAIL.score] = b[INSPECTOR_DETAIL.score] as string;
    const vector = b[INSPECTOR_DETAIL.scoreVector];
    if (vector === undefined) delete out[INSPECTOR_DETAIL.scoreVector];
    else out[INSPECTOR_DETAIL.scoreVector] = vector;
  }
  return out;
}

/** `a` when set, otherwise `b`: the first record that says something wins. */
function fill<K extends keyof Vulnerability>(
  a: Vulnerability,
  b: Vulnerability,
  key: K,
): Partial<Vulnerability> {
  const value = a[key] ?? b[key];
  return value === undefined ? {} : { [key]: value };
}

/**
 * Two records of one advisory (one per package) as one vulnerability: every package, the union of
 * CVSS scores (identical ones once), reference URLs and related advisories; the higher severity;
 * the earliest first observation; and for each text or fact, the first record's when it has one,
 * otherwise the other's.
 */
export function mergeVulnerability(a: Vulnerability, b: Vulnerability): Vulnerability {
  const packages = [...a.packages];
  for (const p of b.packages) addPackage(packages, p);
  const higher = severityRank(b.severity) > severityRank(a.severity) ? b : a;
  const lower = higher === a ? b : a;
  const first = [a.firstObservedAt, b.firstObservedAt].filter((t): t is string => !!t).sort()[0];
  const fix =
    a.fixAvailable && b.fixAvailable && a.fixAvailable !== b.fixAvailable
      ? 'PARTIAL'
      : (a.fixAvailable ?? b.fixAvailable);
  const exploit =
    a.exploitAvailable === 'YES' || b.exploitAvailable === 'YES'
      ? 'YES'
      : (a.exploitAvailable ?? b.exploitAvailable);
  const details = mergeDetails(a.details, b.details);
  const vendorSeverity = higher.vendorSeverity ?? lower.vendorSeverity;
  return {
    id: a.id,
    ...fill(a, b, 'title'),
    ...fill(a, b, 'description'),
    severity: higher.severity,
    originalSeverity: higher.originalSeverity,
    packages,
    cvss: unionCvss(a.cvss, b.cvss),
    referenceUrls: union(a.referenceUrls, b.referenceUrls),
    relatedVulnerabilities: union(a.relatedVulnerabilities, b.relatedVulnerabilities),
    ...fill(a, b, 'vendorName'),
    ...fill(a, b, 'vendorUrl'),
    ...(vendorSeverity ? { vendorSeverity } : {}),
    ...fill(a, b, 'vendorCreatedAt'),
    ...fill(a, b, 'vendorUpdatedAt'),
    ...(fix ? { fixAvailable: fix } : {}),
    ...(exploit ? { exploitAvailable: exploit } : {}),
    ...fill(a, b, 'epssScore'),
    ...fill(a, b, 'remediationText'),
    ...fill(a, b, 'remediationUrl'),
    ...(first ? { firstObservedAt: first } : {}),
    ...fill(a, b, 'sourceFindingId'),
    ...(details ? { details } : {}),
  };
}

function fromBasic(finding: BasicFinding): Vulnerability {
  const original = finding.severity?.trim() || 'UNDEFINED';
  const name = attribute(finding, 'package_name');
  const version = attribute(finding, 'package_version');
  const uri = nonBlank(finding.uri);
  const description = nonBlank(finding.description);
  return {
    id: finding.name.trim(),
    severity: toSeverityLabel(original),
    originalSeverity: original,
    packages: name ? [{ name, ...(version ? { version } : {}) }] : [],
    cvss: basicCvss(finding),
    referenceUrls: uri ? [uri] : [],
    relatedVulnerabilities: [],
    ...(description ? { description } : {}),
    ...(uri ? { vendorUrl: uri, remediationUrl: uri } : {}),
    vendorSeverity: original,
  };
}

/** Basic-scanning findings, one vulnerability per distinct `name`, in the order first seen. */
export function groupBasic(findings: readonly BasicFinding[]): Vulnerability[] {
  const byId = new Map<string, Vulnerability>();
  for (const finding of findings) {
    const current = fromBasic(finding);
    const previous = byId.get(current.id);
    byId.set(current.id, previous ? mergeVulnerability(previous, current) : current);
  }
  return [...byId.values()];
}

const FIX = new Set(['YES', 'NO', 'PARTIAL']);
const EXPLOIT = new Set(['YES', 'NO']);

function inspectorDetails(f: EnhancedFinding): Record<string, string> | undefined {
  const details: Record<string, string> = {};
  const score = f.score ?? f.scoreDetails?.cvss?.score;
  if (score !== undefined && Number.isFinite(score)) details[INSPECTOR_DETAIL.score] = String(score);
  const vector = nonBlank(f.scoreDetails?.cvss?.scoringVector);
  if (vector) details[INSPECTOR_DETAIL.scoreVector] = vector;
  const platform = nonBlank(f.resources?.[0]?.details?.awsEcrContainerImage?.platform);
  if (platform) details[INSPECTOR_DETAIL.platform] = platform;
  const status = nonBlank(f.status);
  if (status) details[INSPECTOR_DETAIL.status] = status;
  return Object.keys(details).length > 0 ? details : undefined;
}

function fromEnhanced(f: EnhancedFinding): Vulnerability {
  const details = f.packageVulnerabilityDetails;
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
  const cvss: CvssScore[] = unionCvss(
    [],
    (details?.cvss ?? [])
      .filter((c) => c.baseScore !== undefined && Number.isFinite(c.baseScore))
      .map((c) => ({
        version: c.version ?? 'unknown',
        baseScore: c.baseScore as number,
        ...(c.scoringVector ? { baseVector: c.scoringVector } : {}),
        ...(c.source ? { source: c.source } : {}),
      })),
  );
  const fix = f.fixAvailable?.toUpperCase();
  const exploit = f.exploitAvailable?.toUpperCase();
  const recommendation = f.remediation?.recommendation;
  const facts = inspectorDetails(f);
  return {
    id: (details?.vulnerabilityId ?? f.title ?? '').trim(),
    ...(nonBlank(f.title) ? { title: nonBlank(f.title) as string } : {}),
    ...(nonBlank(f.description) ? { description: nonBlank(f.description) as string } : {}),
    severity: toSeverityLabel(original),
    originalSeverity: original,
    packages,
    cvss,
    referenceUrls: union([], details?.referenceUrls ?? []),
    relatedVulnerabilities: union([], details?.relatedVulnerabilities ?? []),
    ...(details?.source ? { vendorName: details.source } : {}),
    ...(details?.sourceUrl ? { vendorUrl: details.sourceUrl } : {}),
    ...(details?.vendorSeverity ? { vendorSeverity: details.vendorSeverity } : {}),
    ...(details?.vendorCreatedAt ? { vendorCreatedAt: details.vendorCreatedAt } : {}),
    ...(details?.vendorUpdatedAt ? { vendorUpdatedAt: details.vendorUpdatedAt } : {}),
    ...(fix && FIX.has(fix) ? { fixAvailable: fix as 'YES' | 'NO' | 'PARTIAL' } : {}),
    ...(exploit && EXPLOIT.has(exploit) ? { exploitAvailable: exploit as 'YES' | 'NO' } : {}),
    ...(f.epss?.score !== undefined ? { epssScore: f.epss.score } : {}),
    ...(nonBlank(recommendation?.text) ? { remediationText: nonBlank(recommendation?.text) as string } : {}),
    ...(nonBlank(recommendation?.url) ? { remediationUrl: nonBlank(recommendation?.url) as string } : {}),
    ...(f.firstObservedAt ? { firstObservedAt: f.firstObservedAt } : {}),
    ...(f.findingArn ? { sourceFindingId: f.findingArn } : {}),
    ...(facts ? { details: facts } : {}),
  };
}

/** What {@link groupEnhanced} returns: the active vulnerabilities and how many Inspector suppressed. */
export interface GroupedEnhanced {
  readonly vulnerabilities: Vulnerability[];
  /** Distinct advisories whose every record is SUPPRESSED (by an Inspector suppression rule). */
  readonly suppressedCount: number;
}

/**
 * Enhanced-scanning (Inspector) findings, one vulnerability per advisory. SUPPRESSED and CLOSED
 * findings are not current vulnerabilities of the image; the suppressed ones are counted.
 */
export function groupEnhanced(findings: readonly EnhancedFinding[]): GroupedEnhanced {
  const byId = new Map<string, Vulnerability>();
  const suppressed = new Set<string>();
  for (const f of findings) {
    const status = f.status?.trim().toUpperCase();
    if (status !== undefined && status !== 'ACTIVE') {
      if (status === 'SUPPRESSED')
        suppressed.add((f.packageVulnerabilityDetails?.vulnerabilityId ?? f.title ?? '').trim());
      continue;
    }
    const current = fromEnhanced(f);
    const previous = byId.get(current.id);
    byId.set(current.id, previous ? mergeVulnerability(previous, current) : current);
  }
  let suppressedCount = 0;
  for (const id of suppressed) if (!byId.has(id)) suppressedCount += 1;
  return { vulnerabilities: [...byId.values()], suppressedCount };
}

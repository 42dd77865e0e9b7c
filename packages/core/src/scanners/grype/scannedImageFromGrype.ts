import * as z from 'zod/mini';
import type { CvssScore, ScannedImage, Scanner, Vulnerability, VulnerablePackage } from '../../model.js';
import { parseWith } from '../../parse.js';
import { ImageDigest } from '../../schemas.js';
import { maxSeverity, toSeverityLabel } from '../../severity.js';
import {
  type EcrReference,
  parseEcrReference,
  type ReportImageOptions,
  resolveReportImage,
  resolveScanTime,
} from '../reportImage.js';
import { type GrypeMatch, type GrypeReport, GrypeReportSchema } from './GrypeReportSchema.js';

/** Grype, as a {@link Scanner}: its findings have Ids and GeneratorIds under `ecr-compliance/grype`. */
export const GRYPE_SCANNER: Scanner = { id: 'grype', name: 'Grype' };

let compiled: typeof GrypeReportSchema | undefined;
const schema = () => {
  compiled ??= z.compile(GrypeReportSchema);
  return compiled;
};

/**
 * Turns a Grype JSON report (`grype -o json`) into a {@link ScannedImage}. One advisory matched in
 * several packages becomes one vulnerability with every package; EPSS and CISA KEV data go into
 * `epssScore`, `exploitAvailable` and `details`. The image is the ECR repository that
 * `source.target.repoDigests` or `userInput` names, with `source.target.manifestDigest` as its
 * digest: the manifest Grype scanned, which for a multi-architecture tag is one platform's image,
 * not the index that `repoDigests` names. The scan's time is `descriptor.timestamp`.
 * `ignoredMatches` are not imported; `suppressedCount` counts their advisories.
 *
 * @throws InvalidInputError when the report does not match Grype's format (names the field path)
 * @throws ReportOptionError when the report names no single ECR image or no time, and the options do not either
 */
export function scannedImageFromGrype(report: unknown, options: ReportImageOptions = {}): ScannedImage {
  const data = parseWith(schema(), report, 'Grype report');
  const target = data.source?.target;
  const refs = references(data);
  const manifest = target?.manifestDigest?.trim();
  // A local build's manifest digest is not the registry's: only trusted next to an ECR reference.
  const digest =
    refs.length > 0 && manifest && ImageDigest.safeParse(manifest).success ? manifest : undefined;
  const image = resolveReportImage(refs, options, {
    path: 'source.target.repoDigests',
    ...(digest ? { digest } : {}),
  });
  const scanCompletedAt = resolveScanTime(
    data.descriptor?.timestamp ?? undefined,
    options,
    'descriptor.timestamp',
  );
  const byId = new Map<string, Gathered>();
  for (const match of data.matches) gather(byId, match);
  const vulnerabilities = [...byId.values()].map(finish);
  const active = new Set(byId.keys());
  const ignored = new Set((data.ignoredMatches ?? []).map((m) => m.vulnerability.id.trim()));
  for (const id of active) ignored.delete(id);
  const architecture = target?.architecture?.trim();
  return {
    scanner: GRYPE_SCANNER,
    accountId: image.accountId,
    region: image.region,
    repositoryName: image.repositoryName,
    imageDigest: image.imageDigest,
    imageTags: image.imageTags,
    ...(architecture ? { architecture } : {}),
    scanCompletedAt,
    vulnerabilities,
    suppressedCount: ignored.size,
  };
}

function references(data: GrypeReport): EcrReference[] {
  const target = data.source?.target;
  const texts = [
    ...(target?.repoDigests ?? []),
    ...(target?.tags ?? []),
    ...(target?.userInput ? [target.userInput] : []),
  ];
  return texts.flatMap((t) => parseEcrReference(t) ?? []);
}

/** One advisory as gathered so far, with what {@link finish} turns into fields and details. */
interface Gathered {
  v: Vulnerability;
  readonly fixStates: Set<string>;
  readonly cwes: Set<string>;
  readonly purls: Set<string>;
  readonly kev: Map<string, string>;
  percentile?: number;
  epssDate?: string;
}

const FIXED = 'fixed';
const NOT_FIXED = new Set(['not-fixed', 'wont-fix']);

function cvssOf(
  entries: GrypeMatch['vulnerability']['cvss'],
  fallbackSource: string | undefined,
): CvssScore[] {
  const out: CvssScore[] = [];
  for (const c of entries ?? []) {
    const score = c.metrics?.baseScore;
    if (typeof score !== 'number' || !Number.isFinite(score)) continue;
    const vector = c.vector?.trim();
    const version = c.version?.trim() || vector?.match(/^CVSS:(\d\.\d)\//)?.[1] || 'unknown';
    const source = c.source?.trim() || fallbackSource;
    out.push({
      version,
      baseScore: score,
      ...(vector ? { baseVector: vector } : {}),
      ...(source ? { source } : {}),
    });
  }
  return out;
}

const httpUrl = (url: string | null | undefined) =>
  url && /^https?:\/\/\S+$/.test(url.trim()) ? url.trim() : undefined;

function vulnerabilityOf(match: GrypeMatch): Vulnerability {
  const { vulnerability: vuln, artifact } = match;
  const related = match.relatedVulnerabilities ?? [];
  const original = vuln.severity?.trim() || 'Unknown';
  const state = vuln.fix?.state?.trim();
  const suggested = (match.matchDetails ?? []).map((d) => d.fix?.suggestedVersion?.trim()).find((s) => s);
  const versions = (vuln.fix?.versions ?? []).filter((s) => /\S/.test(s));
  const fixedIn = suggested || (versions.length > 0 ? versions.join(', ') : undefined);
  const epoch = artifact.metadata?.epoch;
  const path = artifact.locations?.find((l) => l.path?.trim())?.path?.trim();
  const pkg: VulnerablePackage = {
    name: artifact.name.trim(),
    ...(artifact.version?.trim() ? { version: artifact.version.trim() } : {}),
    ...(epoch !== undefined && epoch !== null && String(epoch).trim() ? { epoch: String(epoch).trim() } : {}),
    ...(artifact.metadata?.architecture?.trim()
      ? { architecture: artifact.metadata.architecture.trim() }
      : {}),
    ...(artifact.type?.trim() ? { packageManager: artifact.type.trim() } : {}),
    ...(path ? { filePath: path } : {}),
    ...(fixedIn && state !== undefined && !NOT_FIXED.has(state) ? { fixedInVersion: fixedIn } : {}),
  };
  const description = [vuln.description, ...related.map((r) => r.description)].find((d) => d?.trim())?.trim();
  const source = httpUrl(vuln.dataSource);
  const cvss = [
    ...cvssOf(vuln.cvss, vuln.namespace?.trim()),
    ...related.flatMap((r) => cvssOf(r.cvss, r.namespace?.trim())),
  ];
  const urls = [
    source,
    ...(vuln.urls ?? []),
    ...related.flatMap((r) => [httpUrl(r.dataSource), ...(r.urls ?? [])]),
  ];
  const epss = (vuln.epss ?? []).reduce<number | undefined>(
    (m, e) => (m === undefined || e.epss > m ? e.epss : m),
    undefined,
  );
  return {
    id: vuln.id.trim(),
    ...(description ? { description } : {}),
    severity: toSeverityLabel(original),
    originalSeverity: original,
    packages: [pkg],
    cvss,
    referenceUrls: [...new Set(urls.filter((u): u is string => !!u && /\S/.test(u)).map((u) => u.trim()))],
    relatedVulnerabilities: [
      ...new Set(related.map((r) => r.id.trim()).filter((id) => id !== vuln.id.trim())),
    ],
    ...(vuln.namespace?.trim() ? { vendorName: vuln.namespace.trim() } : {}),
    ...(source ? { vendorUrl: source, remediationUrl: source } : {}),
    vendorSeverity: original,
    ...((vuln.knownExploited ?? []).length > 0 ? { exploitAvailable: 'YES' as const } : {}),
    ...(epss !== undefined ? { epssScore: epss } : {}),
  };
}

function gather(byId: Map<string, Gathered>, match: GrypeMatch): void {
  const v = vulnerabilityOf(match);
  let entry = byId.get(v.id);
  if (entry) entry.v = merge(entry.v, v);
  else {
    entry = { v, fixStates: new Set(), cwes: new Set(), purls: new Set(), kev: new Map() };
    byId.set(v.id, entry);
  }
  const vuln = match.vulnerability;
  entry.fixStates.add(vuln.fix?.state?.trim() || 'unknown');
  for (const c of vuln.cwes ?? []) if (c.cwe?.trim()) entry.cwes.add(c.cwe.trim());
  if (match.artifact.purl?.trim()) entry.purls.add(match.artifact.purl.trim());
  for (const k of vuln.knownExploited ?? []) {
    for (const [key, value] of [
      ['Kev/DateAdded', k.dateAdded],
      ['Kev/DueDate', k.dueDate],
      ['Kev/KnownRansomwareCampaignUse', k.knownRansomwareCampaignUse],
    ] as const)
      if (value?.trim() && !entry.kev.has(key)) entry.kev.set(key, value.trim());
  }
  for (const e of vuln.epss ?? []) {
    if (
      typeof e.percentile === 'number' &&
      (entry.percentile === undefined || e.percentile > entry.percentile)
    ) {
      entry.percentile = e.percentile;
      if (e.date?.trim()) entry.epssDate = e.date.trim();
    }
  }
}

const union = <T>(a: readonly T[], b: readonly T[]): T[] => [...new Set([...a, ...b])];
const cvssKey = (c: CvssScore) => `${c.source}|${c.version}|${c.baseVector}|${c.baseScore}`;

/** Two matches of one advisory: every package and score, the higher severity, the higher EPSS. */
function merge(a: Vulnerability, b: Vulnerability): Vulnerability {
  const packages = [...a.packages];
  for (const p of b.packages)
    if (!packages.some((q) => q.name === p.name && q.version === p.version && q.filePath === p.filePath))
      packages.push(p);
  const scores = new Map(a.cvss.map((c) => [cvssKey(c), c]));
  for (const c of b.cvss) if (!scores.has(cvssKey(c))) scores.set(cvssKey(c), c);
  const higher = maxSeverity(a.severity, b.severity) === a.severity ? a : b;
  const epss = Math.max(a.epssScore ?? -1, b.epssScore ?? -1);
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
    ...(epss >= 0 ? { epssScore: epss } : {}),
  };
}

/**
 * `FixAvailable` from Grype's fix states: all fixed YES, none fixed (not-fixed, wont-fix) NO,
 * a mix PARTIAL, only unknown states: not said.
 */
function fixAvailable(states: ReadonlySet<string>): 'YES' | 'NO' | 'PARTIAL' | undefined {
  const fixed = states.has(FIXED);
  const others = [...states].some((s) => s !== FIXED);
  if (fixed) return others ? 'PARTIAL' : 'YES';
  return [...states].some((s) => NOT_FIXED.has(s)) ? 'NO' : undefined;
}

function finish(entry: Gathered): Vulnerability {
  const { v } = entry;
  const details: Record<string, string> = Object.fromEntries(entry.kev);
  details['Grype/FixState'] = [...entry.fixStates].join(',');
  if (entry.percentile !== undefined) details.EpssPercentile = String(entry.percentile);
  if (entry.epssDate && !entry.epssDate.startsWith('0001-01-01')) details.EpssDate = entry.epssDate;
  if (entry.cwes.size > 0) details.CweIds = [...entry.cwes].join(',');
  if (entry.purls.size > 0) details.PackageUrls = [...entry.purls].join(' ');
  const fix = fixAvailable(entry.fixStates);
  return { ...v, ...(fix ? { fixAvailable: fix } : {}), details };
}

import type { CvssScore, ScannedImage, Scanner, VulnerablePackage } from '../../model.js';
import { checkWith, compiledOnFirstUse } from '../../parse.js';
import { ImageDigest } from '../../schemas.js';
import { toSeverityLabel } from '../../severity.js';
import { PARSE_IN_ENGLISH } from '../../zodLocale.js';
import { addCvss, addUnique, httpUrl, mergeInto, nonBlank, type VulnerabilityDraft } from '../advisories.js';
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

const schema = compiledOnFirstUse(GrypeReportSchema);

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
  const data = checkWith(schema(), report, 'Grype report');
  const target = data.source?.target;
  const refs = references(data);
  const manifest = target?.manifestDigest?.trim();
  // A local build's manifest digest is not the registry's: only trusted next to an ECR reference.
  const digest =
    refs.length > 0 && manifest && ImageDigest.safeParse(manifest, PARSE_IN_ENGLISH).success
      ? manifest
      : undefined;
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
  const vulnerabilities: VulnerabilityDraft[] = [];
  for (const entry of byId.values()) vulnerabilities.push(finish(entry));
  const ignored = new Set<string>();
  // An advisory ignored in one package and matched in another is imported, and not counted.
  for (const m of data.ignoredMatches ?? [])
    if (!byId.has(m.vulnerability.id.trim())) ignored.add(m.vulnerability.id.trim());
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

/**
 * One advisory as gathered so far, with what {@link finish} turns into fields and details. The
 * lists and the KEV facts are made when a match has one: they live until the report is read.
 */
interface Gathered {
  readonly v: VulnerabilityDraft;
  readonly fixStates: string[];
  cwes?: string[];
  purls?: string[];
  kev?: Record<string, string>;
  percentile?: number;
  epssDate?: string;
}

const FIXED = 'fixed';
const NOT_FIXED = new Set(['not-fixed', 'wont-fix']);
const VECTOR_VERSION = /^CVSS:(\d\.\d)\//;

function addCvssOf(
  out: CvssScore[],
  entries: GrypeMatch['vulnerability']['cvss'],
  namespace: string | undefined,
) {
  for (const c of entries ?? []) {
    const score = c.metrics?.baseScore;
    if (typeof score !== 'number' || !Number.isFinite(score)) continue;
    const vector = nonBlank(c.vector);
    const version = nonBlank(c.version) ?? (vector && VECTOR_VERSION.exec(vector)?.[1]) ?? 'unknown';
    const source = nonBlank(c.source) ?? namespace;
    const cvss: { -readonly [K in keyof CvssScore]: CvssScore[K] } = { version, baseScore: score };
    if (vector) cvss.baseVector = vector;
    if (source) cvss.source = source;
    addCvss(out, cvss);
  }
}

function addUrls(
  out: string[],
  metadata: { readonly dataSource?: string | null | undefined; readonly urls?: string[] | null | undefined },
) {
  const source = httpUrl(metadata.dataSource);
  if (source) addUnique(out, source);
  for (const u of metadata.urls ?? []) if (/\S/.test(u)) addUnique(out, u.trim());
}

function draftOf(match: GrypeMatch): VulnerabilityDraft {
  const { vulnerability: vuln, artifact } = match;
  const related = match.relatedVulnerabilities ?? [];
  const id = vuln.id.trim();
  const original = nonBlank(vuln.severity) ?? 'Unknown';
  const pkg: { -readonly [K in keyof VulnerablePackage]: VulnerablePackage[K] } = {
    name: artifact.name.trim(),
  };
  const version = nonBlank(artifact.version);
  if (version) pkg.version = version;
  const epoch = artifact.metadata?.epoch;
  const epochText = epoch === undefined || epoch === null ? undefined : nonBlank(String(epoch));
  if (epochText) pkg.epoch = epochText;
  const architecture = nonBlank(artifact.metadata?.architecture);
  if (architecture) pkg.architecture = architecture;
  const type = nonBlank(artifact.type);
  if (type) pkg.packageManager = type;
  for (const l of artifact.locations ?? []) {
    const path = nonBlank(l.path);
    if (path) {
      pkg.filePath = path;
      break;
    }
  }
  const state = nonBlank(vuln.fix?.state);
  if (state === FIXED) {
    let suggested: string | undefined;
    for (const d of match.matchDetails ?? []) suggested ??= nonBlank(d.fix?.suggestedVersion);
    const versions = (vuln.fix?.versions ?? []).filter((s) => /\S/.test(s));
    const fixedIn = suggested ?? (versions.length > 0 ? versions.join(', ') : undefined);
    if (fixedIn) pkg.fixedInVersion = fixedIn;
  }
  const namespace = nonBlank(vuln.namespace);
  const cvss: CvssScore[] = [];
  addCvssOf(cvss, vuln.cvss, namespace);
  const urls: string[] = [];
  addUrls(urls, vuln);
  const relatedIds: string[] = [];
  let description = nonBlank(vuln.description);
  for (const r of related) {
    addCvssOf(cvss, r.cvss, nonBlank(r.namespace));
    addUrls(urls, r);
    const rid = r.id.trim();
    if (rid !== id) addUnique(relatedIds, rid);
    description ??= nonBlank(r.description);
  }
  const v: VulnerabilityDraft = {
    id,
    severity: toSeverityLabel(original),
    originalSeverity: original,
    vendorSeverity: original,
    packages: [pkg],
    cvss,
    referenceUrls: urls,
    relatedVulnerabilities: relatedIds,
  };
  if (description) v.description = description;
  if (namespace) v.vendorName = namespace;
  const source = httpUrl(vuln.dataSource);
  if (source) {
    v.vendorUrl = source;
    v.remediationUrl = source;
  }
  if ((vuln.knownExploited ?? []).length > 0) v.exploitAvailable = 'YES';
  for (const e of vuln.epss ?? [])
    if (v.epssScore === undefined || e.epss > v.epssScore) v.epssScore = e.epss;
  return v;
}

const KEV_FIELDS = [
  ['Kev/DateAdded', 'dateAdded'],
  ['Kev/DueDate', 'dueDate'],
  ['Kev/KnownRansomwareCampaignUse', 'knownRansomwareCampaignUse'],
] as const;

function gather(byId: Map<string, Gathered>, match: GrypeMatch): void {
  const v = draftOf(match);
  let entry = byId.get(v.id);
  if (entry) mergeInto(entry.v, v);
  else {
    entry = { v, fixStates: [] };
    byId.set(v.id, entry);
  }
  const vuln = match.vulnerability;
  addUnique(entry.fixStates, nonBlank(vuln.fix?.state) ?? 'unknown');
  for (const c of vuln.cwes ?? []) {
    const cwe = nonBlank(c.cwe);
    if (cwe) {
      entry.cwes ??= [];
      addUnique(entry.cwes, cwe);
    }
  }
  const purl = nonBlank(match.artifact.purl);
  if (purl) {
    entry.purls ??= [];
    addUnique(entry.purls, purl);
  }
  for (const k of vuln.knownExploited ?? [])
    for (const [key, field] of KEV_FIELDS) {
      const value = nonBlank(k[field]);
      if (value) {
        entry.kev ??= {};
        entry.kev[key] ??= value;
      }
    }
  for (const e of vuln.epss ?? [])
    if (
      typeof e.percentile === 'number' &&
      (entry.percentile === undefined || e.percentile > entry.percentile)
    ) {
      entry.percentile = e.percentile;
      const date = nonBlank(e.date);
      if (date && !date.startsWith('0001-01-01')) entry.epssDate = date;
    }
}

/**
 * `FixAvailable` from Grype's fix states: all fixed YES, none fixed (not-fixed, wont-fix) NO,
 * a mix PARTIAL, only unknown states: not said.
 */
function fixAvailable(states: readonly string[]): 'YES' | 'NO' | 'PARTIAL' | undefined {
  if (states.includes(FIXED)) return states.length > 1 ? 'PARTIAL' : 'YES';
  return states.some((s) => NOT_FIXED.has(s)) ? 'NO' : undefined;
}

function finish(entry: Gathered): VulnerabilityDraft {
  const { v } = entry;
  const details = entry.kev ?? {};
  details['Grype/FixState'] = entry.fixStates.join(',');
  if (entry.percentile !== undefined) details.EpssPercentile = String(entry.percentile);
  if (entry.epssDate) details.EpssDate = entry.epssDate;
  if (entry.cwes) details.CweIds = entry.cwes.join(',');
  if (entry.purls) details.PackageUrls = entry.purls.join(' ');
  v.details = details;
  const fix = fixAvailable(entry.fixStates);
  if (fix) v.fixAvailable = fix;
  return v;
}

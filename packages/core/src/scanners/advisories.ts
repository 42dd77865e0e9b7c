/**
 * What every scanner parser does with its records: gather the records of one advisory (one per
 * package) into one {@link Vulnerability}, with every package, score and reference once. Built
 * for reports of tens of thousands of records: drafts are mutated in place, lists are small
 * arrays, nothing is spread per record.
 */
import type { CvssScore, Vulnerability, VulnerablePackage } from '../model.js';
import { severityRank } from '../severity.js';

/** A {@link Vulnerability} while its records are gathered; the parser owns it until it returns. */
export type VulnerabilityDraft = {
  -readonly [K in keyof Vulnerability]: Vulnerability[K] extends readonly (infer T)[]
    ? T[]
    : Vulnerability[K];
};

/** Adds `value` to `list` unless it holds it already (lists of a few entries: no Set needed). */
export function addUnique<T>(list: T[], value: T): void {
  if (!list.includes(value)) list.push(value);
}

/** Adds a package unless one with the same name, version and path is listed. */
export function addPackage(list: VulnerablePackage[], pkg: VulnerablePackage): void {
  for (const p of list)
    if (p.name === pkg.name && p.version === pkg.version && p.filePath === pkg.filePath) return;
  list.push(pkg);
}

/** Adds a CVSS score unless the same source, version, vector and score is listed. */
export function addCvss(list: CvssScore[], score: CvssScore): void {
  for (const c of list)
    if (
      c.source === score.source &&
      c.version === score.version &&
      c.baseVector === score.baseVector &&
      c.baseScore === score.baseScore
    )
      return;
  list.push(score);
}

/** Facts a record may lack that another record of the same advisory gives. */
const FILLED = [
  'title',
  'description',
  'vendorName',
  'vendorUrl',
  'remediationUrl',
  'vendorCreatedAt',
  'vendorUpdatedAt',
  'exploitAvailable',
] as const;

function fill<K extends (typeof FILLED)[number]>(
  target: VulnerabilityDraft,
  next: VulnerabilityDraft,
  key: K,
): void {
  (target as Record<K, unknown>)[key] = next[key];
}

/**
 * Gathers `next` (another record of the same advisory) into `target`: every package, score,
 * reference and related advisory once; the higher severity with its original word; a text or
 * fact `target` lacks comes from `next`; the higher EPSS score.
 */
export function mergeInto(target: VulnerabilityDraft, next: VulnerabilityDraft): void {
  for (const p of next.packages) addPackage(target.packages, p);
  for (const c of next.cvss) addCvss(target.cvss, c);
  for (const u of next.referenceUrls) addUnique(target.referenceUrls, u);
  for (const r of next.relatedVulnerabilities) addUnique(target.relatedVulnerabilities, r);
  if (severityRank(next.severity) > severityRank(target.severity)) {
    target.severity = next.severity;
    target.originalSeverity = next.originalSeverity;
    if (next.vendorSeverity !== undefined) target.vendorSeverity = next.vendorSeverity;
  }
  for (const key of FILLED) if (target[key] === undefined && next[key] !== undefined) fill(target, next, key);
  if (next.epssScore !== undefined && (target.epssScore === undefined || next.epssScore > target.epssScore))
    target.epssScore = next.epssScore;
}

/** Trims `text`; undefined when nothing but blanks is left. */
export function nonBlank(text: string | null | undefined): string | undefined {
  if (text === undefined || text === null) return undefined;
  const trimmed = text.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** An `http(s)://` URL without blanks, trimmed; undefined for anything else. */
export function httpUrl(text: string | null | undefined): string | undefined {
  const url = nonBlank(text);
  return url && /^https?:\/\/\S+$/.test(url) ? url : undefined;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * An RFC 3339 timestamp (any fraction, any offset) as ISO-8601 UTC with milliseconds; undefined
 * for anything else and for years outside 1970-9999 (Go's zero time is "not set").
 */
export function isoInstant(text: string): string | undefined {
  if (!RFC3339.test(text)) return undefined;
  const ms = Date.parse(text);
  // 1970-01-01 to 9999-12-31.
  if (Number.isNaN(ms) || ms < 0 || ms > 253402300799999) return undefined;
  return new Date(ms).toISOString();
}

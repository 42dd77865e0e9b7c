import type { AsffFinding } from '../asff/AsffFinding.js';
import { findingFingerprint, storedFingerprint, withFingerprint } from '../asff/fingerprint.js';
import { fromStoredFinding } from '../asff/fromStoredFinding.js';
import { imageGeneratorId, vulnerabilityGeneratorId } from '../asff/identity.js';
import { type FindingGranularity, toAsffFindings } from '../asff/toAsffFindings.js';
import {
  type CustomActionReference,
  DEFAULT_FINDING_GRANULARITY,
  resolveFindingGranularity,
  resolveKeepAliveDays,
} from '../config.js';
import { EcrComplianceError, type PublishError } from '../errors.js';
import type { ExceptionRecord } from '../exceptions/ExceptionRecord.js';
import type { FindingsWorkflow } from '../exceptions/ports.js';
import { scanExceptions } from '../exceptions/scanExceptions.js';
import type { ScannedImage } from '../model.js';
import { parseScannedImage } from '../modelSchema.js';
import type {
  FindingsPublisher,
  FindingsStore,
  ImageIdentity,
  ImageReference,
  PublishResult,
  ScanFindingsSource,
  StoredFinding,
} from '../ports.js';
import { publishAll } from './publishAll.js';

/** Result of {@link reconcileScan}: what was imported, or why nothing was. */
export type ReconcileScanResult =
  | {
      readonly outcome: 'imported';
      readonly repositoryName: string;
      readonly imageDigest: string;
      readonly vulnerabilities: number;
      /** Findings of the scan: created, updated, re-activated and unchanged. */
      readonly findings: number;
      /** Findings of the scan that the store did not hold. */
      readonly created: number;
      /** Findings of the scan that were ARCHIVED and are ACTIVE again. */
      readonly reactivated: number;
      /** Findings of the scan left as stored, not imported: ACTIVE, same content, updated within the keep-alive age. */
      readonly unchanged: number;
      /** ACTIVE findings of the image that the scan no longer reports, re-imported as ARCHIVED. */
      readonly archived: number;
      /** Ids of stored findings not believed: updated later than now plus {@link STORED_TIME_SKEW_MS}. */
      readonly distrusted: readonly string[];
      readonly publish: PublishResult;
      /** With exceptions: findings suppressed for, or given back from, an exception, and the updates that failed. */
      readonly exceptions?: {
        readonly suppressed: number;
        readonly restored: number;
        readonly failed: number;
      };
    }
  | {
      readonly outcome: 'skipped';
      readonly repositoryName: string;
      readonly imageDigest: string;
      readonly reason: string;
    };

/** What {@link reconcile} decided: the findings to import, or why there are none. */
export type Reconciliation =
  | {
      readonly outcome: 'import';
      /** The scan's findings to import: created, changed, re-activated, or past the keep-alive age. */
      readonly findings: readonly AsffFinding[];
      readonly created: number;
      readonly reactivated: number;
      /** Findings of the scan not among `findings`: the store already says the same (see {@link reconcile}). */
      readonly unchanged: number;
      readonly archived: number;
      /**
       * The stored ACTIVE findings the scan no longer reports, to import again as ARCHIVED
       * ({@link archivedAt}) once the store has given their whole content ({@link FindingsStore.wholeFindings}).
       */
      readonly gone: readonly StoredFinding[];
      /** Ids of the stored findings {@link trustedFindings} did not believe, and that were left out. */
      readonly distrusted: readonly string[];
    }
  | { readonly outcome: 'skipped'; readonly reason: string };

/** Options of {@link reconcileScan} and {@link reconcile}. */
export interface ReconcileScanOptions {
  /** Which findings to produce (reconcileScan only). @default 'both' */
  readonly granularity?: FindingGranularity;
  /**
   * Age in whole days (from 0 to 89) after which a finding whose content has not changed is
   * imported again anyway, so that Security Hub, which deletes a finding 90 days after its last
   * update, keeps it. A finding survives as long as the image is scanned at least every
   * `90 - keepAliveDays` days. 0 imports every finding on every scan.
   * @default 30 (`DEFAULT_KEEP_ALIVE_DAYS`, see `resolveKeepAliveDays`)
   */
  readonly keepAliveDays?: number;
  /**
   * The block action the image finding's recommendation names (reconcileScan only): the one the
   * deployment configured. Without it, the recommendation names "the block action of ecr-compliance".
   */
  readonly blockAction?: CustomActionReference;
}

/** {@link ReconcileScanOptions} with the defaults applied. */
export interface ResolvedReconcileScanOptions {
  readonly granularity: FindingGranularity;
  readonly keepAliveDays: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Applies the defaults of {@link ReconcileScanOptions} and checks them.
 *
 * @throws InvalidInputError when keepAliveDays is not a whole number of days from 0 to 89
 */
export function resolveReconcileScanOptions(
  options: ReconcileScanOptions = {},
): ResolvedReconcileScanOptions {
  return {
    granularity: resolveFindingGranularity(options.granularity, DEFAULT_FINDING_GRANULARITY, 'granularity'),
    keepAliveDays: resolveKeepAliveDays(options.keepAliveDays),
  };
}

/**
 * How far in the future a stored `UpdatedAt` may lie and still be believed: clocks of the writers
 * differ a little, and Security Hub keeps what the importer wrote. Anything later was written by
 * someone who can import findings on the account's default product but is not this tool (or by a
 * broken clock): believed, it would make every real scan and deletion "older than the stored
 * findings" until that date.
 */
export const STORED_TIME_SKEW_MS = 5 * 60 * 1000;

/**
 * Splits stored findings into those whose `UpdatedAt` is at most `now` plus
 * {@link STORED_TIME_SKEW_MS} (believed) and the rest (not believed). A finding whose time cannot
 * be read is kept, as before: it orders after nothing. Pure: `now` comes in as a parameter.
 */
export function trustedFindings<T extends StoredFinding>(
  stored: readonly T[],
  now: string,
): { readonly trusted: readonly T[]; readonly distrusted: readonly T[] } {
  const limit = instant(now) + STORED_TIME_SKEW_MS;
  const trusted: T[] = [];
  const distrusted: T[] = [];
  for (const f of stored) (instant(f.UpdatedAt) > limit ? distrusted : trusted).push(f);
  return { trusted, distrusted };
}

/** Milliseconds of an ISO-8601 timestamp; Security Hub and ECR write fractions differently, so strings do not compare. */
export const instant = (iso: string): number => Date.parse(iso);

/** The latest UpdatedAt among `findings`, or undefined when there are none. */
export function latestUpdate(findings: readonly StoredFinding[]): StoredFinding | undefined {
  let latest: StoredFinding | undefined;
  for (const f of findings) if (!latest || instant(f.UpdatedAt) > instant(latest.UpdatedAt)) latest = f;
  return latest;
}

/** A stored finding counts as active unless it says ARCHIVED. */
export const isActive = (finding: StoredFinding): boolean => finding.RecordState !== 'ARCHIVED';

/**
 * Compares the findings of a new scan (`current`, as toAsffFindings made them, all with the
 * scan's time as UpdatedAt) with the image's `stored` findings. Pure.
 *
 * - A stored finding updated later than `scan.now` plus {@link STORED_TIME_SKEW_MS} is not
 *   believed: it counts for none of the rules below, as if the store did not hold it, and its Id is
 *   reported in `distrusted`.
 * - A scan older than what the store holds for this scanner changes nothing: nothing could be
 *   imported without undoing a newer state.
 * - The same scan again (a repeated or redriven event) imports only what its first run did not
 *   land: a stored finding already updated at the scan's time is left as it is. When everything
 *   landed, nothing is imported (`skipped`), so a finding that failed to import once is not lost
 *   until the next scan.
 * - A finding the store holds keeps its CreatedAt and its earliest FirstObservedAt (basic scans
 *   know no first observation; the store does), also when it was ARCHIVED and comes back ACTIVE.
 * - A stored ACTIVE finding of a kind the scan produces (`generatorIds`) that the scan no longer
 *   reports is `gone`: the use case imports it again as ARCHIVED, with the scan's time as
 *   UpdatedAt ({@link archivedAt}).
 * - Every imported finding carries the fingerprint of its content ({@link findingFingerprint}).
 *   When the scan has an image-level finding (GeneratorId `imageGeneratorId`), that one is always
 *   imported: its UpdatedAt is the scan's time, which the first rule reads on the next event. A
 *   finding whose stored counterpart is ACTIVE, has the same fingerprint and was updated less
 *   than `keepAliveDays` before the scan is then left as it is (`unchanged`). Without an image
 *   finding nothing would record the scan's time, so every finding is imported.
 *
 * @throws InvalidInputError when `options.keepAliveDays` is out of range
 */
export function reconcile(
  current: readonly AsffFinding[],
  stored: readonly StoredFinding[],
  scan: {
    readonly scanCompletedAt: string;
    readonly generatorIds: ReadonlySet<string>;
    /** GeneratorId of the scanner's image-level finding; absent: every finding is imported. */
    readonly imageGeneratorId?: string;
    /** The present, ISO-8601: stored times later than this plus the skew are not believed. */
    readonly now: string;
  },
  options: Pick<ReconcileScanOptions, 'keepAliveDays'> = {},
): Reconciliation {
  const { keepAliveDays } = resolveReconcileScanOptions(options);
  const { trusted, distrusted } = trustedFindings(
    stored.filter((f) => scan.generatorIds.has(f.GeneratorId)),
    scan.now,
  );
  const scanners = trusted;
  const latest = latestUpdate(scanners);
  const scanTime = instant(scan.scanCompletedAt);
  if (latest && instant(latest.UpdatedAt) > scanTime) {
    return {
      outcome: 'skipped',
      reason: `the scan of ${scan.scanCompletedAt} is older than the stored findings (updated ${latest.UpdatedAt}): an older event`,
    };
  }
  // The same scan again (another event id, or a redriven failed event): what it already wrote is
  // left as it is, and only what did not land (a finding that failed to import) is imported.
  const repeated = latest !== undefined && instant(latest.UpdatedAt) === scanTime;
  // The image finding marks the scan's time only if it is imported and read back on the next event.
  const image = scan.imageGeneratorId;
  const watermark =
    image !== undefined && scan.generatorIds.has(image) && current.some((f) => f.GeneratorId === image);
  // Stored findings updated after this instant are young enough to be left as they are.
  const freshAfter = scanTime - keepAliveDays * DAY_MS;
  const byId = new Map(scanners.map((f) => [f.Id, f]));
  let created = 0;
  let reactivated = 0;
  let unchanged = 0;
  const findings: AsffFinding[] = [];
  for (const finding of current) {
    const fingerprint = findingFingerprint(finding);
    const previous = byId.get(finding.Id);
    if (!previous) {
      created += 1;
      findings.push(withFingerprint(finding, fingerprint));
      continue;
    }
    if (instant(previous.UpdatedAt) >= scanTime) {
      unchanged += 1;
      continue;
    }
    if (
      watermark &&
      finding.GeneratorId !== image &&
      isActive(previous) &&
      storedFingerprint(previous) === fingerprint &&
      instant(previous.UpdatedAt) > freshAfter
    ) {
      unchanged += 1;
      continue;
    }
    if (!isActive(previous)) reactivated += 1;
    const firstObserved = previous.FirstObservedAt ?? previous.CreatedAt;
    const kept: AsffFinding = {
      ...finding,
      CreatedAt: previous.CreatedAt,
      FirstObservedAt:
        instant(firstObserved) < instant(finding.FirstObservedAt) ? firstObserved : finding.FirstObservedAt,
    };
    findings.push(withFingerprint(kept, fingerprint));
  }
  const reported = new Set(current.map((f) => f.Id));
  const gone = scanners.filter((f) => isActive(f) && !reported.has(f.Id));
  if (repeated && findings.length === 0 && gone.length === 0) {
    return {
      outcome: 'skipped',
      reason: `the scan of ${scan.scanCompletedAt} is imported already (stored findings updated ${latest.UpdatedAt}): a repeated event`,
    };
  }
  return {
    outcome: 'import',
    findings,
    created,
    reactivated,
    unchanged,
    archived: gone.length,
    gone,
    distrusted: distrusted.map((f) => f.Id),
  };
}

/**
 * The `stored` findings (whole, as {@link FindingsStore.wholeFindings} gives them) imported again
 * as ARCHIVED at `at`, each with the fingerprint of its new content. Pure.
 */
export function archivedAt(stored: readonly StoredFinding[], at: string): AsffFinding[] {
  return stored.map((f) => {
    const archived = fromStoredFinding(f, { RecordState: 'ARCHIVED', UpdatedAt: at });
    return withFingerprint(archived, findingFingerprint(archived));
  });
}

/**
 * The whole content of `findings` (some of what `store.findingsOf` returned): the store's own
 * reading where it keeps only the lifecycle's fields, the findings themselves otherwise. Refuses
 * to go on when the store cannot give one of them, so that nothing is archived half.
 */
export async function wholeFindingsOf(
  store: FindingsStore,
  image: ImageIdentity,
  findings: readonly StoredFinding[],
): Promise<readonly StoredFinding[]> {
  if (findings.length === 0 || !store.wholeFindings) return findings;
  const whole = await store.wholeFindings(image, findings);
  const byId = new Map(whole.map((f) => [f.Id, f]));
  const missing = findings.filter((f) => !byId.has(f.Id));
  if (missing.length > 0)
    throw new EcrComplianceError(
      `the store holds the state but not the content of ${missing.length} finding(s) to archive (first: ${missing[0]?.Id})`,
    );
  return findings.map((f) => byId.get(f.Id) as StoredFinding);
}

/** The GeneratorIds of the findings a granularity produces for a scanner. */
function generatorIdsOf(image: ScannedImage, granularity: FindingGranularity): Set<string> {
  const ids = new Set<string>();
  if (granularity !== 'image') ids.add(vulnerabilityGeneratorId(image.scanner.id));
  if (granularity !== 'vulnerability') ids.add(imageGeneratorId(image.scanner.id));
  return ids;
}

/**
 * Use case "report a completed scan, continuously": fetch the scan, read the image's stored
 * findings, and import what {@link reconcile} decides: the image-level finding, the scan's
 * findings that are new, changed, re-activated or older than the keep-alive age (with their first
 * observation kept), and the findings of vulnerabilities no longer present as ARCHIVED. An older
 * or repeated scan is a `skipped` result. A finding that finally failed to publish fails the
 * whole report ({@link PublishError}), so that the event reaches the failure destination.
 * `options.now` (ISO-8601, the caller's clock) bounds the stored times that are believed
 * ({@link trustedFindings}).
 *
 * @throws InvalidInputError when `options.keepAliveDays` is out of range, before any call, or when
 *   the source hands over an image that is not a valid {@link ScannedImage} (naming the field), before any import
 */
export async function reconcileScan(
  deps: {
    readonly source: ScanFindingsSource;
    readonly store: FindingsStore;
    readonly publisher: FindingsPublisher;
    /** Where exception updates are written; with `options.exceptions`. */
    readonly workflow?: FindingsWorkflow;
  },
  image: ImageReference,
  options: ReconcileScanOptions & {
    /** The present (ISO-8601, the caller's clock): stored times later than this plus the skew are not believed. */
    readonly now: string;
    /**
     * Every stored exception: the image finding counts the excepted vulnerabilities apart, and after
     * the import the findings an active exception covers are suppressed (and those of ended ones given back).
     */
    readonly exceptions?: readonly ExceptionRecord[];
  },
): Promise<ReconcileScanResult> {
  const { now } = options;
  const { granularity, keepAliveDays } = resolveReconcileScanOptions(options);
  // A source is a port: any scanner's adapter may implement it, so what it hands over is checked.
  const scanned = parseScannedImage(await deps.source.getScan(image));
  const excepted = options.exceptions ? scanExceptions(scanned, options.exceptions, now) : undefined;
  const current = toAsffFindings(scanned, {
    granularity,
    ...(options.blockAction ? { blockAction: options.blockAction } : {}),
    ...(excepted ? { exceptionFor: excepted.exceptionFor } : {}),
  });
  const stored = await deps.store.findingsOf(scanned);
  const names = { repositoryName: scanned.repositoryName, imageDigest: scanned.imageDigest };
  const plan = reconcile(
    current,
    stored,
    {
      scanCompletedAt: scanned.scanCompletedAt,
      generatorIds: generatorIdsOf(scanned, granularity),
      imageGeneratorId: imageGeneratorId(scanned.scanner.id),
      now,
    },
    { keepAliveDays },
  );
  if (plan.outcome === 'skipped') return { outcome: 'skipped', ...names, reason: plan.reason };
  const archived = archivedAt(await wholeFindingsOf(deps.store, scanned, plan.gone), scanned.scanCompletedAt);
  const publish = await publishAll(deps.publisher, [...plan.findings, ...archived], {
    subject: `for ${scanned.repositoryName}@${scanned.imageDigest}`,
    verb: 'imported',
  });
  const exceptions =
    excepted && deps.workflow ? await excepted.applyTo(deps.workflow, current, stored) : undefined;
  return {
    outcome: 'imported',
    ...names,
    vulnerabilities: scanned.vulnerabilities.length,
    findings: current.length,
    created: plan.created,
    reactivated: plan.reactivated,
    unchanged: plan.unchanged,
    archived: plan.archived,
    distrusted: plan.distrusted,
    publish,
    ...(exceptions ? { exceptions } : {}),
  };
}

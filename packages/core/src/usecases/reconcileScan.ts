import type { AsffFinding } from '../asff/AsffFinding.js';
import { fromStoredFinding } from '../asff/fromStoredFinding.js';
import { imageGeneratorId, vulnerabilityGeneratorId } from '../asff/identity.js';
import { type FindingGranularity, toAsffFindings } from '../asff/toAsffFindings.js';
import type { PublishError } from '../errors.js';
import type { ScannedImage } from '../model.js';
import type {
  FindingsPublisher,
  FindingsStore,
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
      /** Findings of the scan (new, updated and re-activated). */
      readonly findings: number;
      /** Findings of the scan that the store did not hold. */
      readonly created: number;
      /** Findings of the scan that were ARCHIVED and are ACTIVE again. */
      readonly reactivated: number;
      /** ACTIVE findings of the image that the scan no longer reports, re-imported as ARCHIVED. */
      readonly archived: number;
      readonly publish: PublishResult;
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
      readonly findings: readonly AsffFinding[];
      readonly created: number;
      readonly reactivated: number;
      readonly archived: number;
    }
  | { readonly outcome: 'skipped'; readonly reason: string };

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
 * - A scan not later than what the store holds for this scanner (an older event, or the same one
 *   again) changes nothing: nothing could be imported without undoing a newer state.
 * - A finding the store holds keeps its CreatedAt and its earliest FirstObservedAt (basic scans
 *   know no first observation; the store does), also when it was ARCHIVED and comes back ACTIVE.
 * - A stored ACTIVE finding of a kind the scan produces (`generatorIds`) that the scan no longer
 *   reports is imported again as ARCHIVED, with the scan's time as UpdatedAt.
 */
export function reconcile(
  current: readonly AsffFinding[],
  stored: readonly StoredFinding[],
  scan: { readonly scanCompletedAt: string; readonly generatorIds: ReadonlySet<string> },
): Reconciliation {
  const scanners = stored.filter((f) => scan.generatorIds.has(f.GeneratorId));
  const latest = latestUpdate(scanners);
  if (latest && instant(latest.UpdatedAt) >= instant(scan.scanCompletedAt)) {
    return {
      outcome: 'skipped',
      reason: `the scan of ${scan.scanCompletedAt} is not later than the stored findings (updated ${latest.UpdatedAt}): an older or repeated event`,
    };
  }
  const byId = new Map(scanners.map((f) => [f.Id, f]));
  let created = 0;
  let reactivated = 0;
  const findings: AsffFinding[] = current.map((finding) => {
    const previous = byId.get(finding.Id);
    if (!previous) {
      created += 1;
      return finding;
    }
    if (!isActive(previous)) reactivated += 1;
    const firstObserved = previous.FirstObservedAt ?? previous.CreatedAt;
    return {
      ...finding,
      CreatedAt: previous.CreatedAt,
      FirstObservedAt:
        instant(firstObserved) < instant(finding.FirstObservedAt) ? firstObserved : finding.FirstObservedAt,
    };
  });
  const reported = new Set(current.map((f) => f.Id));
  const gone = scanners.filter((f) => isActive(f) && !reported.has(f.Id));
  for (const f of gone)
    findings.push(fromStoredFinding(f, { RecordState: 'ARCHIVED', UpdatedAt: scan.scanCompletedAt }));
  return { outcome: 'import', findings, created, reactivated, archived: gone.length };
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
 * findings, and import what {@link reconcile} decides: the scan's findings with their first
 * observation kept, and the findings of vulnerabilities no longer present as ARCHIVED. An older
 * or repeated scan is a `skipped` result. A finding that finally failed to publish fails the
 * whole report ({@link PublishError}), so that the event reaches the failure destination.
 */
export async function reconcileScan(
  deps: {
    readonly source: ScanFindingsSource;
    readonly store: FindingsStore;
    readonly publisher: FindingsPublisher;
  },
  image: ImageReference,
  options: { readonly granularity?: FindingGranularity } = {},
): Promise<ReconcileScanResult> {
  const granularity = options.granularity ?? 'both';
  const scanned = await deps.source.getScan(image);
  const current = toAsffFindings(scanned, { granularity });
  const stored = await deps.store.findingsOf(scanned);
  const names = { repositoryName: scanned.repositoryName, imageDigest: scanned.imageDigest };
  const plan = reconcile(current, stored, {
    scanCompletedAt: scanned.scanCompletedAt,
    generatorIds: generatorIdsOf(scanned, granularity),
  });
  if (plan.outcome === 'skipped') return { outcome: 'skipped', ...names, reason: plan.reason };
  const publish = await publishAll(deps.publisher, plan.findings, {
    subject: `for ${scanned.repositoryName}@${scanned.imageDigest}`,
    verb: 'imported',
  });
  return {
    outcome: 'imported',
    ...names,
    vulnerabilities: scanned.vulnerabilities.length,
    findings: current.length,
    created: plan.created,
    reactivated: plan.reactivated,
    archived: plan.archived,
    publish,
  };
}

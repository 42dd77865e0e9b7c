/**
 * The pure half of automatic remediation: what a trigger asks for, and whether the evidence that
 * a forger cannot write (ECR's own scan of an image, the image list, Amazon Inspector's findings)
 * allows a block or a release. No I/O: the shell in automaticRemediation.ts gathers the evidence.
 */
import { imageDigestIn, PRODUCT_PREFIX } from '../asff/identity.js';
import { ECR_BASIC_SCANNER, ECR_ENHANCED_SCANNER } from '../ecr/scannedImageFromEcr.js';
import { blockingSeverity, highestSeverity, isInspectorFinding } from '../findings/rules.js';
import type { ScannedImage } from '../model.js';
import type { RepositoryIdentity, StoredFinding } from '../ports.js';
import { type ActionFinding, ActionFindingSchema } from '../schemas.js';
import { isAtOrAbove, maxSeverity, type SeverityLabel } from '../severity.js';
import { check, findingIdOf } from './repositoryAction.js';

/**
 * The bounds of automatic work, so that no event can keep the function busy for long:
 *
 * - `findingsPerEvent`: findings of one "Findings - Imported" event that are looked at (Security Hub
 *   sends one per event); the rest are skipped with a reason.
 * - `imagesPerRelease`: images of a repository an automatic release verifies, one
 *   DescribeImageScanFindings each. A repository with more keeps its block; a person may unblock.
 * - `findingsPerHolderRead`: findings of one source (this tool's, Inspector's) that a release
 *   checks for one that holds the block. Past it, the block stays.
 */
export const AUTOMATIC_LIMITS = {
  findingsPerEvent: 10,
  imagesPerRelease: 1_000,
  findingsPerHolderRead: 1_000,
} as const;

/** Scanners whose findings can be checked against ECR's own scan of the image they name. */
const VERIFIABLE_SCANNERS: ReadonlySet<string> = new Set([ECR_BASIC_SCANNER.id, ECR_ENHANCED_SCANNER.id]);

/** A finding of a "Findings - Imported" event that passed the checks every action makes. */
export interface CheckedTrigger {
  /** `block`: active, not suppressed, at or above the threshold; `unknown`: no readable severity. */
  readonly asks: 'block' | 'release' | 'unknown';
  readonly finding: ActionFinding;
  readonly repository: RepositoryIdentity;
  /** The image of the repository the finding names, if any. */
  readonly digest: string | undefined;
  /** `ecr-basic`, `ecr-enhanced`, `trivy`, ... or `inspector` for Amazon Inspector's findings. */
  readonly scanner: string;
  /** Whether ECR's own scan can confirm it (ECR's scanners and Inspector's findings). */
  readonly verifiable: boolean;
}

/** What one finding of a "Findings - Imported" event asks of automatic remediation. */
export type Trigger =
  | { readonly asks: 'nothing'; readonly findingId: string | null; readonly reason: string }
  | CheckedTrigger;

/** Reads a trigger: the checks every action makes ({@link check}), then what it asks for. */
export function readTrigger(
  raw: unknown,
  config: {
    readonly accountId: string;
    readonly region?: string | undefined;
    readonly threshold: SeverityLabel;
  },
): Trigger {
  const checked = check(raw, config.accountId, config.region);
  if (!checked.ok) return { asks: 'nothing', findingId: findingIdOf(raw), reason: checked.reason };
  const { finding, repository } = checked;
  const digest = finding.Resources.map((r) => imageDigestIn(r.Id, repository)).find((d) => d !== undefined);
  const inspector = isInspectorFinding(finding);
  const scanner = inspector
    ? 'inspector'
    : (finding.GeneratorId.slice(PRODUCT_PREFIX.length + 1).split('/')[0] ?? '');
  const severity = blockingSeverity(finding);
  const asks =
    finding.RecordState === 'ARCHIVED' || finding.Workflow?.Status === 'SUPPRESSED'
      ? 'release'
      : severity === undefined
        ? 'unknown'
        : isAtOrAbove(severity, config.threshold)
          ? 'block'
          : 'release';
  return {
    asks,
    finding,
    repository,
    digest,
    scanner,
    verifiable: inspector || VERIFIABLE_SCANNERS.has(scanner),
  };
}

/** What ECR's own scan of one image says (DescribeImageScanFindings for its digest). */
export type ScanEvidence =
  | {
      readonly digest: string;
      readonly scanned: true;
      /** The highest severity of an active vulnerability; undefined for a clean image. */
      readonly highest: SeverityLabel | undefined;
      /** A vulnerability of that severity, for the reason. */
      readonly example: string | undefined;
    }
  | { readonly digest: string; readonly scanned: false; readonly reason: string };

/** The evidence of one completed scan. */
export function scanEvidenceOf(digest: string, scan: ScannedImage): ScanEvidence {
  let highest: SeverityLabel | undefined;
  let example: string | undefined;
  for (const v of scan.vulnerabilities) {
    if (highest === undefined || maxSeverity(highest, v.severity) !== highest) {
      highest = v.severity;
      example = v.id;
    }
  }
  return { digest, scanned: true, highest, example };
}

/** Whether ECR's scan of an image holds a block: no usable scan, or a vulnerability at or above the threshold. */
export function scanHolds(evidence: ScanEvidence, threshold: SeverityLabel): boolean {
  return !evidence.scanned || (evidence.highest !== undefined && isAtOrAbove(evidence.highest, threshold));
}

/** The verdict of an automatic block over its evidence. */
export type BlockVerdict = { readonly block: true } | { readonly block: false; readonly reason: string };

/**
 * Whether an automatic block may go ahead: the trigger asks for it, its scanner's findings can be
 * verified, and ECR's own scan of the image it names shows a vulnerability at or above the
 * threshold. The trigger's own severity is never enough: anyone who may import findings on the
 * account's default product can write it.
 */
export function blockVerdict(
  trigger: CheckedTrigger,
  scan: ScanEvidence | undefined,
  threshold: SeverityLabel,
): BlockVerdict {
  if (trigger.asks !== 'block') {
    return { block: false, reason: `the finding does not ask for a block (active at or above ${threshold})` };
  }
  if (!trigger.verifiable) {
    return {
      block: false,
      reason: `findings of ${trigger.scanner || 'an unknown scanner'} cannot be checked against ECR's own scan, so they never block automatically (a person may block from them)`,
    };
  }
  if (trigger.digest === undefined || scan === undefined) {
    return {
      block: false,
      reason: "the finding names no image of its repository to check against ECR's scan",
    };
  }
  if (!scan.scanned) {
    return {
      block: false,
      reason: `ECR's scan of ${scan.digest} does not confirm the finding: ${scan.reason}`,
    };
  }
  if (!scanHolds(scan, threshold)) {
    return {
      block: false,
      reason: `ECR's scan of ${scan.digest} shows nothing at or above ${threshold} (highest: ${scan.highest ?? 'none'}), so the finding is not confirmed`,
    };
  }
  return { block: true };
}

/**
 * Whether a finding in Security Hub (this tool's, of any scanner, or Inspector's) holds a block:
 * ACTIVE, not suppressed, about an image the repository holds now, and at or above the threshold
 * by any of its severity fields ({@link highestSeverity}). Such findings only ever hold a block
 * (the safe direction), so an unreadable one holds it too.
 */
export function findingHolds(
  stored: StoredFinding,
  context: {
    readonly repository: RepositoryIdentity;
    readonly digests: ReadonlySet<string>;
    readonly threshold: SeverityLabel;
  },
): boolean {
  const parsed = ActionFindingSchema.safeParse(stored);
  if (!parsed.success) return true;
  const finding = parsed.data;
  if (finding.RecordState === 'ARCHIVED' || finding.Workflow?.Status === 'SUPPRESSED') return false;
  const names = finding.Resources.some((r) => {
    const digest = imageDigestIn(r.Id, context.repository);
    return digest !== undefined && context.digests.has(digest);
  });
  if (!names) return false;
  const severity = highestSeverity(finding);
  return severity === undefined || isAtOrAbove(severity, context.threshold);
}

/** The first fact found that holds a block; the shell stops reading there. */
export type Holder =
  | { readonly kind: 'finding'; readonly source: 'ours' | 'inspector'; readonly id: string }
  | { readonly kind: 'unchecked'; readonly source: 'ours' | 'inspector'; readonly limit: number }
  | { readonly kind: 'scan'; readonly evidence: ScanEvidence };

/** What an automatic release gathered, in the order it reads: policy, images, findings, scans. */
export interface ReleaseEvidence {
  /** Whether the repository policy carries our statement. */
  readonly blocked: boolean;
  /** The images the repository holds, read up to `limit + 1`. */
  readonly images?: { readonly digests: readonly string[]; readonly limit: number };
  /** The first fact that holds the block, if one was found. */
  readonly holder?: Holder;
}

/** The verdict of an automatic release over its evidence. */
export type ReleaseVerdict =
  | { readonly release: true; readonly images: number }
  | { readonly release: false; readonly reason: string };

const SOURCE_NAME = { ours: 'this tool', inspector: 'Amazon Inspector' } as const;

/**
 * Whether an automatic release may go ahead: our statement is there, the repository holds no more
 * images than can be verified, and nothing holds the block: for every image, ECR's scan completed
 * and shows nothing at or above the threshold; no active finding of Amazon Inspector or of this
 * tool (any scanner, Trivy and Grype included) about those images is at or above it.
 */
export function releaseVerdict(evidence: ReleaseEvidence, threshold: SeverityLabel): ReleaseVerdict {
  if (!evidence.blocked) return { release: false, reason: 'the repository is not blocked by this tool' };
  if (evidence.images === undefined)
    return { release: false, reason: 'the images of the repository were not read' };
  const { digests, limit } = evidence.images;
  if (digests.length > limit) {
    return {
      release: false,
      reason: `the repository holds more than ${limit} images, more than automatic unblock verifies; the block stays (a person may unblock)`,
    };
  }
  const holder = evidence.holder;
  if (holder === undefined) return { release: true, images: digests.length };
  switch (holder.kind) {
    case 'finding':
      return {
        release: false,
        reason: `an active finding of ${SOURCE_NAME[holder.source]} at or above ${threshold} still holds the block: ${holder.id}`,
      };
    case 'unchecked':
      return {
        release: false,
        reason: `more than ${holder.limit} findings of ${SOURCE_NAME[holder.source]} to check; the block stays`,
      };
    case 'scan': {
      const scan = holder.evidence;
      return {
        release: false,
        reason: scan.scanned
          ? `ECR's scan of image ${scan.digest} shows ${scan.example} at ${scan.highest}, at or above ${threshold}; the block stays`
          : `image ${scan.digest} has no usable ECR scan (${scan.reason}); the block stays`,
      };
    }
  }
}

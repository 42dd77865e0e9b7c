/**
 * The shell of automatic remediation: it reads each fact once, in the order that lets it stop
 * early, and leaves every decision to the pure verdicts of remediationVerdict.ts.
 */

import { repositoryArn } from '../asff/identity.js';
import { DEFAULT_SEVERITY_THRESHOLD } from '../config.js';
import { InvalidInputError, ResourceNotFoundError, ScanNotCompleteError } from '../errors.js';
import type { ExceptionStore } from '../exceptions/ports.js';
import { type ActiveExceptions, isExcepted, withoutExcepted } from '../exceptions/remediationExceptions.js';
import { isBlocked, parsePolicy, validateExemptPrincipals } from '../policy/denyPolicy.js';
import type {
  RepositoryFindings,
  RepositoryIdentity,
  RepositoryImages,
  ScanFindingsSource,
} from '../ports.js';
import type { SeverityLabel } from '../severity.js';
import {
  AUTOMATIC_LIMITS,
  blockVerdict,
  type CheckedTrigger,
  findingHolds,
  type Holder,
  type ReleaseEvidence,
  readTrigger,
  releaseVerdict,
  type ScanEvidence,
  scanEvidenceOf,
  scanHolds,
  type Trigger,
} from './remediationVerdict.js';
import {
  type ActionContext,
  audit,
  changeRepositoryPolicy,
  markAfter,
  type RepositoryActionConfig,
  type RepositoryActionDeps,
  type RepositoryActionOutcome,
} from './repositoryAction.js';

/** What a rule may do without a person. Both are off unless turned on. */
export interface AutomaticRemediationConfig extends RepositoryActionConfig {
  /** Block the repository when ECR's own scan confirms a finding at or above the threshold. */
  readonly block: boolean;
  /** Remove our block when the evidence shows nothing at or above the threshold in the repository. */
  readonly unblock: boolean;
}

/**
 * Dependencies of automatic remediation: besides the policy store and the audit trail, the facts
 * a forger cannot write. `scans` is ECR's own scan of an image (DescribeImageScanFindings),
 * `images` the image list (ListImages), `findings` the findings in Security Hub that may only
 * hold a block (this tool's and Amazon Inspector's).
 */
export interface AutomaticRemediationDeps extends RepositoryActionDeps {
  readonly scans: ScanFindingsSource;
  readonly images?: RepositoryImages;
  readonly findings?: RepositoryFindings;
  /** Exceptions: a vulnerability an active exception covers neither asks for a block nor holds one. */
  readonly exceptions?: Pick<ExceptionStore, 'list'>;
}

/** The exceptions of the deps at `now`, read once; undefined without a store. */
async function activeExceptions(
  deps: AutomaticRemediationDeps,
  now: string,
): Promise<ActiveExceptions | undefined> {
  return deps.exceptions ? { records: await deps.exceptions.list(), now } : undefined;
}

/** One finding's outcome; `failed` when reading or writing broke (the event should be retried). */
export type AutomaticOutcome =
  | RepositoryActionOutcome
  | { readonly status: 'failed'; readonly findingId: string | null; readonly error: string };

const skipped = (findingId: string | null, reason: string): RepositoryActionOutcome => ({
  status: 'skipped',
  findingId,
  reason,
});

/**
 * Use case "findings were imported, and no person is asked" (one "Security Hub Findings -
 * Imported" event): each finding is a trigger, never the evidence. At most
 * {@link AUTOMATIC_LIMITS}.findingsPerEvent findings are handled, and each repository once per
 * event; the others get a reasoned `skipped` outcome. A finding whose handling throws (an outage,
 * an unreadable policy) is a `failed` outcome, and the others are still handled.
 */
export async function remediateImportedFindings(
  deps: AutomaticRemediationDeps,
  rawFindings: readonly unknown[],
  config: AutomaticRemediationConfig,
  context: Omit<ActionContext, 'automatic'>,
): Promise<AutomaticOutcome[]> {
  const limit = AUTOMATIC_LIMITS.findingsPerEvent;
  const threshold = config.severityThreshold ?? DEFAULT_SEVERITY_THRESHOLD;
  const seen = new Set<string>();
  const outcomes: AutomaticOutcome[] = [];
  for (const [index, raw] of rawFindings.entries()) {
    const trigger = readTrigger(raw, { accountId: config.accountId, region: config.region, threshold });
    const findingId = trigger.asks === 'nothing' ? trigger.findingId : trigger.finding.Id;
    if (index >= limit) {
      outcomes.push(
        skipped(
          findingId,
          `the event carries ${rawFindings.length} findings; automatic remediation handles the first ${limit} of an event`,
        ),
      );
      continue;
    }
    if (trigger.asks !== 'nothing') {
      const { accountId, region, repositoryName } = trigger.repository;
      const key = repositoryArn(region, accountId, repositoryName);
      if (seen.has(key)) {
        outcomes.push(
          skipped(findingId, `repository ${key} is handled once per event, already for another finding`),
        );
        continue;
      }
      seen.add(key);
    }
    try {
      outcomes.push(await remediateTrigger(deps, trigger, config, context));
    } catch (error) {
      outcomes.push({
        status: 'failed',
        findingId,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  }
  return outcomes;
}

/**
 * Use case "one finding changed, and no person is asked": a finding that asks for a block blocks
 * its repository when `config.block` is on and ECR's own scan of the image confirms it
 * ({@link blockVerdict}); any other may release the repository when `config.unblock` is on and the
 * evidence allows it ({@link releaseRepository}). Everything else is a reasoned `skipped` outcome.
 *
 * @throws PolicyUnreadableError when the current policy cannot be read (it is left untouched)
 */
export async function remediateAutomatically(
  deps: AutomaticRemediationDeps,
  rawFinding: unknown,
  config: AutomaticRemediationConfig,
  context: Omit<ActionContext, 'automatic'>,
): Promise<RepositoryActionOutcome> {
  const threshold = config.severityThreshold ?? DEFAULT_SEVERITY_THRESHOLD;
  return remediateTrigger(
    deps,
    readTrigger(rawFinding, { accountId: config.accountId, region: config.region, threshold }),
    config,
    context,
  );
}

async function remediateTrigger(
  deps: AutomaticRemediationDeps,
  trigger: Trigger,
  config: AutomaticRemediationConfig,
  context: Omit<ActionContext, 'automatic'>,
): Promise<RepositoryActionOutcome> {
  if (trigger.asks === 'nothing') return skipped(trigger.findingId, trigger.reason);
  const threshold = config.severityThreshold ?? DEFAULT_SEVERITY_THRESHOLD;
  const id = trigger.finding.Id;
  // A repository deleted since the finding was imported is nothing to act on, not a failure.
  const gone = (error: unknown): RepositoryActionOutcome => {
    if (error instanceof ResourceNotFoundError && error.kind === 'repository') {
      return skipped(id, `the repository no longer exists (${error.message})`);
    }
    throw error;
  };
  if (trigger.asks === 'block') {
    if (!config.block) return skipped(id, 'automatic blocking is off');
    return blockConfirmed(deps, trigger, config, context).catch(gone);
  }
  if (trigger.asks === 'unknown') return skipped(id, 'the finding has no severity');
  if (!config.unblock) {
    return skipped(
      id,
      `the finding does not ask for a block (archived, suppressed or below ${threshold}) and automatic unblock is off`,
    );
  }
  return releaseRepository(deps, trigger, { severityThreshold: threshold }, context).catch(gone);
}

/** Blocks when ECR's own scan of the trigger's image confirms it; writes the audit note only on a change. */
async function blockConfirmed(
  deps: AutomaticRemediationDeps,
  trigger: CheckedTrigger,
  config: AutomaticRemediationConfig,
  context: Omit<ActionContext, 'automatic'>,
): Promise<RepositoryActionOutcome> {
  const exempt = validateExemptPrincipals(config.exemptPrincipalArns ?? []);
  const threshold = config.severityThreshold ?? DEFAULT_SEVERITY_THRESHOLD;
  const { finding, repository, digest } = trigger;
  const exceptions = await activeExceptions(deps, context.now);
  const scan =
    trigger.verifiable && digest !== undefined
      ? await readScan(deps.scans, repository, digest, exceptions)
      : undefined;
  const verdict = blockVerdict(trigger, scan, threshold);
  if (!verdict.block) return skipped(finding.Id, verdict.reason);
  const change = await changeRepositoryPolicy(deps.policies, repository, 'block', {
    exemptPrincipalArns: exempt,
  });
  const arn = repositoryArn(repository.region, repository.accountId, repository.repositoryName);
  return {
    status: 'blocked',
    findingId: finding.Id,
    repository,
    repositoryArn: arn,
    changed: change.changed,
    policyDeleted: false,
    // The note makes Security Hub send the finding again; an unchanged policy writes none, which ends that loop.
    audit: change.changed
      ? await audit(deps.audit, finding, {
          action: 'block',
          outcome: `pulls denied: ECR's scan of ${digest} confirms ${scan?.scanned ? scan.highest : threshold}`,
          repositoryArn: arn,
          at: context.now,
          by: context.actor,
        })
      : { recorded: false, skipped: 'automatic remediation records changes only' },
    ...(await markAfter(deps, repository, true, change.changed)),
  };
}

/**
 * ECR's own scan of one image. A scan that is missing, incomplete or unreadable is evidence too
 * ("no usable scan"); only a missing repository and broken infrastructure throw.
 */
async function readScan(
  scans: ScanFindingsSource,
  repository: RepositoryIdentity,
  digest: string,
  exceptions?: ActiveExceptions,
): Promise<ScanEvidence> {
  try {
    const scan = await scans.getScan({
      accountId: repository.accountId,
      repositoryName: repository.repositoryName,
      imageDigest: digest,
    });
    return scanEvidenceOf(digest, withoutExcepted(scan, exceptions).scan);
  } catch (error) {
    if (error instanceof ResourceNotFoundError && error.kind !== 'repository') {
      return { digest, scanned: false, reason: `no ${error.kind}: ${error.message}` };
    }
    if (error instanceof ScanNotCompleteError || error instanceof InvalidInputError) {
      return { digest, scanned: false, reason: error.message };
    }
    throw error;
  }
}

/**
 * Gathers the evidence of a release, each fact once and stopping at the first that holds the
 * block: the policy (is our statement there?), the image list (at most
 * {@link AUTOMATIC_LIMITS}.imagesPerRelease + 1 digests), this tool's and then Amazon Inspector's
 * active findings at or above the threshold about those images, and ECR's scan of each image.
 */
async function gatherReleaseEvidence(
  deps: AutomaticRemediationDeps,
  repository: RepositoryIdentity,
  threshold: SeverityLabel,
  exceptions?: ActiveExceptions,
): Promise<ReleaseEvidence> {
  const blocked = isBlocked(parsePolicy(await deps.policies.get(repository)));
  if (!blocked || !deps.images || !deps.findings) return { blocked };
  const limit = AUTOMATIC_LIMITS.imagesPerRelease;
  const digests = await deps.images.digestsOf(repository, { limit });
  const images = { digests, limit };
  if (digests.length > limit) return { blocked, images };
  const context = { repository, digests: new Set(digests), threshold };
  const holderLimit = AUTOMATIC_LIMITS.findingsPerHolderRead;
  for (const source of ['ours', 'inspector'] as const) {
    const search = await deps.findings.firstHolder(repository, {
      source,
      atOrAbove: threshold,
      limit: holderLimit,
      holds: (f) => findingHolds(f, context) && !isExcepted(f, exceptions),
    });
    const holder: Holder | undefined = search.holder
      ? { kind: 'finding', source, id: search.holder.Id }
      : search.complete
        ? undefined
        : { kind: 'unchecked', source, limit: holderLimit };
    if (holder) return { blocked, images, holder };
  }
  for (const digest of digests) {
    const evidence = await readScan(deps.scans, repository, digest, exceptions);
    if (scanHolds(evidence, threshold)) return { blocked, images, holder: { kind: 'scan', evidence } };
  }
  return { blocked, images };
}

/**
 * Use case "automatic unblock": remove our Deny statement (and only it) from the repository of the
 * triggering finding, and say why on that finding's audit trail, only when the evidence allows it
 * ({@link releaseVerdict}). The trigger only starts the attempt: what it says (archived, LOW,
 * suppressed) counts for nothing, since anyone who may import findings on the default product can
 * write it. Findings in Security Hub can only hold the block. The policy is read once at the start
 * (most repositories are not blocked, and this ends there) and once more, by the write itself,
 * right before writing: ECR has no conditional write, and a person's click in the other function
 * may have changed it while the evidence was read.
 *
 * @throws PolicyUnreadableError when the current policy cannot be read (it is left untouched)
 */
export async function releaseRepository(
  deps: AutomaticRemediationDeps,
  trigger: CheckedTrigger,
  config: Pick<RepositoryActionConfig, 'severityThreshold'>,
  context: Omit<ActionContext, 'automatic'>,
): Promise<RepositoryActionOutcome> {
  const { finding, repository } = trigger;
  const threshold = config.severityThreshold ?? DEFAULT_SEVERITY_THRESHOLD;
  if (!deps.images || !deps.findings)
    return skipped(finding.Id, 'no image list or findings store configured');
  const exceptions = await activeExceptions(deps, context.now);
  const verdict = releaseVerdict(
    await gatherReleaseEvidence(deps, repository, threshold, exceptions),
    threshold,
  );
  if (!verdict.release) return skipped(finding.Id, verdict.reason);
  const change = await changeRepositoryPolicy(deps.policies, repository, 'unblock');
  const arn = repositoryArn(repository.region, repository.accountId, repository.repositoryName);
  return {
    status: 'unblocked',
    findingId: finding.Id,
    repository,
    repositoryArn: arn,
    changed: change.changed,
    policyDeleted: change.deleted,
    audit: change.changed
      ? await audit(deps.audit, finding, {
          action: 'unblock',
          outcome: `pulls allowed: ECR's scans of the repository's ${verdict.images} image(s) and Amazon Inspector show nothing at or above ${threshold}${change.deleted ? ', policy deleted' : ''}`,
          repositoryArn: arn,
          at: context.now,
          by: context.actor,
        })
      : { recorded: false, skipped: 'automatic remediation records changes only' },
    ...(await markAfter(deps, repository, false, change.changed)),
  };
}

import { imageDigestIn, productArn, repositoryArn } from '../asff/identity.js';
import { ResourceNotFoundError } from '../errors.js';
import { isBlocked, parsePolicy } from '../policy/denyPolicy.js';
import type { RepositoryFindings, RepositoryIdentity, RepositoryImages, StoredFinding } from '../ports.js';
import { type ActionFinding, ActionFindingSchema } from '../schemas.js';
import { isAtOrAbove, type SeverityLabel } from '../severity.js';
import { PARSE_IN_ENGLISH } from '../zodLocale.js';
import { instant } from './reconcileScan.js';
import {
  type ActionContext,
  audit,
  blockRepository,
  changeRepositoryPolicy,
  check,
  findingIdOf,
  highestSeverityOf,
  type RepositoryActionConfig,
  type RepositoryActionDeps,
  type RepositoryActionOutcome,
  severityOf,
} from './repositoryAction.js';

/** What a rule may do without a person. Both are off unless turned on. */
export interface AutomaticRemediationConfig extends RepositoryActionConfig {
  /** Block the repository of an active finding at or above the threshold. */
  readonly block: boolean;
  /** Remove our block when the repository has no active finding at or above the threshold any more. */
  readonly unblock: boolean;
}

/** Dependencies of automatic remediation; `findings` and `images` are needed for automatic unblock only. */
export interface AutomaticRemediationDeps extends RepositoryActionDeps {
  readonly findings?: RepositoryFindings;
  readonly images?: RepositoryImages;
}

/**
 * Whether a finding asks for its repository to be blocked: active, not suppressed by a person,
 * and of a severity at or above the threshold. A finding of unknown severity cannot say. A block
 * reads the severity as {@link severityOf} does (a person's triage counts); a release reads it as
 * {@link highestSeverityOf} does (unblocking relaxes security, so no field may be ignored).
 */
function verdict(
  finding: ActionFinding,
  threshold: SeverityLabel,
  severityOfFinding: (finding: ActionFinding) => SeverityLabel | undefined = severityOf,
): 'block' | 'release' | 'unknown' {
  if (finding.RecordState === 'ARCHIVED' || finding.Workflow?.Status === 'SUPPRESSED') return 'release';
  const severity = severityOfFinding(finding);
  if (severity === undefined) return 'unknown';
  return isAtOrAbove(severity, threshold) ? 'block' : 'release';
}

const releaseVerdict = (finding: ActionFinding, threshold: SeverityLabel) =>
  verdict(finding, threshold, highestSeverityOf);

/**
 * Use case "a finding changed, and no person is asked" (a "Security Hub Findings - Imported"
 * event of an image finding): a finding that asks for a block blocks its repository when
 * `config.block` is on ({@link blockRepository} with `automatic`); any other finding (archived,
 * suppressed, or below the threshold now) may release the repository when `config.unblock` is on
 * ({@link releaseRepository}). Everything else is a reasoned "skipped" outcome.
 *
 * @throws PolicyUnreadableError when the current policy cannot be read (it is left untouched)
 */
export async function remediateAutomatically(
  deps: AutomaticRemediationDeps,
  rawFinding: unknown,
  config: AutomaticRemediationConfig,
  context: Omit<ActionContext, 'automatic'>,
): Promise<RepositoryActionOutcome> {
  const checked = check(rawFinding, config.accountId, config.region);
  if (!checked.ok) return { status: 'skipped', findingId: findingIdOf(rawFinding), reason: checked.reason };
  const threshold = config.severityThreshold ?? 'HIGH';
  const decision = verdict(checked.finding, threshold);
  // A repository deleted since the finding was imported is nothing to act on, not a failure.
  const gone = (error: unknown): RepositoryActionOutcome => {
    if (error instanceof ResourceNotFoundError && error.kind === 'repository') {
      return {
        status: 'skipped',
        findingId: checked.finding.Id,
        reason: `the repository no longer exists (${error.message})`,
      };
    }
    throw error;
  };
  if (decision === 'block') {
    return config.block
      ? blockRepository(deps, rawFinding, config, { ...context, automatic: true }).catch(gone)
      : { status: 'skipped', findingId: checked.finding.Id, reason: 'automatic blocking is off' };
  }
  if (decision === 'unknown') {
    return { status: 'skipped', findingId: checked.finding.Id, reason: 'the finding has no severity' };
  }
  if (!config.unblock) {
    return {
      status: 'skipped',
      findingId: checked.finding.Id,
      reason: `the finding does not ask for a block (archived, suppressed or below ${threshold}) and automatic unblock is off`,
    };
  }
  return releaseRepository(deps, rawFinding, config, context).catch(gone);
}

/**
 * Use case "automatic unblock": remove our Deny statement (and only it) from the repository of the
 * finding, and say why on the finding's audit trail, only when all of this holds:
 *
 * - the repository carries our statement (one policy read settles the common case);
 * - every image the repository holds now has an ACTIVE image finding of this tool, and none of
 *   them asks for a block: an image never scanned, or whose findings expired (Security Hub deletes
 *   a finding 90 days after its last update) or were archived while it stays, cannot be called clean;
 * - no ACTIVE, unsuppressed finding of this tool or of Amazon Inspector about the repository's
 *   images is at or above the threshold.
 *
 * The triggering finding counts as the event has it, unless the store holds a newer copy of it
 * in any state (a later UpdatedAt, or the same UpdatedAt and a later ProcessedAt; an event whose
 * times cannot be read loses): a stale event, delivered late or redriven, never outweighs what
 * Security Hub shows now. Severity is the higher of the person's and the provider's. A stored
 * finding that cannot be read keeps the block; nothing is assumed fixed. Only image findings of
 * this tool about an image of this repository make an image known.
 *
 * @throws PolicyUnreadableError when the current policy cannot be read (it is left untouched)
 */
export async function releaseRepository(
  deps: AutomaticRemediationDeps,
  rawFinding: unknown,
  config: Pick<RepositoryActionConfig, 'accountId' | 'region' | 'severityThreshold'>,
  context: Omit<ActionContext, 'automatic'>,
): Promise<RepositoryActionOutcome> {
  const checked = check(rawFinding, config.accountId, config.region);
  if (!checked.ok) return { status: 'skipped', findingId: findingIdOf(rawFinding), reason: checked.reason };
  const { finding, repository } = checked;
  const skipped = (reason: string): RepositoryActionOutcome => ({
    status: 'skipped',
    findingId: finding.Id,
    reason,
  });
  const threshold = config.severityThreshold ?? 'HIGH';
  if (releaseVerdict(finding, threshold) !== 'release') {
    return skipped(`the finding itself is active at or above ${threshold} (or of unknown severity)`);
  }
  if (!isBlocked(parsePolicy(await deps.policies.get(repository)))) {
    return skipped('the repository is not blocked by this tool');
  }
  if (!deps.findings || !deps.images) return skipped('no findings store or image list configured');
  const identity = {
    accountId: repository.registryId,
    region: repository.region,
    repositoryName: repository.repositoryName,
  };

  // The finding as Security Hub holds it now, if that is newer than the event (a stale event,
  // delivered late or redriven), or if the event's time cannot be read.
  const event = rawFinding as StoredFinding;
  const stored = await deps.findings.findingById({ id: finding.Id, productArn: finding.ProductArn });
  if (stored === undefined && Number.isNaN(timeOf(event.UpdatedAt))) {
    return skipped(
      'the event has no readable UpdatedAt and Security Hub holds no copy of the finding to confirm it',
    );
  }
  const trigger = stored !== undefined && isNewer(stored, event) ? stored : event;
  if (trigger !== event && holdsBlock(trigger, threshold)) {
    return skipped(
      `a newer state of the finding (updated ${String(trigger.UpdatedAt)}) still asks for the block`,
    );
  }
  // Whichever copy of the triggering finding is newest counts, also one the later reads return.
  const current = (f: StoredFinding): StoredFinding =>
    f.Id !== finding.Id ? f : isNewer(f, trigger) ? f : trigger;

  // Every image there is now must be known, by an active image finding of this tool about it.
  const digests = await deps.images.digestsOf(repository);
  const imageFindings = [
    ...(await deps.findings.activeImageFindingsOfRepository(identity)).map(current),
    trigger,
  ].filter((f) => isImageFindingOf(f, identity, config.accountId));
  const known = new Set<string>();
  for (const f of imageFindings) {
    const digest = digestOf(f, identity);
    if (digest !== undefined && f.RecordState !== 'ARCHIVED') known.add(digest);
  }
  const unknown = digests.filter((digest) => !known.has(digest));
  if (unknown.length > 0) {
    return skipped(
      `${unknown.length} image(s) of the repository have no active image finding of this tool (never scanned, or their findings expired or were archived), e.g. ${unknown[0]}; the block stays`,
    );
  }
  // Nothing about those images may ask for the block: image and vulnerability findings of this
  // tool, and Amazon Inspector's own.
  const candidates = [
    ...imageFindings,
    ...(await deps.findings.activeFindingsOfRepository(identity, { atOrAbove: threshold })).map(current),
  ];
  const holders = candidates.filter(
    (f, index) => candidates.findIndex((other) => other.Id === f.Id) === index && holdsBlock(f, threshold),
  );
  if (holders.length > 0) {
    return skipped(
      `${holders.length} active finding(s) at or above ${threshold} still hold the block, e.g. ${holders[0]?.Id}`,
    );
  }
  const change = await changeRepositoryPolicy(deps.policies, repository, 'unblock');
  const arn = repositoryArn(repository.region, repository.registryId, repository.repositoryName);
  return {
    status: 'unblocked',
    findingId: finding.Id,
    repository,
    repositoryArn: arn,
    changed: change.changed,
    policyDeleted: change.deleted,
    // Only a change is recorded: the note makes Security Hub send the finding again, and an
    // unchanged policy must end that loop (as automatic blocking does).
    audit: change.changed
      ? await audit(deps.audit, finding, {
          action: 'unblock',
          outcome: `pulls allowed: every image of the repository is below ${threshold}${change.deleted ? ', policy deleted' : ''}`,
          repositoryArn: arn,
          at: context.now,
          by: context.actor,
        })
      : { recorded: false, skipped: 'automatic remediation records changes only' },
  };
}

/**
 * Whether the stored copy of a finding is newer than the event's: a later UpdatedAt, or a later
 * ProcessedAt at the same UpdatedAt. An event whose times cannot be read loses (fail closed).
 */
function isNewer(stored: StoredFinding, event: StoredFinding): boolean {
  const [storedUpdate, eventUpdate] = [timeOf(stored.UpdatedAt), timeOf(event.UpdatedAt)];
  if (Number.isNaN(eventUpdate)) return true;
  if (!Number.isNaN(storedUpdate) && storedUpdate !== eventUpdate) return storedUpdate > eventUpdate;
  const [storedProcessed, eventProcessed] = [timeOf(stored.ProcessedAt), timeOf(event.ProcessedAt)];
  if (Number.isNaN(eventProcessed)) return !Number.isNaN(storedProcessed);
  return storedProcessed > eventProcessed;
}

/** Milliseconds of an ISO timestamp; NaN for anything else. */
function timeOf(value: unknown): number {
  return typeof value === 'string' ? instant(value) : Number.NaN;
}

const OUR_IMAGE_GENERATOR = /^ecr-compliance\/[^/]+\/image$/;

/** An image-level finding of this tool (this account's default product) about an image of the repository. */
function isImageFindingOf(
  finding: StoredFinding,
  repository: RepositoryIdentity,
  accountId: string,
): boolean {
  return (
    finding.ProductArn === productArn(repository.region, accountId) &&
    OUR_IMAGE_GENERATOR.test(finding.GeneratorId) &&
    digestOf(finding, repository) !== undefined
  );
}

/** The digest of the image of `repository` that a finding is about, from its ECR image resources. */
function digestOf(finding: StoredFinding, repository: RepositoryIdentity): string | undefined {
  const resources = (finding as { Resources?: unknown }).Resources;
  if (!Array.isArray(resources)) return undefined;
  for (const resource of resources) {
    const id = (resource as { Id?: unknown } | null)?.Id;
    const digest = typeof id === 'string' ? imageDigestIn(id, repository) : undefined;
    if (digest !== undefined) return digest;
  }
  return undefined;
}

function holdsBlock(stored: StoredFinding, threshold: SeverityLabel): boolean {
  const parsed = ActionFindingSchema.safeParse(stored, PARSE_IN_ENGLISH);
  if (!parsed.success) return true;
  return releaseVerdict(parsed.data, threshold) !== 'release';
}

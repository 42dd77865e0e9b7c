import { parseEcrArn, repositoryArn } from '../asff/identity.js';
import { isBlocked, parsePolicy } from '../policy/denyPolicy.js';
import type { RepositoryFindings, RepositoryImages, StoredFinding } from '../ports.js';
import { type ActionFinding, ActionFindingSchema } from '../schemas.js';
import { isAtOrAbove, type SeverityLabel } from '../severity.js';
import {
  type ActionContext,
  audit,
  blockRepository,
  changeRepositoryPolicy,
  check,
  findingIdOf,
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
 * and of a severity at or above the threshold. A finding of unknown severity cannot say.
 */
function verdict(finding: ActionFinding, threshold: SeverityLabel): 'block' | 'release' | 'unknown' {
  if (finding.RecordState === 'ARCHIVED' || finding.Workflow?.Status === 'SUPPRESSED') return 'release';
  const severity = severityOf(finding);
  if (severity === undefined) return 'unknown';
  return isAtOrAbove(severity, threshold) ? 'block' : 'release';
}

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
  if (decision === 'block') {
    return config.block
      ? blockRepository(deps, rawFinding, config, { ...context, automatic: true })
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
  return releaseRepository(deps, rawFinding, config, context);
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
 * (a later UpdatedAt, or the same UpdatedAt and a later ProcessedAt): a stale event, delivered
 * late or redriven, never outweighs what Security Hub shows now. A stored finding that cannot be
 * read keeps the block; nothing is assumed fixed.
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
  if (verdict(finding, threshold) !== 'release') {
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
  const trigger = rawFinding as StoredFinding;
  const current = (stored: StoredFinding): StoredFinding =>
    stored.Id === finding.Id && !isNewer(stored, trigger) ? trigger : stored;

  // Every image there is now must be known, and known not to ask for a block.
  const digests = await deps.images.digestsOf(repository);
  const imageFindings = (await deps.findings.activeImageFindingsOfRepository(identity)).map(current);
  if (!imageFindings.some((f) => f.Id === finding.Id) && digestOf(trigger) !== undefined) {
    imageFindings.push(trigger);
  }
  const known = new Set<string>();
  for (const f of imageFindings) {
    const digest = digestOf(f);
    if (digest !== undefined && f.RecordState !== 'ARCHIVED') known.add(digest);
  }
  const unknown = digests.filter((digest) => !known.has(digest));
  if (unknown.length > 0) {
    return skipped(
      `${unknown.length} image(s) of the repository have no active image finding of this tool (never scanned, or their findings expired or were archived), e.g. ${unknown[0]}; the block stays`,
    );
  }
  const holders = [
    ...imageFindings,
    ...(await deps.findings.activeFindingsOfRepository(identity, { atOrAbove: threshold })).map(current),
  ].filter(
    (f, index, all) => all.findIndex((other) => other.Id === f.Id) === index && holdsBlock(f, threshold),
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

/** Whether the stored copy of a finding is newer than the event's: a later UpdatedAt, or a later ProcessedAt at the same UpdatedAt. */
function isNewer(stored: StoredFinding, event: StoredFinding): boolean {
  const time = (value: unknown) => (typeof value === 'string' ? Date.parse(value) : Number.NaN);
  const [storedUpdate, eventUpdate] = [time(stored.UpdatedAt), time(event.UpdatedAt)];
  if (!Number.isNaN(storedUpdate) && !Number.isNaN(eventUpdate) && storedUpdate !== eventUpdate) {
    return storedUpdate > eventUpdate;
  }
  return time(stored.ProcessedAt) > time(event.ProcessedAt);
}

/** The digest of the image a finding is about: from its first ECR image resource. */
function digestOf(finding: StoredFinding): string | undefined {
  const resources = (finding as { Resources?: unknown }).Resources;
  if (!Array.isArray(resources)) return undefined;
  for (const resource of resources) {
    const id = (resource as { Id?: unknown } | null)?.Id;
    const digest = typeof id === 'string' ? parseEcrArn(id)?.imageDigest : undefined;
    if (digest !== undefined) return digest;
  }
  return undefined;
}

function holdsBlock(stored: StoredFinding, threshold: SeverityLabel): boolean {
  const parsed = ActionFindingSchema.safeParse(stored);
  if (!parsed.success) return true;
  return verdict(parsed.data, threshold) !== 'release';
}

import { repositoryArn } from '../asff/identity.js';
import { isBlocked, parsePolicy } from '../policy/denyPolicy.js';
import type { RepositoryFindings, StoredFinding } from '../ports.js';
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

/** Dependencies of automatic remediation; `findings` is needed for automatic unblock only. */
export interface AutomaticRemediationDeps extends RepositoryActionDeps {
  readonly findings?: RepositoryFindings;
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
 * Use case "automatic unblock": when the repository of the finding carries our Deny statement and
 * no active, unsuppressed finding of this tool (image or vulnerability finding, of any image of the
 * repository) at or above the threshold is left, remove
 * the statement (and only it) and say so on the finding's audit trail. The triggering finding
 * counts as it is in the event (the newest state); the store is read for the repository's others.
 * A stored finding that cannot be read as a finding keeps the block (nothing is assumed fixed).
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
  const threshold = config.severityThreshold ?? 'HIGH';
  if (verdict(finding, threshold) !== 'release') {
    return {
      status: 'skipped',
      findingId: finding.Id,
      reason: `the finding itself is active at or above ${threshold} (or of unknown severity)`,
    };
  }
  // Cheapest first: one policy read settles the common case of a repository that is not blocked.
  if (!isBlocked(parsePolicy(await deps.policies.get(repository)))) {
    return { status: 'skipped', findingId: finding.Id, reason: 'the repository is not blocked by this tool' };
  }
  if (!deps.findings) {
    return { status: 'skipped', findingId: finding.Id, reason: 'no findings store configured' };
  }
  const others = await deps.findings.activeFindingsOfRepository(
    {
      accountId: repository.registryId,
      region: repository.region,
      repositoryName: repository.repositoryName,
    },
    { atOrAbove: threshold },
  );
  const holding = others.filter((f) => f.Id !== finding.Id && holdsBlock(f, threshold));
  if (holding.length > 0) {
    return {
      status: 'skipped',
      findingId: finding.Id,
      reason: `${holding.length} active finding(s) at or above ${threshold} still hold the block, e.g. ${holding[0]?.Id}`,
    };
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
          outcome: `pulls allowed: no active finding at or above ${threshold} left in the repository${change.deleted ? ', policy deleted' : ''}`,
          repositoryArn: arn,
          at: context.now,
          by: context.actor,
        })
      : { recorded: false, skipped: 'automatic remediation records changes only' },
  };
}

function holdsBlock(stored: StoredFinding, threshold: SeverityLabel): boolean {
  const parsed = ActionFindingSchema.safeParse(stored);
  if (!parsed.success) return true;
  return verdict(parsed.data, threshold) !== 'release';
}

import { PRODUCT_PREFIX, repositoryArn } from '../asff/identity.js';
import { DEFAULT_SEVERITY_THRESHOLD } from '../config.js';
import { type ExceptionCandidate, markedException } from '../exceptions/exceptionEffects.js';
import { blockingSeverity, originOf, productPlaceOf } from '../findings/rules.js';
import { formatPath } from '../parse.js';
import {
  blockPolicy,
  type PolicyDocument,
  unblockPolicy,
  validateExemptPrincipals,
} from '../policy/denyPolicy.js';
import type {
  AuditTrail,
  BlockMarks,
  RepositoryIdentity,
  RepositoryPolicyStore,
  RepositoryReference,
} from '../ports.js';
import { type ActionFinding, ActionFindingSchema } from '../schemas.js';
import { isAtOrAbove, type SeverityLabel } from '../severity.js';
import { PARSE_IN_ENGLISH } from '../zodLocale.js';
import { targetRepositoryOf } from './actionTarget.js';
import { type BlockMarkOutcome, markRepository } from './blockMark.js';

/** Configuration of the block and unblock use cases. */
export interface RepositoryActionConfig {
  /** The account this code runs in and acts on; findings of other accounts are refused. */
  readonly accountId: string;
  /** The region this code acts in; findings of repositories in other regions are refused. */
  readonly region?: string;
  /** Blocking acts only on findings at or above this severity. @default 'HIGH' */
  readonly severityThreshold?: SeverityLabel;
  /** Principals that keep pull access when blocked. @default [] */
  readonly exemptPrincipalArns?: readonly string[];
  /** Accept wildcards in a role's path or name prefix among `exemptPrincipalArns`. @default false */
  readonly allowBroadExemptions?: boolean;
}

/** Per-call context: who acts, and when (the core has no clock). */
export interface ActionContext {
  /** The custom action ARN, or another name of the actor, for the audit trail. */
  readonly actor: string;
  /** ISO-8601 time of the action. */
  readonly now: string;
  /**
   * A rule acts, not a person (automatic remediation): findings a person suppressed are left
   * alone, and the audit trail is written only when the policy changed. The audit note itself
   * makes Security Hub emit another "Findings - Imported" event for the finding; writing a note
   * for an unchanged policy would start that loop again. @default false
   */
  readonly automatic?: boolean;
}

/** What happened to the audit trail of an action. */
export type AuditOutcome =
  | { readonly recorded: true }
  | { readonly recorded: false; readonly error: string }
  | { readonly recorded: false; readonly skipped: string };

/** The outcome of blocking or unblocking for one finding. Refusals are outcomes, not errors. */
export type RepositoryActionOutcome =
  | {
      readonly status: 'blocked' | 'unblocked';
      readonly findingId: string;
      readonly repository: RepositoryIdentity;
      readonly repositoryArn: string;
      /** False when the policy already said what we wanted (nothing written). */
      readonly changed: boolean;
      /** True when unblocking left no statement, so the policy was deleted. */
      readonly policyDeleted: boolean;
      readonly audit: AuditOutcome;
      /** The mark on the repository's image findings (blockMark.ts); absent without a {@link BlockMarks} port, or when not written. */
      readonly mark?: BlockMarkOutcome;
    }
  | { readonly status: 'skipped'; readonly findingId: string | null; readonly reason: string };

/** @internal */
export type Checked =
  | { ok: true; finding: ActionFinding; repository: RepositoryIdentity }
  | { ok: false; reason: string };

/** @internal The finding's Id when it has one, for outcomes of invalid findings. */
export function findingIdOf(raw: unknown): string | null {
  const id = (raw as { Id?: unknown } | null)?.Id;
  return typeof id === 'string' ? id : null;
}

/**
 * @internal The checks all actions share: valid, ours or Amazon Inspector's ({@link originOf}),
 * of this account, and about one repository of this account and region with a valid name
 * ({@link targetRepositoryOf}). No port is called before these pass.
 */
export function check(raw: unknown, accountId: string, actingRegion: string | undefined): Checked {
  const parsed = ActionFindingSchema.safeParse(raw, PARSE_IN_ENGLISH);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      reason: `invalid finding: ${issue ? `${formatPath(issue.path) || '(root)'}: ${issue.message}` : ''}`,
    };
  }
  const finding = parsed.data;
  const origin = originOf(finding);
  if (!origin) {
    return {
      ok: false,
      reason: `not a finding of ${PRODUCT_PREFIX} or Amazon Inspector (ProductArn ${finding.ProductArn}, GeneratorId ${finding.GeneratorId})`,
    };
  }
  const productAccount = productPlaceOf(finding.ProductArn)?.accountId;
  if (finding.AwsAccountId !== accountId || (productAccount !== undefined && productAccount !== accountId)) {
    return {
      ok: false,
      reason: `finding belongs to account ${finding.AwsAccountId}, not to this account ${accountId}`,
    };
  }
  const target = targetRepositoryOf(finding, origin, accountId, actingRegion);
  return target.ok ? { ok: true, finding, repository: target.repository } : target;
}

/** @internal Records an entry on the finding's audit trail; a failure is an outcome, not an error. */
export async function audit(
  trail: AuditTrail | undefined,
  finding: ActionFinding,
  entry: Parameters<AuditTrail['record']>[1],
): Promise<AuditOutcome> {
  if (!trail) return { recorded: false, error: 'no audit trail configured' };
  try {
    await trail.record({ id: finding.Id, productArn: finding.ProductArn }, entry);
    return { recorded: true };
  } catch (error) {
    return { recorded: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** Result of {@link changeRepositoryPolicy}. */
export interface RepositoryPolicyChange {
  readonly changed: boolean;
  /** The policy text before, or null when the repository had none. */
  readonly before: string | null;
  /** The policy after, or null when the repository has (or would have) none. */
  readonly after: PolicyDocument | null;
  /** True when unblocking removed the last statement, so the policy is (or would be) deleted. */
  readonly deleted: boolean;
}

/**
 * Use case "block (or unblock) a repository": read its policy, change it through the
 * deny-policy engine, write it back only when it changed. With `dryRun` nothing is written.
 *
 * @throws PolicyUnreadableError when the current policy cannot be read (it is left untouched)
 * @throws PolicyConflictError when a statement only borrows our Sid (it is left untouched)
 */
export async function changeRepositoryPolicy(
  policies: RepositoryPolicyStore,
  repository: RepositoryReference,
  action: 'block' | 'unblock',
  options: {
    readonly exemptPrincipalArns?: readonly string[];
    readonly allowBroadExemptions?: boolean;
    readonly dryRun?: boolean;
  } = {},
): Promise<RepositoryPolicyChange> {
  const before = await policies.get(repository);
  // Exempt principals must be of the repository's partition.
  const change =
    action === 'block'
      ? blockPolicy(before, {
          exemptPrincipalArns: options.exemptPrincipalArns ?? [],
          region: repository.region,
          allowBroadExemptions: options.allowBroadExemptions ?? false,
        })
      : unblockPolicy(before);
  const deleted = change.changed && change.policy === null;
  if (change.changed && !options.dryRun) {
    if (deleted) await policies.delete(repository);
    else if (change.policyText) await policies.set(repository, change.policyText);
  }
  return { changed: change.changed, before, after: change.policy, deleted };
}

/** Dependencies of the block and unblock use cases. */
export interface RepositoryActionDeps {
  readonly policies: RepositoryPolicyStore;
  readonly audit?: AuditTrail;
  /** Where the block leaves its mark for the "repositories blocked now" insight; none without it. */
  readonly marks?: BlockMarks;
}

/**
 * @internal The mark after a block (`true`) or an unblock (`false`): a person's action always
 * writes it (it also repairs the image findings a failed write left behind); a rule's only when
 * the policy changed, since each write makes Security Hub send the findings again.
 */
export async function markAfter(
  deps: RepositoryActionDeps,
  repository: RepositoryIdentity,
  blocked: boolean,
  write: boolean,
): Promise<{ readonly mark?: BlockMarkOutcome }> {
  return deps.marks && write ? { mark: await markRepository(deps.marks, repository, blocked) } : {};
}

/** What a person's block says of an exception that covers the finding: the block goes ahead. */
function exceptionNote(rawFinding: unknown): string {
  const marked = markedException(rawFinding as ExceptionCandidate);
  return marked?.active ? ` (exception ${marked.id} covers this finding; a person's block goes ahead)` : '';
}

/**
 * Use case "block the repository of a finding": for one of our findings at or above the
 * threshold, add our Deny-pull statement to its repository's policy, keeping every other
 * statement. Anything else is a reasoned "skipped" outcome.
 *
 * @throws PolicyUnreadableError when the current policy cannot be read (it is left untouched)
 */
export async function blockRepository(
  deps: RepositoryActionDeps,
  rawFinding: unknown,
  config: RepositoryActionConfig,
  context: ActionContext,
): Promise<RepositoryActionOutcome> {
  const exemption = {
    ...(config.region !== undefined ? { region: config.region } : {}),
    allowBroadExemptions: config.allowBroadExemptions ?? false,
  };
  const exempt = validateExemptPrincipals(config.exemptPrincipalArns ?? [], exemption);
  const checked = check(rawFinding, config.accountId, config.region);
  if (!checked.ok) return { status: 'skipped', findingId: findingIdOf(rawFinding), reason: checked.reason };
  const { finding, repository } = checked;
  if (finding.RecordState === 'ARCHIVED') {
    return { status: 'skipped', findingId: finding.Id, reason: 'finding is archived (no longer observed)' };
  }
  if (context.automatic && finding.Workflow?.Status === 'SUPPRESSED') {
    return {
      status: 'skipped',
      findingId: finding.Id,
      reason: 'a person suppressed the finding; automatic remediation leaves it alone',
    };
  }
  const threshold = config.severityThreshold ?? DEFAULT_SEVERITY_THRESHOLD;
  const severity = blockingSeverity(finding);
  if (!severity || !isAtOrAbove(severity, threshold)) {
    return {
      status: 'skipped',
      findingId: finding.Id,
      reason: `severity ${severity ?? 'unknown'} is below the threshold ${threshold}`,
    };
  }
  const change = await changeRepositoryPolicy(deps.policies, repository, 'block', {
    exemptPrincipalArns: exempt,
    allowBroadExemptions: exemption.allowBroadExemptions,
  });
  const arn = repositoryArn(repository.region, repository.accountId, repository.repositoryName);
  const recorded: AuditOutcome =
    context.automatic && !change.changed
      ? { recorded: false, skipped: 'automatic remediation records changes only' }
      : await audit(deps.audit, finding, {
          action: 'block',
          outcome: `${change.changed ? 'pulls denied' : 'already blocked'}${exceptionNote(rawFinding)}`,
          repositoryArn: arn,
          at: context.now,
          by: context.actor,
        });
  return {
    status: 'blocked',
    findingId: finding.Id,
    repository,
    repositoryArn: arn,
    changed: change.changed,
    policyDeleted: false,
    audit: recorded,
    ...(await markAfter(deps, repository, true, !context.automatic || change.changed)),
  };
}

/**
 * Use case "unblock it": remove our Deny statement (and only it) from the repository of one
 * of our findings. When nothing else is left the policy is deleted. Severity does not matter.
 *
 * @throws PolicyUnreadableError when the current policy cannot be read (it is left untouched)
 */
export async function unblockRepository(
  deps: RepositoryActionDeps,
  rawFinding: unknown,
  config: Pick<RepositoryActionConfig, 'accountId' | 'region'>,
  context: ActionContext,
): Promise<RepositoryActionOutcome> {
  const checked = check(rawFinding, config.accountId, config.region);
  if (!checked.ok) return { status: 'skipped', findingId: findingIdOf(rawFinding), reason: checked.reason };
  const { finding, repository } = checked;
  const change = await changeRepositoryPolicy(deps.policies, repository, 'unblock');
  const deleted = change.deleted;
  const arn = repositoryArn(repository.region, repository.accountId, repository.repositoryName);
  const recorded = await audit(deps.audit, finding, {
    action: 'unblock',
    outcome: change.changed
      ? deleted
        ? 'pulls allowed, policy deleted'
        : 'pulls allowed'
      : 'was not blocked',
    repositoryArn: arn,
    at: context.now,
    by: context.actor,
  });
  return {
    status: 'unblocked',
    findingId: finding.Id,
    repository,
    repositoryArn: arn,
    changed: change.changed,
    policyDeleted: deleted,
    audit: recorded,
    ...(await markAfter(deps, repository, false, true)),
  };
}

/**
 * A person's click in the delegated administrator's Security Hub, on findings of member accounts:
 * each finding is acted on in its own account (`AwsAccountId`) and in its repository's Region
 * (from the ARN), through that place's repository policy store, while the audit note and the
 * block mark are written from the administrator account, which may update member findings. The block and unblock rules
 * are the core's, applied with the finding's place as the acting account and Region.
 */
import {
  type AuditTrail,
  actOnFindings,
  type BlockMarks,
  blockRepository,
  type CustomActionConfig,
  type CustomActionRequest,
  type CustomActionResult,
  chooseCustomAction,
  type FindingFailure,
  type RepositoryActionOutcome,
  type RepositoryPolicyStore,
  ResourceNotFoundError,
  unblockRepository,
} from '@ecr-compliance/core';
import type { AccountPlace } from '../sts/AccountCredentials.js';
import type { OrganizationScope } from './OrganizationScope.js';

/** Dependencies of {@link handleOrganizationCustomAction}. */
export interface OrganizationCustomActionDeps {
  /** Where each finding may be acted on. */
  readonly scope: OrganizationScope;
  /** The repository policy store of one account and Region (its member role's credentials). */
  readonly policiesIn: (place: AccountPlace) => RepositoryPolicyStore;
  /** The audit trail, written from the administrator account. */
  readonly audit: AuditTrail;
  /** The block mark on the repository's image findings, written from the administrator account as the note is. */
  readonly marks?: BlockMarks;
}

/** The finding's Id when it has one. */
const idOf = (finding: unknown): string | null => {
  const id = (finding as { Id?: unknown } | null)?.Id;
  return typeof id === 'string' ? id : null;
};

/**
 * Chooses the action from the event, then for each finding in turn: decide its place (refusals:
 * a resource of another account than the finding's, an account outside the organization or the
 * allow-list, a Region not deployed), then block or unblock there. A refused finding is a
 * `skipped` outcome with the reason, and nothing is read or written for it in any account.
 *
 * @throws FindingsNotHandledError when some findings failed; the others were handled
 */
export async function handleOrganizationCustomAction(
  deps: OrganizationCustomActionDeps,
  request: CustomActionRequest,
  config: Omit<CustomActionConfig, 'accountId' | 'region'>,
  onOutcome?: (outcome: RepositoryActionOutcome | FindingFailure) => void,
): Promise<CustomActionResult> {
  const choice = chooseCustomAction(request.actionArns, config);
  if (choice.action === 'none') return { action: 'none', reason: choice.reason, outcomes: [] };
  const context = { actor: choice.actor, now: request.now };
  const act = choice.action === 'block' ? blockRepository : unblockRepository;
  const outcomes = await actOnFindings(
    request.findings,
    async (finding): Promise<RepositoryActionOutcome> => {
      const decision = await deps.scope.placeOfFinding(finding);
      if (!decision.ok) return { status: 'skipped', findingId: idOf(finding), reason: decision.reason };
      const { place } = decision;
      try {
        return await act(
          {
            policies: deps.policiesIn(place),
            audit: deps.audit,
            ...(deps.marks ? { marks: deps.marks } : {}),
          },
          finding,
          { ...config, accountId: place.accountId, region: place.region },
          context,
        );
      } catch (error) {
        if (error instanceof ResourceNotFoundError && error.kind === 'repository') {
          return {
            status: 'skipped',
            findingId: idOf(finding),
            reason: `the repository no longer exists (${error.message})`,
          };
        }
        throw error;
      }
    },
    onOutcome,
  );
  return { action: choice.action, outcomes };
}

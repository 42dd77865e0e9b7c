import { type FindingFailure, FindingsNotHandledError, ResourceNotFoundError } from '../errors.js';
import {
  blockRepository,
  findingIdOf,
  type RepositoryActionConfig,
  type RepositoryActionDeps,
  type RepositoryActionOutcome,
  unblockRepository,
} from './repositoryAction.js';

/** Configuration of {@link handleCustomAction}: the two custom actions, and what blocking needs. */
export interface CustomActionConfig extends RepositoryActionConfig {
  /** ARN of the Security Hub custom action that blocks pulls. */
  readonly blockActionArn: string;
  /** ARN of the Security Hub custom action that allows pulls again. */
  readonly unblockActionArn: string;
}

/** A person's click, as the custom action event carries it. */
export interface CustomActionRequest {
  /** The event's `resources`: the ARN of the custom action that fired. */
  readonly actionArns: readonly string[];
  /** The selected findings, not yet validated (each is checked on its own). */
  readonly findings: readonly unknown[];
  /** ISO-8601 time of the click, for the audit trail (the core has no clock). */
  readonly now: string;
}

/** Which action a click asks for: block or unblock (with the action ARN as the actor), or none, with the reason. */
export type CustomActionChoice =
  | { readonly action: 'block' | 'unblock'; readonly actor: string }
  | { readonly action: 'none'; readonly reason: string };

/** What a click did: the action chosen and one outcome per finding, in the event's order. */
export type CustomActionResult =
  | { readonly action: 'block' | 'unblock'; readonly outcomes: readonly RepositoryActionOutcome[] }
  | { readonly action: 'none'; readonly reason: string; readonly outcomes: readonly [] };

/**
 * The action a custom action event asks for, from its `resources` and the configured action ARNs.
 * An event of another custom action, or one that names both of ours, asks for nothing.
 *
 * @example chooseCustomAction([config.blockActionArn], config) // { action: 'block', actor: config.blockActionArn }
 */
export function chooseCustomAction(
  actionArns: readonly string[],
  config: Pick<CustomActionConfig, 'blockActionArn' | 'unblockActionArn'>,
): CustomActionChoice {
  const block = actionArns.includes(config.blockActionArn);
  const unblock = actionArns.includes(config.unblockActionArn);
  if (block && unblock) {
    return { action: 'none', reason: 'the event names both the block and the unblock action' };
  }
  if (block) return { action: 'block', actor: config.blockActionArn };
  if (unblock) return { action: 'unblock', actor: config.unblockActionArn };
  return { action: 'none', reason: 'the event is for another custom action' };
}

function failure(finding: unknown, error: unknown): FindingFailure {
  return {
    status: 'failed',
    findingId: findingIdOf(finding),
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    cause: error,
  };
}

/**
 * Acts on each finding in turn, one after the other: two findings of one repository must never
 * race on its policy. An error stops only its own finding; when any finding failed, the others
 * having been handled, one {@link FindingsNotHandledError} lists them all (a retry is safe, since
 * block and unblock are idempotent). `onOutcome` hears of each outcome, failures included, as soon
 * as it is known (a caller logs there, so that a timeout loses no line).
 *
 * @throws FindingsNotHandledError when at least one finding failed; it carries every outcome
 */
export async function actOnFindings<Outcome>(
  findings: readonly unknown[],
  act: (finding: unknown) => Promise<Outcome>,
  onOutcome: (outcome: Outcome | FindingFailure) => void = () => {},
): Promise<Outcome[]> {
  const outcomes: Array<Outcome | FindingFailure> = [];
  const failed: FindingFailure[] = [];
  for (const finding of findings) {
    let outcome: Outcome | FindingFailure;
    try {
      outcome = await act(finding);
    } catch (error) {
      const failedFinding = failure(finding, error);
      failed.push(failedFinding);
      outcome = failedFinding;
    }
    outcomes.push(outcome);
    onOutcome(outcome);
  }
  if (failed.length > 0) throw new FindingsNotHandledError<Outcome>(outcomes, failed);
  return outcomes as Outcome[];
}

/**
 * Use case "a person clicked a custom action on findings": choose the action from the event's
 * `resources`, then block ({@link blockRepository}) or unblock ({@link unblockRepository}) the
 * repository of each finding in turn ({@link actOnFindings}). A finding that is not this tool's or
 * Amazon Inspector's, or that does not name exactly one valid repository of this account and
 * Region, is a `skipped` outcome with the reason, and nothing is written for it. A repository
 * deleted since the finding was imported is skipped too.
 *
 * `onOutcome` hears of each finding's outcome as soon as it is known, in order.
 *
 * @throws FindingsNotHandledError when some findings failed (e.g. an unreadable policy, which is
 *   left untouched); the others were handled
 */
export async function handleCustomAction(
  deps: RepositoryActionDeps,
  request: CustomActionRequest,
  config: CustomActionConfig,
  onOutcome?: (outcome: RepositoryActionOutcome | FindingFailure) => void,
): Promise<CustomActionResult> {
  const choice = chooseCustomAction(request.actionArns, config);
  if (choice.action === 'none') return { action: 'none', reason: choice.reason, outcomes: [] };
  const context = { actor: choice.actor, now: request.now };
  const outcomes = await actOnFindings(
    request.findings,
    async (finding) => {
      try {
        return choice.action === 'block'
          ? await blockRepository(deps, finding, config, context)
          : await unblockRepository(deps, finding, config, context);
      } catch (error) {
        if (error instanceof ResourceNotFoundError && error.kind === 'repository') {
          const skipped: RepositoryActionOutcome = {
            status: 'skipped',
            findingId: findingIdOf(finding),
            reason: `the repository no longer exists (${error.message})`,
          };
          return skipped;
        }
        throw error;
      }
    },
    onOutcome,
  );
  return { action: choice.action, outcomes };
}

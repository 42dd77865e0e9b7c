import {
  DOMAIN_EVENT_VERSION,
  type DomainEvent,
  eventRepository,
  type RepositoryActionOutcome,
  refusalReasonOf,
} from '@ecr-compliance/core';
import { METRICS } from './metricNames.js';
import type { HandlerMetrics } from './observability.js';

/** Who acted on a repository: a person's custom action, or automatic remediation. */
export interface RemediationActor {
  readonly trigger: 'person' | 'automatic';
  /** The custom action ARN, or the automatic remediation's name. */
  readonly actor: string;
  readonly now: string;
}

/**
 * Turns the outcomes of blocks and unblocks into metrics and domain events: a changed policy is
 * counted and announced ("Repository Blocked", "Repository Unblocked"); a refused block of a
 * person's click is counted under its reason code and announced ("Block Refused"). An unchanged
 * policy (already blocked, not blocked) is neither: nothing happened to the repository.
 */
export class RemediationSignals {
  readonly #metrics: HandlerMetrics;
  readonly #actor: RemediationActor;
  readonly #events: DomainEvent[] = [];

  constructor(metrics: HandlerMetrics, actor: RemediationActor) {
    this.#metrics = metrics;
    this.#actor = actor;
  }

  /** Records one outcome; `refusalOfBlock` when a skipped outcome is a refused block. */
  record(outcome: RepositoryActionOutcome | { readonly status: 'failed' }, refusalOfBlock: boolean): void {
    const { trigger, actor, now } = this.#actor;
    if (outcome.status === 'failed') return;
    if (outcome.status === 'skipped') {
      if (!refusalOfBlock) return;
      this.#metrics.refusal(outcome.reason);
      this.#events.push({
        type: 'Block Refused',
        resources: [],
        detail: {
          version: DOMAIN_EVENT_VERSION,
          findingId: outcome.findingId,
          reasonCode: refusalReasonOf(outcome.reason),
          reason: outcome.reason.slice(0, 1024),
          trigger,
          at: now,
        },
      });
      return;
    }
    if (!outcome.changed) return;
    const blocked = outcome.status === 'blocked';
    this.#metrics.count(
      blocked ? METRICS.repositoriesBlocked : METRICS.repositoriesUnblocked,
      1,
      outcome.repository.accountId,
    );
    this.#events.push({
      type: blocked ? 'Repository Blocked' : 'Repository Unblocked',
      resources: [outcome.repositoryArn],
      detail: {
        version: DOMAIN_EVENT_VERSION,
        repository: eventRepository(outcome.repository),
        findingId: outcome.findingId,
        trigger,
        actor,
        policyDeleted: outcome.policyDeleted,
        at: now,
      },
    });
  }

  /** The events recorded so far. */
  events(): readonly DomainEvent[] {
    return this.#events;
  }
}

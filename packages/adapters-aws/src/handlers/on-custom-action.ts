/**
 * Lambda handler of the EventBridge "Security Hub Findings - Custom Action" event: block or
 * unblock pulls from the repository of each selected finding, depending on which action fired.
 * With automatic remediation or automatic unblock on, it also acts on "Security Hub Findings -
 * Imported" events of image findings: it blocks for a finding at or above the threshold, and
 * removes the block when no such finding is left in the repository (one function, with one
 * instance at a time, so that no two policy writes ever race).
 * The module scope is the composition root.
 */

import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  blockRepository,
  type CustomActionEvent,
  CustomActionEventSchema,
  EcrComplianceError,
  type FindingsImportedEvent,
  FindingsImportedEventSchema,
  parseWith,
  type RepositoryActionOutcome,
  remediateAutomatically,
  unblockRepository,
} from '@ecr-compliance/core';
import { EcrRepositoryImages } from '../ecr/EcrRepositoryImages.js';
import { EcrRepositoryPolicyStore } from '../ecr/EcrRepositoryPolicyStore.js';
import { loadOnCustomActionConfig } from '../lambda/config.js';
import { eventIdempotency, type LambdaContext } from '../lambda/idempotency.js';
import { SecurityHubAuditTrail } from '../securityhub/SecurityHubAuditTrail.js';
import { SecurityHubFindingsStore } from '../securityhub/SecurityHubFindingsStore.js';

const config = loadOnCustomActionConfig(process.env);
const logger = new Logger();
const ecr = new ECRClient({ region: config.AWS_REGION });
const deps = {
  policies: new EcrRepositoryPolicyStore({ client: ecr }),
  audit: new SecurityHubAuditTrail({ client: new SecurityHubClient({ region: config.AWS_REGION }) }),
  // Only automatic unblock reads the repository's images and findings (and only it may: the
  // construct grants ListImages and GetFindings with autoUnblock alone).
  ...(config.AUTO_UNBLOCK
    ? {
        images: new EcrRepositoryImages({ client: ecr }),
        // The store owns its retries (quota-aware), so its client makes one attempt.
        findings: new SecurityHubFindingsStore({
          client: new SecurityHubClient({ region: config.AWS_REGION, maxAttempts: 1 }),
        }),
      }
    : {}),
};
const actionConfig = {
  accountId: config.ACCOUNT_ID,
  region: config.AWS_REGION,
  severityThreshold: config.SEVERITY_THRESHOLD,
  exemptPrincipalArns: config.EXEMPT_PRINCIPAL_ARNS,
  allowBroadExemptions: config.ALLOW_BROAD_EXEMPTIONS,
  block: config.AUTO_REMEDIATION,
  unblock: config.AUTO_UNBLOCK,
};
const idempotency = eventIdempotency(
  config.IDEMPOTENCY_TABLE_NAME,
  new DynamoDBClient({ region: config.AWS_REGION }),
);

/** What one invocation did. */
export interface CustomActionResult {
  readonly action: 'block' | 'unblock' | 'automatic' | 'none';
  readonly outcomes: ReadonlyArray<
    RepositoryActionOutcome | { status: 'failed'; findingId: string | null; error: string }
  >;
}

/** Some findings of the event could not be handled (e.g. an unreadable policy); the others were. */
export class CustomActionFailedError extends EcrComplianceError {
  constructor(message: string) {
    super(message);
    this.name = 'CustomActionFailedError';
  }
}

/** Who the audit trail names when a rule, not a person, blocked. */
const AUTOMATIC_ACTOR = 'ecr-compliance automatic remediation';
const IMPORTED = 'Security Hub Findings - Imported';

type Decision =
  | { action: 'none'; reason: string }
  | { action: 'block' | 'unblock' | 'automatic'; actor: string };

function decide(event: CustomActionEvent | FindingsImportedEvent): Decision {
  if (event['detail-type'] === IMPORTED) {
    return config.AUTO_REMEDIATION || config.AUTO_UNBLOCK
      ? { action: 'automatic', actor: AUTOMATIC_ACTOR }
      : {
          action: 'none',
          reason: 'a findings-imported event, and automatic remediation and unblock are off',
        };
  }
  if (event.resources.includes(config.BLOCK_ACTION_ARN)) {
    return { action: 'block', actor: config.BLOCK_ACTION_ARN };
  }
  if (event.resources.includes(config.UNBLOCK_ACTION_ARN)) {
    return { action: 'unblock', actor: config.UNBLOCK_ACTION_ARN };
  }
  return { action: 'none', reason: 'the event is for another custom action' };
}

const act = makeIdempotent(
  async (event: CustomActionEvent | FindingsImportedEvent): Promise<CustomActionResult> => {
    const decision = decide(event);
    if (decision.action === 'none') {
      logger.warn(`nothing done: ${decision.reason}`, { resources: event.resources });
      return { action: 'none', outcomes: [] };
    }
    const { action } = decision;
    const context = { actor: decision.actor, now: new Date().toISOString() };
    const outcomes: CustomActionResult['outcomes'][number][] = [];
    // Sequential on purpose: two findings of one repository must not race on its policy.
    for (const finding of event.detail.findings) {
      try {
        const outcome =
          action === 'automatic'
            ? await remediateAutomatically(deps, finding, actionConfig, context)
            : action === 'block'
              ? await blockRepository(deps, finding, actionConfig, context)
              : await unblockRepository(deps, finding, actionConfig, context);
        outcomes.push(outcome);
        if (outcome.status === 'skipped')
          logger.warn('finding refused', { findingId: outcome.findingId, reason: outcome.reason });
        else {
          logger.info(`repository ${outcome.status}`, {
            findingId: outcome.findingId,
            repository: outcome.repositoryArn,
            changed: outcome.changed,
            policyDeleted: outcome.policyDeleted,
            audit: outcome.audit,
          });
          if ('error' in outcome.audit)
            logger.warn('audit trail not written', {
              findingId: outcome.findingId,
              error: outcome.audit.error,
            });
        }
      } catch (error) {
        const findingId =
          typeof (finding as { Id?: unknown })?.Id === 'string' ? (finding as { Id: string }).Id : null;
        logger.error('finding not handled', { findingId, error: error as Error });
        outcomes.push({
          status: 'failed',
          findingId,
          error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        });
      }
    }
    const failed = outcomes.filter((o) => o.status === 'failed');
    if (failed.length > 0) {
      // Reach the failure destination; a retry is safe because both actions are idempotent.
      throw new CustomActionFailedError(
        `${failed.length} of ${outcomes.length} findings not handled: ${failed.map((f) => ('error' in f ? f.error : '')).join('; ')}`,
      );
    }
    return { action, outcomes };
  },
  idempotency,
);

/** Blocks or unblocks the repositories of the event's findings. */
export async function handler(event: unknown, context: LambdaContext): Promise<CustomActionResult> {
  logger.addContext(context as never);
  try {
    const parsed =
      (event as { 'detail-type'?: unknown } | null)?.['detail-type'] === IMPORTED
        ? parseWith(FindingsImportedEventSchema, event, 'Security Hub findings-imported event')
        : parseWith(CustomActionEventSchema, event, 'Security Hub custom action event');
    logger.setCorrelationId(parsed.id);
    idempotency.config.registerLambdaContext(context as never);
    return await act(parsed);
  } catch (error) {
    logger.error('custom action failed', error as Error);
    throw error;
  } finally {
    logger.removeKeys(['correlation_id']);
  }
}

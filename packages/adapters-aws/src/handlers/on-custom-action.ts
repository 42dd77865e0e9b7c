/**
 * Lambda handler of the EventBridge "Security Hub Findings - Custom Action" event: block or
 * unblock pulls from the repository of each selected finding, depending on which action fired.
 * Automatic remediation ("Security Hub Findings - Imported") runs in its own function,
 * on-finding-imported, so that people's clicks never wait behind it.
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
  parseWith,
  type RepositoryActionOutcome,
  unblockRepository,
} from '@ecr-compliance/core';
import { EcrRepositoryPolicyStore } from '../ecr/EcrRepositoryPolicyStore.js';
import { loadOnCustomActionConfig } from '../lambda/config.js';
import { eventIdempotency, type LambdaContext } from '../lambda/idempotency.js';
import { SecurityHubAuditTrail } from '../securityhub/SecurityHubAuditTrail.js';

const config = loadOnCustomActionConfig(process.env);
const logger = new Logger();
const ecr = new ECRClient({ region: config.AWS_REGION });
const deps = {
  policies: new EcrRepositoryPolicyStore({ client: ecr }),
  audit: new SecurityHubAuditTrail({ client: new SecurityHubClient({ region: config.AWS_REGION }) }),
};
const actionConfig = {
  accountId: config.ACCOUNT_ID,
  region: config.AWS_REGION,
  severityThreshold: config.SEVERITY_THRESHOLD,
  exemptPrincipalArns: config.EXEMPT_PRINCIPAL_ARNS,
};
const idempotency = eventIdempotency(
  config.IDEMPOTENCY_TABLE_NAME,
  new DynamoDBClient({ region: config.AWS_REGION }),
);

/** What one invocation did. */
export interface CustomActionResult {
  readonly action: 'block' | 'unblock' | 'none';
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

type Decision = { action: 'none'; reason: string } | { action: 'block' | 'unblock'; actor: string };

function decide(event: CustomActionEvent): Decision {
  if (event.resources.includes(config.BLOCK_ACTION_ARN)) {
    return { action: 'block', actor: config.BLOCK_ACTION_ARN };
  }
  if (event.resources.includes(config.UNBLOCK_ACTION_ARN)) {
    return { action: 'unblock', actor: config.UNBLOCK_ACTION_ARN };
  }
  return { action: 'none', reason: 'the event is for another custom action' };
}

const act = makeIdempotent(async (event: CustomActionEvent): Promise<CustomActionResult> => {
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
        action === 'block'
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
}, idempotency);

/** Blocks or unblocks the repositories of the event's findings. */
export async function handler(event: unknown, context: LambdaContext): Promise<CustomActionResult> {
  logger.addContext(context as never);
  try {
    const parsed = parseWith(CustomActionEventSchema, event, 'Security Hub custom action event');
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

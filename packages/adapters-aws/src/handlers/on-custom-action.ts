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
  actOnFindings,
  type CustomActionResult as ClickResult,
  type FindingFailure,
  handleCustomAction,
  parseWith,
  type RepositoryActionOutcome,
  remediateAutomatically,
} from '@ecr-compliance/core';
import { EcrRepositoryImages } from '../ecr/EcrRepositoryImages.js';
import { EcrRepositoryPolicyStore } from '../ecr/EcrRepositoryPolicyStore.js';
import {
  type CustomActionEvent,
  CustomActionEventSchema,
  type FindingsImportedEvent,
  FindingsImportedEventSchema,
} from '../events/schemas.js';
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
  blockActionArn: config.BLOCK_ACTION_ARN,
  unblockActionArn: config.UNBLOCK_ACTION_ARN,
  allowBroadExemptions: config.ALLOW_BROAD_EXEMPTIONS,
  block: config.AUTO_REMEDIATION,
  unblock: config.AUTO_UNBLOCK,
};
const idempotency = eventIdempotency(
  config.IDEMPOTENCY_TABLE_NAME,
  new DynamoDBClient({ region: config.AWS_REGION }),
);

/** What one invocation did: a click's result, or automatic remediation's outcomes. */
export type CustomActionResult =
  | ClickResult
  | { readonly action: 'automatic'; readonly outcomes: readonly RepositoryActionOutcome[] };

/** Who the audit trail names when a rule, not a person, blocked. */
const AUTOMATIC_ACTOR = 'ecr-compliance automatic remediation';
const IMPORTED = 'Security Hub Findings - Imported';

/** One log line per finding: refused (WARN), handled (INFO), or not handled (ERROR). */
function logOutcome(outcome: RepositoryActionOutcome | FindingFailure): void {
  if (outcome.status === 'failed') {
    logger.error('finding not handled', { findingId: outcome.findingId, error: outcome.cause as Error });
  } else if (outcome.status === 'skipped') {
    logger.warn('finding refused', { findingId: outcome.findingId, reason: outcome.reason });
  } else {
    logger.info(`repository ${outcome.status}`, {
      findingId: outcome.findingId,
      repository: outcome.repositoryArn,
      changed: outcome.changed,
      policyDeleted: outcome.policyDeleted,
      audit: outcome.audit,
    });
    if ('error' in outcome.audit)
      logger.warn('audit trail not written', { findingId: outcome.findingId, error: outcome.audit.error });
  }
}

// Automatic remediation moves to a handler of its own (issue 10 §5); until then it shares the
// sequential loop and the failure aggregation of the core.
async function remediate(event: FindingsImportedEvent): Promise<CustomActionResult> {
  if (!config.AUTO_REMEDIATION && !config.AUTO_UNBLOCK) {
    return {
      action: 'none',
      reason: 'a findings-imported event, and automatic remediation and unblock are off',
      outcomes: [],
    };
  }
  const context = { actor: AUTOMATIC_ACTOR, now: new Date().toISOString() };
  const outcomes = await actOnFindings(
    event.detail.findings,
    (finding) => remediateAutomatically(deps, finding, actionConfig, context),
    logOutcome,
  );
  return { action: 'automatic', outcomes };
}

const act = makeIdempotent(
  async (event: CustomActionEvent | FindingsImportedEvent): Promise<CustomActionResult> => {
    // A failed finding makes the use case throw once the others are handled, so that the event
    // reaches the failure destination (a retry is safe because both actions are idempotent).
    const result =
      event['detail-type'] === IMPORTED
        ? await remediate(event)
        : await handleCustomAction(
            deps,
            { actionArns: event.resources, findings: event.detail.findings, now: new Date().toISOString() },
            actionConfig,
            logOutcome,
          );
    if (result.action === 'none')
      logger.warn(`nothing done: ${result.reason}`, { resources: event.resources });
    return result;
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

/**
 * Lambda handler of the EventBridge "Security Hub Findings - Custom Action" event: block or
 * unblock pulls from the repository of each selected finding, depending on which action fired.
 * People's clicks only: automatic remediation runs in on-finding-imported, so a click never
 * queues behind automatic work. The module scope is the composition root.
 */

import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  type CustomActionResult,
  type FindingFailure,
  handleCustomAction,
  parseWith,
  type RepositoryActionOutcome,
} from '@ecr-compliance/core';
import { EcrRepositoryPolicyStore } from '../ecr/EcrRepositoryPolicyStore.js';
import { type CustomActionEvent, CustomActionEventSchema } from '../events/schemas.js';
import { loadOnCustomActionConfig } from '../lambda/config.js';
import { eventIdempotency, type LambdaContext } from '../lambda/idempotency.js';
import { logRepositoryChange } from '../lambda/logRepositoryChange.js';
import { loadObservability } from '../lambda/observability.js';
import { loadOrganizationConfig } from '../lambda/organizationConfig.js';
import { RemediationSignals } from '../lambda/remediationSignals.js';
import { accountRuntime } from '../organization/accountRuntime.js';
import { handleOrganizationCustomAction } from '../organization/handleOrganizationCustomAction.js';
import { SecurityHubAuditTrail } from '../securityhub/SecurityHubAuditTrail.js';
import { SecurityHubBlockMarks } from '../securityhub/SecurityHubBlockMarks.js';
import { clientCredentials, PerPlace } from '../sts/AccountCredentials.js';

export type { CustomActionResult } from '@ecr-compliance/core';

const config = loadOnCustomActionConfig(process.env);
const logger = new Logger();
const own = { accountId: config.ACCOUNT_ID, region: config.AWS_REGION };
const organizationConfig = loadOrganizationConfig(process.env, 'on-custom-action');
const observability = loadObservability(process.env, logger, organizationConfig, config.AWS_REGION);
const { metrics } = observability;
const accounts = accountRuntime(organizationConfig, own, 'ecr-compliance-on-custom-action');
// The repository policies of each account and Region, with that place's credentials (the
// function's own place only, in the single-account shape).
const policies = new PerPlace(
  accounts.credentials,
  (place, credentials) =>
    new EcrRepositoryPolicyStore({
      client: metrics.watchThrottling(
        new ECRClient({ region: place.region, ...clientCredentials(credentials) }),
      ),
    }),
);
// The audit note and the block mark are written from this account, which (as administrator) may
// read and update member findings.
const securityHub = metrics.watchThrottling(new SecurityHubClient({ region: config.AWS_REGION }));
const audit = new SecurityHubAuditTrail({ client: securityHub });
const marks = new SecurityHubBlockMarks({ client: securityHub });
const actionConfig = {
  accountId: config.ACCOUNT_ID,
  region: config.AWS_REGION,
  severityThreshold: config.SEVERITY_THRESHOLD,
  exemptPrincipalArns: config.EXEMPT_PRINCIPAL_ARNS,
  blockActionArn: config.BLOCK_ACTION_ARN,
  unblockActionArn: config.UNBLOCK_ACTION_ARN,
  allowBroadExemptions: config.ALLOW_BROAD_EXEMPTIONS,
};
const idempotency = eventIdempotency(
  config.IDEMPOTENCY_TABLE_NAME,
  new DynamoDBClient({ region: config.AWS_REGION }),
);

/** One log line per finding: refused (WARN), handled (INFO), or not handled (ERROR). */
function logOutcome(outcome: RepositoryActionOutcome | FindingFailure): void {
  if (outcome.status === 'failed') {
    logger.error('finding not handled', { findingId: outcome.findingId, error: outcome.cause as Error });
  } else if (outcome.status === 'skipped') {
    logger.warn('finding refused', { findingId: outcome.findingId, reason: outcome.reason });
  } else {
    logRepositoryChange(logger, outcome);
  }
}

const act = makeIdempotent(async (event: CustomActionEvent): Promise<CustomActionResult> => {
  // A failed finding makes the use case throw once the others are handled, so that the event
  // reaches the failure destination (a retry is safe because both actions are idempotent).
  const request = {
    actionArns: event.resources,
    findings: event.detail.findings,
    now: new Date().toISOString(),
  };
  // Counted and announced inside the idempotent call: a redelivered event does neither again.
  const isBlock = event.resources.includes(config.BLOCK_ACTION_ARN);
  const signals = new RemediationSignals(metrics, {
    trigger: 'person',
    actor: isBlock ? config.BLOCK_ACTION_ARN : config.UNBLOCK_ACTION_ARN,
    now: request.now,
  });
  const onOutcome = (outcome: RepositoryActionOutcome | FindingFailure) => {
    logOutcome(outcome);
    signals.record(outcome, isBlock);
  };
  try {
    // Organization shape: each finding in its own account and its repository's Region.
    const result = accounts.scope
      ? await handleOrganizationCustomAction(
          { scope: accounts.scope, policiesIn: (place) => policies.for(place), audit, marks },
          request,
          actionConfig,
          onOutcome,
        )
      : await handleCustomAction(
          { policies: policies.for(own), audit, marks },
          request,
          actionConfig,
          onOutcome,
        );
    if (result.action === 'none')
      logger.warn(`nothing done: ${result.reason}`, { resources: event.resources });
    return result;
  } finally {
    // Also after a failed finding: the repositories changed before it were changed.
    await observability.putEvents(signals.events());
  }
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
    metrics.publish();
    logger.removeKeys(['correlation_id']);
  }
}

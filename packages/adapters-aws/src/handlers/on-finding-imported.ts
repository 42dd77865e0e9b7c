/**
 * Lambda handler of the EventBridge "Security Hub Findings - Imported" event: automatic
 * remediation, in its own function so that people's clicks (on-custom-action) never wait behind a
 * burst of imports. A finding of the event is a trigger, never the evidence: a block needs ECR's
 * own scan of the image to confirm it, and a release needs ECR's scans of every image of the
 * repository and Amazon Inspector's findings to show nothing at or above the threshold. One
 * instance at a time, so that its own policy writes never race. The module scope is the
 * composition root.
 */

import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  type AutomaticOutcome,
  EcrComplianceError,
  parseWith,
  remediateImportedFindings,
} from '@ecr-compliance/core';
import { EcrRepositoryImages } from '../ecr/EcrRepositoryImages.js';
import { EcrRepositoryPolicyStore } from '../ecr/EcrRepositoryPolicyStore.js';
import { EcrScanFindingsSource } from '../ecr/EcrScanFindingsSource.js';
import { type FindingsImportedEvent, FindingsImportedEventSchema } from '../events/schemas.js';
import { DynamoDbExceptionStore } from '../exceptions/DynamoDbExceptionStore.js';
import { assertOwnEvent, loadOnFindingImportedConfig } from '../lambda/config.js';
import { exceptionsTableOf, maxExceptionDaysOf, withinLimit } from '../lambda/exceptionsConfig.js';
import { eventIdempotency, type LambdaContext } from '../lambda/idempotency.js';
import { logRepositoryChange } from '../lambda/logRepositoryChange.js';
import { loadObservability } from '../lambda/observability.js';
import { loadOrganizationConfig } from '../lambda/organizationConfig.js';
import { RemediationSignals } from '../lambda/remediationSignals.js';
import { accountRuntime } from '../organization/accountRuntime.js';
import { remediateInOrganization } from '../organization/remediateInOrganization.js';
import { SecurityHubAuditTrail } from '../securityhub/SecurityHubAuditTrail.js';
import { SecurityHubBlockMarks } from '../securityhub/SecurityHubBlockMarks.js';
import { SecurityHubFindingsStore } from '../securityhub/SecurityHubFindingsStore.js';
import { clientCredentials, PerPlace } from '../sts/AccountCredentials.js';

const config = loadOnFindingImportedConfig(process.env);
const logger = new Logger();
// Exceptions (optional, kept in this account): an excepted vulnerability neither asks for a
// block nor holds one, in whichever account the exception names.
const exceptionsTable = exceptionsTableOf(process.env, 'on-finding-imported');
const exceptions = exceptionsTable
  ? withinLimit(
      new DynamoDbExceptionStore({
        client: new DynamoDBClient({ region: config.AWS_REGION }),
        tableName: exceptionsTable,
      }),
      maxExceptionDaysOf(process.env, 'on-finding-imported'),
      (r) => logger.warn('exception ignored: it lasts longer than MAX_EXCEPTION_DAYS', { exceptionId: r.id }),
    )
  : undefined;
const own = { accountId: config.ACCOUNT_ID, region: config.AWS_REGION };
const organizationConfig = loadOrganizationConfig(process.env, 'on-finding-imported');
const observability = loadObservability(process.env, logger, organizationConfig, config.AWS_REGION);
const { metrics } = observability;
const accounts = accountRuntime(organizationConfig, own, 'ecr-compliance-on-finding-imported');
// The audit note and the block mark are written from this account (in the organization shape,
// the administrator's).
const securityHub = metrics.watchThrottling(new SecurityHubClient({ region: config.AWS_REGION }));
const audit = new SecurityHubAuditTrail({ client: securityHub });
const marks = new SecurityHubBlockMarks({ client: securityHub });
// The evidence and the policies of each account and Region, with that place's credentials (the
// function's own place only, in the single-account shape).
const placeDeps = new PerPlace(accounts.credentials, (place, credentials) => {
  const ecr = metrics.watchThrottling(
    new ECRClient({ region: place.region, ...clientCredentials(credentials) }),
  );
  return {
    ...(exceptions ? { exceptions } : {}),
    policies: new EcrRepositoryPolicyStore({ client: ecr }),
    audit,
    marks,
    scans: new EcrScanFindingsSource({ client: ecr, region: place.region }),
    // Only automatic unblock reads the image list and the findings that may hold a block (and only
    // it may: the construct grants ListImages and GetFindings with autoUnblock alone).
    ...(config.AUTO_UNBLOCK
      ? {
          images: new EcrRepositoryImages({ client: ecr }),
          // The store owns its retries (quota-aware), so its client makes one attempt.
          findings: new SecurityHubFindingsStore({
            client: metrics.watchThrottling(
              new SecurityHubClient({
                region: place.region,
                maxAttempts: 1,
                ...clientCredentials(credentials),
              }),
            ),
          }),
        }
      : {}),
  };
});
const remediationConfig = {
  accountId: config.ACCOUNT_ID,
  region: config.AWS_REGION,
  severityThreshold: config.SEVERITY_THRESHOLD,
  exemptPrincipalArns: config.EXEMPT_PRINCIPAL_ARNS,
  block: config.AUTO_REMEDIATION,
  unblock: config.AUTO_UNBLOCK,
};
const idempotency = eventIdempotency(
  config.IDEMPOTENCY_TABLE_NAME,
  new DynamoDBClient({ region: config.AWS_REGION }),
);

/** Who the audit trail names when a rule, not a person, acted. */
const AUTOMATIC_ACTOR = 'ecr-compliance automatic remediation';

/** What one invocation did. */
export interface FindingImportedResult {
  readonly outcomes: readonly AutomaticOutcome[];
}

/** Some findings of the event could not be handled (an outage, an unreadable policy); the others were. */
export class AutomaticRemediationFailedError extends EcrComplianceError {
  constructor(message: string) {
    super(message);
    this.name = 'AutomaticRemediationFailedError';
  }
}

const remediate = makeIdempotent(async (event: FindingsImportedEvent): Promise<FindingImportedResult> => {
  if (!config.AUTO_REMEDIATION && !config.AUTO_UNBLOCK) {
    logger.warn('nothing done: automatic remediation and unblock are off');
    return { outcomes: [] };
  }
  const context = { actor: AUTOMATIC_ACTOR, now: new Date().toISOString() };
  // Organization shape: each finding in its own account and its repository's Region.
  const outcomes = accounts.scope
    ? await remediateInOrganization(
        { scope: accounts.scope, depsIn: (place) => placeDeps.for(place) },
        event.detail.findings,
        remediationConfig,
        context,
      )
    : await remediateImportedFindings(placeDeps.for(own), event.detail.findings, remediationConfig, context);
  // Counted and announced inside the idempotent call: a redelivered event does neither again.
  // A finding left alone is not a refusal here: most imported findings ask for nothing.
  const signals = new RemediationSignals(metrics, {
    trigger: 'automatic',
    actor: AUTOMATIC_ACTOR,
    now: context.now,
  });
  for (const outcome of outcomes) signals.record(outcome, false);
  await observability.putEvents(signals.events());
  for (const outcome of outcomes) {
    if (outcome.status === 'skipped') {
      logger.info('finding left alone', { findingId: outcome.findingId, reason: outcome.reason });
    } else if (outcome.status === 'failed') {
      logger.error('finding not handled', { findingId: outcome.findingId, error: outcome.error });
    } else {
      logRepositoryChange(logger, outcome);
    }
  }
  const failed = outcomes.filter((o) => o.status === 'failed');
  if (failed.length > 0) {
    // Reach the failure destination; a retry is safe because block and release are idempotent.
    throw new AutomaticRemediationFailedError(
      `${failed.length} of ${outcomes.length} findings not handled: ${failed.map((f) => f.error).join('; ')}`,
    );
  }
  return { outcomes };
}, idempotency);

/** Blocks or releases the repositories of the event's findings, on the evidence. */
export async function handler(event: unknown, context: LambdaContext): Promise<FindingImportedResult> {
  logger.addContext(context as never);
  try {
    const parsed = parseWith(FindingsImportedEventSchema, event, 'Security Hub findings-imported event');
    assertOwnEvent(parsed, config, 'remediates');
    logger.setCorrelationId(parsed.id);
    idempotency.config.registerLambdaContext(context as never);
    return await remediate(parsed);
  } catch (error) {
    logger.error('automatic remediation failed', error as Error);
    throw error;
  } finally {
    metrics.publish();
    logger.removeKeys(['correlation_id']);
  }
}

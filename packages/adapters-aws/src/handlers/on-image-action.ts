/**
 * Lambda handler of the EventBridge "ECR Image Action" event: when an image is deleted, every
 * active finding of this tool on it is archived in Security Hub. Pushes and failed actions are
 * not for it (the rule does not send them) and are skipped with a reason, as the core's
 * `decideImageAction` decides. The module scope is the composition root.
 */

import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  type ArchiveImageResult,
  archiveImageFindings,
  decideImageAction,
  type ImageIdentity,
  PublishError,
  parseWith,
} from '@ecr-compliance/core';
import { EcrImageActionEventSchema } from '../events/schemas.js';
import { loadOnImageActionConfig } from '../lambda/config.js';
import { eventIdempotency, type LambdaContext } from '../lambda/idempotency.js';
import { METRICS } from '../lambda/metricNames.js';
import { loadObservability } from '../lambda/observability.js';
import { loadOrganizationConfig } from '../lambda/organizationConfig.js';
import { accountRuntime } from '../organization/accountRuntime.js';
import { admitEvent, type EventRefused } from '../organization/admitEvent.js';
import { SecurityHubFindingsPublisher } from '../securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../securityhub/SecurityHubFindingsStore.js';
import { holding, leaseOf, withStateOfRecord } from '../state/DynamoDbFindingsState.js';
import { clientCredentials, PerPlace } from '../sts/AccountCredentials.js';

const config = loadOnImageActionConfig(process.env);
const logger = new Logger();
const organizationConfig = loadOrganizationConfig(process.env, 'on-image-action');
const { metrics } = loadObservability(process.env, logger, organizationConfig, config.AWS_REGION);
const accounts = accountRuntime(
  organizationConfig,
  { accountId: config.ACCOUNT_ID, region: config.AWS_REGION },
  'ecr-compliance-on-image-action',
);
const dynamoDb = new DynamoDBClient({ region: config.AWS_REGION });
// The state of record is in the function's own account (the central one in an organization).
const stateTable = config.STATE_TABLE_NAME
  ? { client: dynamoDb, tableName: config.STATE_TABLE_NAME }
  : undefined;
// Per account and Region (the function's own only, in the single-account shape).
const archivers = new PerPlace(accounts.credentials, (place, credentials) => {
  // The publisher and the store own retries (quota-aware), so the client makes one attempt.
  const securityHub = metrics.watchThrottling(
    new SecurityHubClient({
      region: place.region,
      maxAttempts: 1,
      ...clientCredentials(credentials),
    }),
  );
  // With the state of record (the construct's table), the deletion is decided on it and recorded.
  return withStateOfRecord(
    {
      store: new SecurityHubFindingsStore({ client: securityHub }),
      publisher: new SecurityHubFindingsPublisher({ client: securityHub }),
    },
    stateTable,
  );
});
const idempotency = eventIdempotency(config.IDEMPOTENCY_TABLE_NAME, dynamoDb);
// The invocation's context, for the lease (leaseOf): the time it has left, not 15 minutes.
let invocation: LambdaContext | undefined;

// Keyed on the event's `id`, as every handler: one deletion, one record.
const archiveDeleted = makeIdempotent(
  async (deletion: { readonly id: string; readonly image: ImageIdentity; readonly at: string }) => {
    const account = deletion.image.accountId;
    try {
      const ports = archivers.for({ accountId: account, region: deletion.image.region });
      // One run of an image at a time: a scan and a deletion of it never overlap.
      const result = await holding(
        ports.state,
        deletion.image,
        () => archiveImageFindings(ports, deletion.image, deletion.at, new Date().toISOString()),
        leaseOf(invocation),
      );
      // Counted inside the idempotent call: a redelivered deletion is not counted again.
      if (result.outcome === 'archived') {
        metrics.count(METRICS.findingsArchived, result.publish.succeeded, account);
        metrics.count(METRICS.findingsFailed, result.publish.failed.length, account);
      }
      return result;
    } catch (error) {
      if (error instanceof PublishError) metrics.count(METRICS.findingsFailed, error.failed.length, account);
      throw error;
    }
  },
  idempotency,
);

/** Archives the findings of a deleted image. Throws on a malformed event or a finding that could not be archived. */
export async function handler(
  event: unknown,
  context: LambdaContext,
): Promise<ArchiveImageResult | EventRefused> {
  logger.addContext(context as never);
  invocation = context;
  try {
    const parsed = parseWith(EcrImageActionEventSchema, event, 'ECR Image Action event');
    const refused = await admitEvent(accounts.scope, parsed, config, 'archives');
    if (refused) {
      metrics.refusal(refused.reason);
      logger.warn('image action refused', {
        account: refused.account,
        region: refused.region,
        reason: refused.reason,
      });
      return refused;
    }
    logger.setCorrelationId(parsed.id);
    const names = {
      repositoryName: parsed.detail['repository-name'],
      imageDigest: parsed.detail['image-digest'],
    };
    const decision = decideImageAction({
      image: { accountId: parsed.account, region: parsed.region, ...names },
      actionType: parsed.detail['action-type'],
      result: parsed.detail.result,
    });
    if (!decision.archive) {
      logger.info('image action skipped', { ...names, reason: decision.result.reason });
      return decision.result;
    }
    idempotency.config.registerLambdaContext(context as never);
    // EventBridge writes whole seconds ("...T10:15:00Z"); the findings carry milliseconds.
    const result = await archiveDeleted({
      id: parsed.id,
      image: decision.image,
      at: new Date(parsed.time).toISOString(),
    });
    if (result.outcome === 'skipped')
      logger.info('image action skipped', { ...names, reason: result.reason });
    else
      logger.info('findings of deleted image archived', {
        ...names,
        archived: result.archived,
        succeeded: result.publish.succeeded,
        requests: result.publish.requests,
      });
    return result;
  } catch (error) {
    logger.error('findings of deleted image not archived', error as Error);
    throw error;
  } finally {
    metrics.publish();
    logger.removeKeys(['correlation_id']);
  }
}

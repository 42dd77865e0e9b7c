/**
 * Lambda handler of the EventBridge "ECR Image Action" event: when an image is deleted, every
 * active finding of this tool on it is archived in Security Hub. Pushes and failed actions are
 * not for it (the rule does not send them) and are skipped with a reason. The module scope is
 * the composition root.
 */

import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  type ArchiveImageResult,
  archiveImageFindings,
  type EcrImageActionEvent,
  EcrImageActionEventSchema,
  parseWith,
} from '@ecr-compliance/core';
import { assertOwnEvent, loadOnImageActionConfig } from '../lambda/config.js';
import { eventIdempotency, type LambdaContext } from '../lambda/idempotency.js';
import { SecurityHubFindingsPublisher } from '../securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../securityhub/SecurityHubFindingsStore.js';

const config = loadOnImageActionConfig(process.env);
const logger = new Logger();
// The publisher and the store own retries (quota-aware), so the client makes one attempt.
const securityHub = new SecurityHubClient({ region: config.AWS_REGION, maxAttempts: 1 });
const publisher = new SecurityHubFindingsPublisher({ client: securityHub });
const store = new SecurityHubFindingsStore({ client: securityHub });
const idempotency = eventIdempotency(
  config.IDEMPOTENCY_TABLE_NAME,
  new DynamoDBClient({ region: config.AWS_REGION }),
);

const archiveDeleted = makeIdempotent(
  async (event: EcrImageActionEvent) =>
    archiveImageFindings(
      { store, publisher },
      {
        accountId: event.account,
        region: event.region,
        repositoryName: event.detail['repository-name'],
        imageDigest: event.detail['image-digest'],
      },
      // EventBridge writes whole seconds ("...T10:15:00Z"); the findings carry milliseconds.
      new Date(event.time).toISOString(),
      new Date().toISOString(),
    ),
  idempotency,
);

/** Archives the findings of a deleted image. Throws on a malformed event or a finding that could not be archived. */
export async function handler(event: unknown, context: LambdaContext): Promise<ArchiveImageResult> {
  logger.addContext(context as never);
  try {
    const parsed = parseWith(EcrImageActionEventSchema, event, 'ECR Image Action event');
    assertOwnEvent(parsed, config, 'archives');
    logger.setCorrelationId(parsed.id);
    const names = {
      repositoryName: parsed.detail['repository-name'],
      imageDigest: parsed.detail['image-digest'],
    };
    const action = parsed.detail['action-type'];
    const outcome = parsed.detail.result;
    if (action !== 'DELETE' || outcome !== 'SUCCESS') {
      const result: ArchiveImageResult = {
        outcome: 'skipped',
        ...names,
        reason: `action ${action} with result ${outcome}: only a successful DELETE archives findings`,
      };
      logger.info('image action skipped', { ...names, reason: result.reason });
      return result;
    }
    idempotency.config.registerLambdaContext(context as never);
    const result = await archiveDeleted(parsed);
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
    logger.removeKeys(['correlation_id']);
  }
}

/**
 * Lambda handler of the EventBridge "ECR Image Scan" event: fetch the scan's findings, map them
 * to ASFF, compare them with the image's findings in Security Hub (the state), and import them
 * with the findings of vulnerabilities no longer present archived. An older or repeated scan
 * changes nothing. The module scope is the composition root.
 */

import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  type EcrImageScanEvent,
  EcrImageScanEventSchema,
  parseWith,
  reconcileScan,
} from '@ecr-compliance/core';
import { EcrScanFindingsSource } from '../ecr/EcrScanFindingsSource.js';
import { assertOwnEvent, loadOnImageScanConfig } from '../lambda/config.js';
import { eventIdempotency, type LambdaContext } from '../lambda/idempotency.js';
import { SecurityHubFindingsPublisher } from '../securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../securityhub/SecurityHubFindingsStore.js';

const config = loadOnImageScanConfig(process.env);
const logger = new Logger();
const source = new EcrScanFindingsSource({ client: new ECRClient({ region: config.AWS_REGION }) });
// The publisher and the store own retries (quota-aware), so the client makes one attempt.
const securityHub = new SecurityHubClient({ region: config.AWS_REGION, maxAttempts: 1 });
const publisher = new SecurityHubFindingsPublisher({ client: securityHub });
const store = new SecurityHubFindingsStore({ client: securityHub });
const idempotency = eventIdempotency(
  config.IDEMPOTENCY_TABLE_NAME,
  new DynamoDBClient({ region: config.AWS_REGION }),
);

const importScan = makeIdempotent(
  async (event: EcrImageScanEvent) =>
    reconcileScan(
      { source, store, publisher },
      {
        registryId: event.account,
        repositoryName: event.detail['repository-name'],
        imageDigest: event.detail['image-digest'],
        imageTags: event.detail['image-tags'],
      },
      { granularity: config.FINDING_GRANULARITY },
    ),
  idempotency,
);

/** Imports one completed scan, or skips an older or repeated one. Throws on a malformed event or a finding that could not be imported. */
export async function handler(event: unknown, context: LambdaContext) {
  logger.addContext(context as never);
  try {
    const parsed = parseWith(EcrImageScanEventSchema, event, 'ECR Image Scan event');
    assertOwnEvent(parsed, config, 'imports');
    logger.setCorrelationId(parsed.id);
    idempotency.config.registerLambdaContext(context as never);
    const result = await importScan(parsed);
    if (result.outcome === 'skipped') {
      logger.info('scan skipped', {
        repository: result.repositoryName,
        imageDigest: result.imageDigest,
        reason: result.reason,
      });
      return result;
    }
    logger.info('scan imported', {
      repository: result.repositoryName,
      imageDigest: result.imageDigest,
      vulnerabilities: result.vulnerabilities,
      findings: result.findings,
      created: result.created,
      reactivated: result.reactivated,
      archived: result.archived,
      sent: result.publish.sent,
      succeeded: result.publish.succeeded,
      failed: result.publish.failed.length,
      requests: result.publish.requests,
    });
    return result;
  } catch (error) {
    logger.error('scan not imported', error as Error);
    throw error;
  } finally {
    logger.removeKeys(['correlation_id']);
  }
}

/**
 * Lambda handler of the EventBridge "ECR Image Scan" event: fetch the scan's findings, map them
 * to ASFF, import them into Security Hub. The module scope is the composition root.
 */

import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  type EcrImageScanEvent,
  EcrImageScanEventSchema,
  InvalidInputError,
  parseWith,
  reportScan,
} from '@ecr-compliance/core';
import { EcrScanFindingsSource } from '../ecr/EcrScanFindingsSource.js';
import { loadOnImageScanConfig } from '../lambda/config.js';
import { eventIdempotency, type LambdaContext } from '../lambda/idempotency.js';
import { SecurityHubFindingsPublisher } from '../securityhub/SecurityHubFindingsPublisher.js';

const config = loadOnImageScanConfig(process.env);
const logger = new Logger();
const source = new EcrScanFindingsSource({ client: new ECRClient({ region: config.AWS_REGION }) });
// The publisher owns retries (quota-aware, per finding), so the client makes one attempt.
const publisher = new SecurityHubFindingsPublisher({
  client: new SecurityHubClient({ region: config.AWS_REGION, maxAttempts: 1 }),
});
const idempotency = eventIdempotency(
  config.IDEMPOTENCY_TABLE_NAME,
  new DynamoDBClient({ region: config.AWS_REGION }),
);

const importScan = makeIdempotent(
  async (event: EcrImageScanEvent) =>
    reportScan(
      { source, publisher },
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

/** Imports one completed scan. Throws on a malformed event or a finding that could not be imported. */
export async function handler(event: unknown, context: LambdaContext) {
  logger.addContext(context as never);
  try {
    const parsed = parseWith(EcrImageScanEventSchema, event, 'ECR Image Scan event');
    // A rule of this account and Region only delivers its own events; anything else is misrouted.
    if (parsed.account !== config.ACCOUNT_ID || parsed.region !== config.AWS_REGION) {
      throw new InvalidInputError(
        `event of ${parsed.account}/${parsed.region}, but this function imports for ${config.ACCOUNT_ID}/${config.AWS_REGION}`,
        'account',
      );
    }
    logger.setCorrelationId(parsed.id);
    idempotency.config.registerLambdaContext(context as never);
    const result = await importScan(parsed);
    logger.info('scan imported', {
      repository: result.repositoryName,
      imageDigest: result.imageDigest,
      vulnerabilities: result.vulnerabilities,
      findings: result.findings,
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

/**
 * Lambda handler of the daily exception schedule (an EventBridge scheduled rule): every finding
 * suppressed for an exception that ended goes back to NEW with a note, the image findings of those
 * images count again (so that automatic remediation, where on, evaluates them and may block),
 * ended exceptions leave the table, and an "Exception Expiring" event goes on the bus seven days
 * before an exception ends, once. The module scope is the composition root.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { EcrComplianceError, type ExpiryResult, expireExceptions } from '@ecr-compliance/core';
import { EcrScanFindingsSource } from '../ecr/EcrScanFindingsSource.js';
import { DynamoDbExceptionStore } from '../exceptions/DynamoDbExceptionStore.js';
import { EventBridgeExceptionNotices } from '../exceptions/EventBridgeExceptionNotices.js';
import { SecurityHubExceptionFindings } from '../exceptions/SecurityHubExceptionFindings.js';
import { loadOnExceptionScheduleConfig } from '../lambda/exceptionsConfig.js';
import type { LambdaContext } from '../lambda/idempotency.js';
import { SecurityHubFindingsPublisher } from '../securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../securityhub/SecurityHubFindingsStore.js';

const config = loadOnExceptionScheduleConfig(process.env);
const logger = new Logger();
const region = config.AWS_REGION;
const exceptions = new DynamoDbExceptionStore({
  client: new DynamoDBClient({ region }),
  tableName: config.EXCEPTIONS_TABLE_NAME,
});
const securityHub = new SecurityHubClient({ region });
const findings = new SecurityHubExceptionFindings({ client: securityHub, region });
// The publisher and the store own their retries (quota-aware), so their client makes one attempt.
const quotaAware = new SecurityHubClient({ region, maxAttempts: 1 });
const images = {
  source: new EcrScanFindingsSource({ client: new ECRClient({ region }), region }),
  store: new SecurityHubFindingsStore({ client: quotaAware }),
  publisher: new SecurityHubFindingsPublisher({ client: quotaAware }),
  blockAction: config.BLOCK_ACTION,
};
const notices = new EventBridgeExceptionNotices({
  client: new EventBridgeClient({ region }),
  eventBusName: config.EVENT_BUS_NAME,
});

/** What one run did. */
export interface ExceptionScheduleResult {
  readonly expired: readonly string[];
  readonly announced: readonly string[];
  readonly restored: number;
  readonly suppressed: number;
  readonly failed: number;
  readonly images: number;
}

/** Expires ended exceptions and announces those that end within seven days. Throws when a finding or an announcement failed, so the run is retried. */
export async function handler(_event: unknown, context: LambdaContext): Promise<ExceptionScheduleResult> {
  logger.addContext(context as never);
  const now = new Date().toISOString();
  const result: ExpiryResult = await expireExceptions(
    { exceptions, findings, workflow: findings, images },
    [config.ACCOUNT_ID],
    { now },
  );
  const announced: string[] = [];
  const failures: string[] = [];
  for (const e of result.expiring) {
    try {
      await notices.expiring(e, now);
      await exceptions.markAnnounced(e.id, now);
      announced.push(e.id);
    } catch (error) {
      failures.push(`${e.id}: ${(error as Error).message}`);
    }
  }
  for (const f of result.failed) failures.push(`finding ${f.id}: ${f.error}`);
  for (const i of result.images)
    if (i.outcome === 'failed')
      failures.push(`image ${i.image.repositoryName}@${i.image.imageDigest}: ${i.error}`);
  const summary: ExceptionScheduleResult = {
    expired: result.expired.map((e) => e.id),
    announced,
    restored: result.updates.filter((u) => u.status === 'NEW').length,
    suppressed: result.updates.filter((u) => u.status === 'SUPPRESSED').length,
    failed: failures.length,
    images: result.images.filter((i) => i.outcome === 'imported').length,
  };
  logger.info('exceptions checked', { ...summary });
  if (failures.length > 0) {
    logger.error('exceptions not fully handled', { failures: failures.slice(0, 20) });
    throw new EcrComplianceError(
      `${failures.length} exception updates failed: ${failures.slice(0, 5).join('; ')}`,
    );
  }
  return summary;
}

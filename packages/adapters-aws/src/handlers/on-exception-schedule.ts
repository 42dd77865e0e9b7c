/**
 * Lambda handler of the daily exception schedule (an EventBridge scheduled rule): every finding
 * suppressed for an exception that ended goes back to NEW with a note, the image findings of those
 * images count again (so that automatic remediation, where on, evaluates them and may block),
 * ended exceptions leave the table, and an "Exception Expiring" event goes on the bus seven days
 * before an exception ends, once. The module scope is the composition root.
 *
 * It also takes the "Security Hub Findings - Imported" events of Amazon Inspector's findings
 * (enhanced scanning) that arrive NEW and ACTIVE: Inspector imports them itself, so this is the
 * moment an exception can suppress them (docs/exceptions.md, "Amazon Inspector's findings").
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  EcrComplianceError,
  type ExpiryResult,
  expireExceptions,
  parseWith,
  suppressArrivingFindings,
} from '@ecr-compliance/core';
import { EcrScanFindingsSource } from '../ecr/EcrScanFindingsSource.js';
import { FindingsImportedEventSchema } from '../events/schemas.js';
import { DynamoDbExceptionStore } from '../exceptions/DynamoDbExceptionStore.js';
import { EventBridgeExceptionNotices } from '../exceptions/EventBridgeExceptionNotices.js';
import { SecurityHubExceptionFindings } from '../exceptions/SecurityHubExceptionFindings.js';
import { assertOwnEvent } from '../lambda/config.js';
import {
  loadOnExceptionScheduleConfig,
  maxExceptionDaysOf,
  withinLimit,
} from '../lambda/exceptionsConfig.js';
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
// An arriving finding is judged only by exceptions the deployment allows (as on-image-scan does).
const allowed = withinLimit(exceptions, maxExceptionDaysOf(process.env, 'on-exception-schedule'), (r) =>
  logger.warn('exception ignored: it lasts longer than MAX_EXCEPTION_DAYS', { exceptionId: r.id }),
);
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

/** What one arriving "Findings - Imported" event did. */
export interface ArrivingFindingResult {
  readonly suppressed: number;
  readonly restored: number;
  readonly skipped: number;
}

const FINDINGS_IMPORTED = 'Security Hub Findings - Imported';

/** Suppresses the event's Amazon Inspector findings that an active exception covers. Throws when an update failed, so the event is retried. */
async function onArrivingFindings(event: unknown): Promise<ArrivingFindingResult> {
  const parsed = parseWith(FindingsImportedEventSchema, event, 'Security Hub findings-imported event');
  assertOwnEvent(parsed, config, 'suppresses findings');
  logger.setCorrelationId(parsed.id);
  const result = await suppressArrivingFindings(
    findings,
    parsed.detail.findings,
    await allowed.list(),
    new Date().toISOString(),
  );
  for (const s of result.skipped) logger.info('finding left alone', { index: s.index, reason: s.reason });
  const summary: ArrivingFindingResult = {
    suppressed: result.updates.filter((u) => u.status === 'SUPPRESSED').length,
    restored: result.updates.filter((u) => u.status === 'NEW').length,
    skipped: result.skipped.length,
  };
  if (result.failed.length > 0)
    throw new EcrComplianceError(
      `${result.failed.length} arriving findings not updated: ${result.failed
        .slice(0, 5)
        .map((f) => `${f.id}: ${f.error}`)
        .join('; ')}`,
    );
  if (result.updates.length > 0)
    logger.info('arriving findings updated for exceptions', {
      ...summary,
      findingIds: result.updates.map((u) => u.finding.id),
    });
  return summary;
}

/**
 * The daily run: expires ended exceptions and announces those that end within seven days; or,
 * for a "Findings - Imported" event, suppresses its covered Amazon Inspector findings. Throws
 * when a finding or an announcement failed, so the run (or the event) is retried.
 */
export async function handler(
  event: unknown,
  context: LambdaContext,
): Promise<ExceptionScheduleResult | ArrivingFindingResult> {
  logger.addContext(context as never);
  if ((event as { 'detail-type'?: unknown } | null)?.['detail-type'] === FINDINGS_IMPORTED) {
    try {
      return await onArrivingFindings(event);
    } catch (error) {
      logger.error('arriving findings not handled', error as Error);
      throw error;
    } finally {
      logger.removeKeys(['correlation_id']);
    }
  }
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

/**
 * Lambda handler of a completed scan: "ECR Image Scan" (basic scanning) or "Inspector2 Scan"
 * (enhanced scanning, which sends no "ECR Image Scan"). It fetches the scan's findings
 * (DescribeImageScanFindings answers for both), maps them to ASFF, compares them with the image's
 * findings in Security Hub (the state), and imports them with the findings of vulnerabilities no
 * longer present archived. An older or repeated scan changes nothing. Enhanced scans import only
 * the image finding by default, since Inspector sends its own per-vulnerability findings.
 * The module scope is the composition root.
 */

import { makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  blockMarkingPublisher,
  blockStateForScan,
  imageFindingsImported,
  PublishError,
  parseWith,
  type RepositoryIdentity,
  type RepositoryPolicyStore,
  reconcileScan,
} from '@ecr-compliance/core';
import { imageOfScanEvent } from '@ecr-compliance/core/ecr';
import { EcrRepositoryPolicyStore } from '../ecr/EcrRepositoryPolicyStore.js';
import { EcrScanFindingsSource } from '../ecr/EcrScanFindingsSource.js';
import { observeImport } from '../events/observeImport.js';
import {
  type EcrImageScanEvent,
  EcrImageScanEventSchema,
  type Inspector2ScanEvent,
  Inspector2ScanEventSchema,
} from '../events/schemas.js';
import { DynamoDbExceptionStore } from '../exceptions/DynamoDbExceptionStore.js';
import { SecurityHubExceptionFindings } from '../exceptions/SecurityHubExceptionFindings.js';
import { loadOnImageScanConfig } from '../lambda/config.js';
import { exceptionsTableOf, maxExceptionDaysOf, withinLimit } from '../lambda/exceptionsConfig.js';
import { eventIdempotency, type LambdaContext } from '../lambda/idempotency.js';
import { METRICS } from '../lambda/metricNames.js';
import { loadObservability } from '../lambda/observability.js';
import { loadOrganizationConfig } from '../lambda/organizationConfig.js';
import { accountRuntime } from '../organization/accountRuntime.js';
import { admitEvent } from '../organization/admitEvent.js';
import { SecurityHubFindingsPublisher } from '../securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../securityhub/SecurityHubFindingsStore.js';
import { holding, leaseOf, withStateOfRecord } from '../state/DynamoDbFindingsState.js';
import { clientCredentials, PerPlace } from '../sts/AccountCredentials.js';

const config = loadOnImageScanConfig(process.env);
const logger = new Logger();
const dynamoDb = new DynamoDBClient({ region: config.AWS_REGION });
// The state of record is in the function's own account (the central one in an organization).
const stateTable = config.STATE_TABLE_NAME
  ? { client: dynamoDb, tableName: config.STATE_TABLE_NAME }
  : undefined;
const organizationConfig = loadOrganizationConfig(process.env, 'on-image-scan');
const observability = loadObservability(process.env, logger, organizationConfig, config.AWS_REGION);
const { metrics } = observability;
const accounts = accountRuntime(
  organizationConfig,
  { accountId: config.ACCOUNT_ID, region: config.AWS_REGION },
  'ecr-compliance-on-image-scan',
);
// Per account and Region (the function's own only, in the single-account shape): that place's
// credentials, and a publisher whose limiter holds that place's Security Hub quota.
const importers = new PerPlace(accounts.credentials, (place, credentials) => {
  // The publisher and the store own retries (quota-aware), so the client makes one attempt.
  const securityHub = metrics.watchThrottling(
    new SecurityHubClient({
      region: place.region,
      maxAttempts: 1,
      ...clientCredentials(credentials),
    }),
  );
  const ecr = metrics.watchThrottling(
    new ECRClient({ region: place.region, ...clientCredentials(credentials) }),
  );
  return {
    source: new EcrScanFindingsSource({ client: ecr }),
    // With the state of record (the construct's table), decisions read it, not GetFindings.
    ...withStateOfRecord(
      {
        publisher: new SecurityHubFindingsPublisher({ client: securityHub }),
        store: new SecurityHubFindingsStore({ client: securityHub }),
      },
      stateTable,
    ),
    // Read once per scan: an image finding created in a blocked repository carries the block mark.
    policies: new EcrRepositoryPolicyStore({ client: ecr }),
  };
});
const idempotency = eventIdempotency(config.IDEMPOTENCY_TABLE_NAME, dynamoDb);
// The invocation's context, for the lease (leaseOf): the time it has left, not 15 minutes.
let invocation: LambdaContext | undefined;
// Exceptions (optional): the scan's covered findings are suppressed after the import.
const exceptionsTable = exceptionsTableOf(process.env, 'on-image-scan');
const exceptionStore = exceptionsTable
  ? withinLimit(
      new DynamoDbExceptionStore({
        client: dynamoDb,
        tableName: exceptionsTable,
      }),
      maxExceptionDaysOf(process.env, 'on-image-scan'),
      (r) => logger.warn('exception ignored: it lasts longer than MAX_EXCEPTION_DAYS', { exceptionId: r.id }),
    )
  : undefined;
const workflow = exceptionStore
  ? new SecurityHubExceptionFindings({
      client: new SecurityHubClient({ region: config.AWS_REGION }),
      region: config.AWS_REGION,
    })
  : undefined;

/** Whether the scan's repository is blocked now (the block mark, docs/insights.md); a policy that cannot be read marks nothing. */
async function scanBlockState(
  policies: RepositoryPolicyStore,
  repository: RepositoryIdentity,
): Promise<boolean> {
  const state = await blockStateForScan(policies, repository);
  if ('blocked' in state) return state.blocked;
  logger.warn('block state unknown: the scan carries no block mark', {
    repository: repository.repositoryName,
    reason: state.unknown,
  });
  return false;
}

/** A scan event of either kind, as parsed from EventBridge. */
type ScanEvent = EcrImageScanEvent | Inspector2ScanEvent;

const importScan = makeIdempotent(async (event: ScanEvent) => {
  const { scanning, ...image } = imageOfScanEvent(event);
  const now = new Date().toISOString();
  // Imported in the scan's own account and Region: only that account can import its findings.
  // Exceptions (this account's table) apply in every place; their workflow is written from this
  // account, which in an organization is the administrator's and may update member findings.
  const { policies, ...ports } = importers.for({ accountId: event.account, region: event.region });
  const repository = { accountId: event.account, region: event.region, repositoryName: image.repositoryName };
  const blocked = await scanBlockState(policies, repository);
  const observed = observeImport({
    ...ports,
    // The state records what the marking publisher sends: the mark is in the recorded content too.
    publisher: blockMarkingPublisher(ports.publisher, blocked),
  });
  let result: Awaited<ReturnType<typeof reconcileScan>>;
  try {
    const exceptions = exceptionStore ? await exceptionStore.list() : undefined;
    // One run of an image at a time (the state's lease): two scans of it never race.
    const held = image.imageDigest
      ? {
          accountId: event.account,
          region: event.region,
          repositoryName: image.repositoryName,
          imageDigest: image.imageDigest,
        }
      : undefined;
    result = await holding(
      ports.state,
      held,
      () =>
        reconcileScan({ ...observed.deps, ...(workflow ? { workflow } : {}) }, image, {
          granularity:
            scanning === 'enhanced' ? config.ENHANCED_FINDING_GRANULARITY : config.FINDING_GRANULARITY,
          keepAliveDays: config.KEEP_ALIVE_DAYS,
          blockAction: config.BLOCK_ACTION,
          now,
          ...(exceptions ? { exceptions } : {}),
        }),
      leaseOf(invocation),
    );
  } catch (error) {
    if (error instanceof PublishError)
      metrics.count(METRICS.findingsFailed, error.failed.length, event.account);
    throw error;
  }
  // Counted and announced inside the idempotent call: a redelivered event does neither again.
  if (result.outcome === 'imported') {
    const archived = result.archived;
    const imported = result.publish.succeeded - archived;
    metrics.count(METRICS.findingsImported, Math.max(0, imported), event.account);
    metrics.count(METRICS.findingsArchived, archived, event.account);
    metrics.count(METRICS.findingsUnchanged, result.unchanged, event.account);
    metrics.count(METRICS.findingsFailed, result.publish.failed.length, event.account);
    const seen = observed.seen();
    if (seen.scanned)
      await observability.putEvents([
        imageFindingsImported({
          scanned: seen.scanned,
          stored: seen.stored,
          imported: seen.imported,
          counts: { imported: Math.max(0, imported), archived, unchanged: result.unchanged },
          failed: result.publish.failed.length,
          now,
        }),
      ]);
  }
  return result;
}, idempotency);

const INSPECTOR_SCAN = 'Inspector2 Scan';

/** Imports one completed scan, or skips an older or repeated one. Throws on a malformed event or a finding that could not be imported. */
export async function handler(event: unknown, context: LambdaContext) {
  logger.addContext(context as never);
  invocation = context;
  try {
    const parsed: ScanEvent =
      (event as { 'detail-type'?: unknown } | null)?.['detail-type'] === INSPECTOR_SCAN
        ? parseWith(Inspector2ScanEventSchema, event, 'Inspector2 Scan event')
        : parseWith(EcrImageScanEventSchema, event, 'ECR Image Scan event');
    const refused = await admitEvent(accounts.scope, parsed, config, 'imports');
    if (refused) {
      metrics.refusal(refused.reason);
      logger.warn('scan refused', {
        account: refused.account,
        region: refused.region,
        reason: refused.reason,
      });
      return refused;
    }
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
    if (result.distrusted.length > 0) {
      // Someone who may import findings on the default product wrote times in the future.
      logger.warn('stored findings dated later than now were not believed', {
        repository: result.repositoryName,
        imageDigest: result.imageDigest,
        findingIds: result.distrusted.slice(0, 20),
        count: result.distrusted.length,
      });
    }
    logger.info('scan imported', {
      repository: result.repositoryName,
      imageDigest: result.imageDigest,
      vulnerabilities: result.vulnerabilities,
      findings: result.findings,
      created: result.created,
      reactivated: result.reactivated,
      archived: result.archived,
      unchanged: result.unchanged,
      sent: result.publish.sent,
      succeeded: result.publish.succeeded,
      failed: result.publish.failed.length,
      requests: result.publish.requests,
      ...(result.exceptions ? { exceptions: result.exceptions } : {}),
    });
    return result;
  } catch (error) {
    logger.error('scan not imported', error as Error);
    throw error;
  } finally {
    metrics.publish();
    logger.removeKeys(['correlation_id']);
  }
}

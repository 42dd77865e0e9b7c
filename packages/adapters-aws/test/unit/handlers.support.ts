/**
 * What both handler test files share: the environment, events, and the Powertools idempotency
 * record a first delivery leaves in (mocked) DynamoDB.
 */
import { ConditionalCheckFailedException, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AwsStub } from 'aws-sdk-client-mock';
import { handlerEnvironment } from '../support/world.js';
import { ACCOUNT, basicPage, coreFixture } from './helpers.js';

export type Handler = (event: unknown, context: unknown) => Promise<any>;

export const BLOCK = `arn:aws:securityhub:us-east-1:${ACCOUNT}:action/custom/BlockEcrPull`;
export const UNBLOCK = `arn:aws:securityhub:us-east-1:${ACCOUNT}:action/custom/UnblockEcrPull`;
export const TABLE = 'ecr-compliance-idempotency';

/**
 * Both handlers' environment. The endpoint is a closed loopback port: a command that a test forgot
 * to mock fails at once instead of reaching AWS.
 */
export function environment(extra: Record<string, string> = {}): Record<string, string> {
  return handlerEnvironment('http://127.0.0.1:9', {
    ACCOUNT_ID: ACCOUNT,
    IDEMPOTENCY_TABLE_NAME: TABLE,
    BLOCK_ACTION_ARN: BLOCK,
    UNBLOCK_ACTION_ARN: UNBLOCK,
    AWS_MAX_ATTEMPTS: '1',
    ...extra,
  });
}

/** The "ECR Image Scan" event of the core's fixtures, with another id. */
export function scanEvent(id: string, detail: Record<string, unknown> = {}) {
  const event = coreFixture('events/ecr-image-scan.json');
  return { ...event, id, detail: { ...event.detail, ...detail } };
}

/** The "Inspector2 Scan" event of the core's fixtures (enhanced scanning), with another id. */
export function inspectorScanEvent(id: string, detail: Record<string, unknown> = {}) {
  const event = coreFixture('events/inspector2-scan.json');
  return { ...event, id, detail: { ...event.detail, ...detail } };
}

/** A "Security Hub Findings - Custom Action" event for `action` carrying `findings`. */
export function actionEvent(id: string, action: string, findings: unknown[]) {
  const event = coreFixture('events/custom-action.json');
  return { ...event, id, resources: [action], detail: { ...event.detail, findings } };
}

/** A DescribeImageScanFindings answer for another repository (same image otherwise). */
export function pageOf(repositoryName: string) {
  return { ...basicPage(), repositoryName };
}

/**
 * The idempotency record the first delivery left, as DynamoDB would return it with
 * `ReturnValuesOnConditionCheckFailure: ALL_OLD`: the key of its PutItem, status COMPLETED, an
 * expiry in the future and the result its UpdateItem stored.
 */
export function storedRecord(
  dynamodb: AwsStub<any, any, any>,
  status: 'COMPLETED' | 'INPROGRESS' = 'COMPLETED',
) {
  const put = dynamodb.commandCalls(PutItemCommand).at(-1)?.args[0].input;
  const update = dynamodb.commandCalls(UpdateItemCommand).at(-1)?.args[0].input;
  if (!put?.Item) throw new Error('no PutItem was sent');
  const item: Record<string, unknown> = {
    id: put.Item.id,
    expiration: { N: String(Math.floor(Date.now() / 1000) + 3600) },
    status: { S: status },
  };
  if (status === 'COMPLETED') {
    if (!update?.ExpressionAttributeValues) throw new Error('no UpdateItem was sent');
    item.data = update.ExpressionAttributeValues[':response_data'];
  } else {
    item.in_progress_expiration = { N: String(Date.now() + 60_000) };
  }
  return item;
}

/** What DynamoDB answers a PutItem whose condition fails because the record exists. */
export function recordExists(item: Record<string, unknown>) {
  return new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
    Item: item as never,
  });
}

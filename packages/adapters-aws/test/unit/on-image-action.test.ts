import '../support/mockMatchers.js';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandInput,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { type AsffFinding, toAsffFindings } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureLogs, lambdaContext, loadHandler } from '../support/world.js';
import { environment, type Handler, recordExists, storedRecord } from './handlers.support.js';
import { ACCOUNT, coreFixture, DIGEST, REPOSITORY } from './helpers.js';

const HANDLER = '../../src/handlers/on-image-action.js';
const securityHub = mockClient(SecurityHubClient);
const dynamodb = mockClient(DynamoDBClient);

/** What on-image-scan imported for the fixture image (scan of 2026-11-20T10:16:02Z), as stored. */
const STORED: AsffFinding[] = toAsffFindings(
  scannedImageFromEcr(coreFixture('ecr/basic-page.json'), { region: 'us-east-1' }),
);

/** An "ECR Image Action" event of the fixture image. */
function actionEvent(id: string, detail: Record<string, unknown> = {}, time = '2026-11-24T09:00:00Z') {
  return {
    version: '0',
    id,
    'detail-type': 'ECR Image Action',
    source: 'aws.ecr',
    account: ACCOUNT,
    time,
    region: 'us-east-1',
    resources: [],
    detail: {
      result: 'SUCCESS',
      'repository-name': REPOSITORY,
      'image-digest': DIGEST,
      'action-type': 'DELETE',
      'image-tag': '1.8.2',
      ...detail,
    },
  };
}

let handler: Handler;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  handler = (await loadHandler<{ handler: Handler }>(HANDLER, environment())).handler;
});

beforeEach(() => {
  securityHub.reset();
  dynamodb.reset();
  securityHub.on(GetFindingsCommand).resolves({ Findings: STORED as never });
  securityHub.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => ({
    FailedCount: 0,
    SuccessCount: input.Findings?.length ?? 0,
    FailedFindings: [],
  }));
  logs = captureLogs();
});

afterEach(() => {
  logs.restore();
});

afterAll(() => {
  vi.unstubAllEnvs();
  securityHub.restore();
  dynamodb.restore();
});

const invoke = (event: unknown, requestId?: string) =>
  handler(event, lambdaContext('on-image-action', requestId));

describe('on-image-action handler', () => {
  it('archives every active finding of a deleted image with the event time, and logs the count', async () => {
    const result = await invoke(actionEvent('7c1e-0001'));

    expect(result).toMatchObject({ outcome: 'archived', archived: 3, repositoryName: REPOSITORY });
    const sent = securityHub.commandCalls(BatchImportFindingsCommand)[0]?.args[0].input.Findings ?? [];
    expect(sent.map((f) => [f.Id, f.RecordState, f.UpdatedAt, f.CreatedAt])).toEqual(
      STORED.map((f) => [f.Id, 'ARCHIVED', '2026-11-24T09:00:00.000Z', f.CreatedAt]),
    );
    expect(logs.lines().find((l) => l.message === 'findings of deleted image archived')).toMatchObject({
      correlation_id: '7c1e-0001',
      archived: 3,
    });
  });

  it.each([
    [{ 'action-type': 'PUSH' }, 'action PUSH with result SUCCESS'],
    [{ result: 'FAILURE' }, 'action DELETE with result FAILURE'],
  ])('skips %o with a reason, without calling AWS', async (detail, reason) => {
    const result = await invoke(actionEvent('7c1e-0002', detail));

    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining(reason) });
    expect(securityHub).not.toHaveReceivedAnyCommand();
    expect(dynamodb).not.toHaveReceivedAnyCommand();
  });

  it('skips a deletion older than the stored findings', async () => {
    const result = await invoke(actionEvent('7c1e-0003', {}, '2026-11-20T10:00:00Z'));

    expect(result).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('an older event'),
    });
    expect(securityHub).not.toHaveReceivedCommand(BatchImportFindingsCommand);
  });

  it('returns the stored result of a redelivered event without reading or importing again', async () => {
    const event = actionEvent('7c1e-0004');
    const first = await invoke(event);
    const record = storedRecord(dynamodb);
    securityHub.resetHistory();
    dynamodb.reset();
    dynamodb.on(PutItemCommand).rejects(recordExists(record));

    expect(await invoke(event, 'redelivery')).toEqual(first);
    expect(securityHub).not.toHaveReceivedAnyCommand();
    expect(dynamodb).not.toHaveReceivedCommand(UpdateItemCommand);
  });

  it('keys its idempotency record on the event id alone', async () => {
    await invoke(actionEvent('7c1e-0007'));
    await invoke(actionEvent('7c1e-0007', {}, '2026-11-25T09:00:00Z'), 'second');
    await invoke(actionEvent('7c1e-0008'), 'third');

    const keys = dynamodb.commandCalls(PutItemCommand).map((call) => call.args[0].input.Item?.id?.S);
    expect(keys).toHaveLength(3);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('refuses a malformed event and one of another account, naming the field', async () => {
    await expect(invoke({ ...actionEvent('7c1e-0005'), detail: {} })).rejects.toMatchObject({
      name: 'InvalidInputError',
      message: expect.stringContaining('detail'),
    });
    await expect(invoke({ ...actionEvent('7c1e-0006'), account: '999999999999' })).rejects.toMatchObject({
      name: 'InvalidInputError',
      path: 'account',
    });
    expect(securityHub).not.toHaveReceivedAnyCommand();
  });
});

describe('on-image-action cold start', () => {
  it.each(['IDEMPOTENCY_TABLE_NAME', 'AWS_REGION', 'ACCOUNT_ID'])(
    'fails the module load with a ConfigurationError naming %s when it is missing',
    async (name) => {
      const { [name]: _missing, ...env } = environment();
      vi.stubEnv(name, undefined);

      await expect(loadHandler(HANDLER, env)).rejects.toMatchObject({
        name: 'ConfigurationError',
        message: expect.stringContaining(name),
      });
    },
  );
});

describe('on-image-action: metrics', () => {
  it('writes the archived and failed counts in one EMF line', async () => {
    await invoke(actionEvent('7c1e-0101'));

    const emf = logs.lines().filter((line) => '_aws' in line);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ service: 'ecr-compliance', FindingsArchived: 3, FindingsFailed: 0 });
    expect(
      (emf[0]?._aws as { CloudWatchMetrics: Array<{ Namespace: string }> } | undefined)?.CloudWatchMetrics[0],
    ).toMatchObject({ Namespace: 'EcrCompliance' });
  });
});

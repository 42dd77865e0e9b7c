import '../support/mockMatchers.js';
import {
  ConditionalCheckFailedException,
  DescribeTableCommand,
  DynamoDBClient,
  ListTagsOfResourceCommand,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { ExceptionRecord, ExceptionUpdate } from '@ecr-compliance/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { DynamoDbExceptionStore } from '../../src/exceptions/DynamoDbExceptionStore.js';
import { EventBridgeExceptionNotices } from '../../src/exceptions/EventBridgeExceptionNotices.js';
import { SecurityHubExceptionFindings } from '../../src/exceptions/SecurityHubExceptionFindings.js';

const dynamo = mockClient(DynamoDBDocumentClient);
const securityHub = mockClient(SecurityHubClient);
const events = mockClient(EventBridgeClient);
const ACCOUNT = '111122223333';
const record: ExceptionRecord = {
  id: 'exc-1',
  vulnerabilityId: 'CVE-2026-1000',
  scope: { accountId: ACCOUNT, repositoryName: 'team-a/api' },
  justification: 'accepted_risk',
  statement: 'fix scheduled',
  owner: 'team-a@example.com',
  createdAt: '2026-12-02T12:00:00.000Z',
  expiresAt: '2026-12-30T00:00:00.000Z',
};

beforeEach(() => {
  dynamo.reset();
  securityHub.reset();
  events.reset();
});
afterAll(() => {
  dynamo.restore();
  securityHub.restore();
  events.restore();
});

describe('DynamoDbExceptionStore', () => {
  const store = new DynamoDbExceptionStore({
    client: new DynamoDBClient({ region: 'us-east-1' }),
    tableName: 'exceptions',
  });

  it('writes a new exception only if its id is free, and says so in one line', async () => {
    dynamo
      .on(PutCommand)
      .resolvesOnce({})
      .rejectsOnce(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }));
    await store.put(record);
    expect(dynamo).toHaveReceivedCommandWith(PutCommand, {
      TableName: 'exceptions',
      Item: record,
      ConditionExpression: 'attribute_not_exists(id)',
    });
    await expect(store.put(record)).rejects.toThrow('id: an exception exc-1 exists already');
  });

  it('reads every page and checks each item, keeping the bookkeeping attribute out of the record', async () => {
    dynamo
      .on(ScanCommand)
      .resolvesOnce({
        Items: [{ ...record, announcedAt: '2026-12-23T00:00:00Z' }],
        LastEvaluatedKey: { id: 'exc-1' },
      })
      .resolvesOnce({ Items: [{ ...record, id: 'exc-0' }] });
    expect((await store.list()).map((r) => r.id)).toEqual(['exc-0', 'exc-1']);
    expect(dynamo).toHaveReceivedCommandTimes(ScanCommand, 2);
  });

  it('refuses an unreadable item instead of guessing', async () => {
    dynamo.on(ScanCommand).resolves({ Items: [{ ...record, expiresAt: undefined }] });
    await expect(store.list()).rejects.toThrow(
      /^table exceptions holds an unreadable exception "exc-1": expiresAt: is required/,
    );
  });

  it('returns what it removed', async () => {
    dynamo.on(DeleteCommand).resolves({ Attributes: record });
    expect(await store.remove('exc-1')).toEqual(record);
    expect(dynamo).toHaveReceivedCommandWith(DeleteCommand, {
      Key: { id: 'exc-1' },
      ReturnValues: 'ALL_OLD',
    });
  });
});

describe("DynamoDbExceptionStore: the deployment's longest expiry", () => {
  const raw = mockClient(DynamoDBClient);
  const ARN = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/exceptions`;
  const store = new DynamoDbExceptionStore({
    client: new DynamoDBClient({ region: 'us-east-1' }),
    tableName: 'exceptions',
  });
  beforeEach(() => {
    raw.reset();
    raw.on(DescribeTableCommand).resolves({ Table: { TableArn: ARN } });
  });
  afterAll(() => raw.restore());

  it("reads the table's tag, following the pages of tags", async () => {
    raw
      .on(ListTagsOfResourceCommand, { ResourceArn: ARN })
      .resolvesOnce({ Tags: [{ Key: 'team', Value: 'security' }], NextToken: 't1' })
      .resolvesOnce({ Tags: [{ Key: 'ecr-compliance:max-expiry-days', Value: '30' }] });
    expect(await store.maxExpiryDays()).toBe(30);
    expect(raw).toHaveReceivedCommandWith(ListTagsOfResourceCommand, { ResourceArn: ARN, NextToken: 't1' });
  });

  it('is undefined without the tag', async () => {
    raw.on(ListTagsOfResourceCommand).resolves({ Tags: [] });
    expect(await store.maxExpiryDays()).toBeUndefined();
  });

  it('refuses a tag that is not a limit, and says in one line when the tags cannot be read', async () => {
    raw
      .on(ListTagsOfResourceCommand)
      .resolves({ Tags: [{ Key: 'ecr-compliance:max-expiry-days', Value: 'ten' }] });
    await expect(store.maxExpiryDays()).rejects.toThrow(
      'table exceptions: ecr-compliance:max-expiry-days: must be a whole number of days from 1 to 366, got "ten"',
    );
    raw
      .on(ListTagsOfResourceCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await expect(store.maxExpiryDays()).rejects.toThrow(
      /^cannot read the tag ecr-compliance:max-expiry-days of table exceptions: AccessDeniedException/,
    );
  });
});

describe('SecurityHubExceptionFindings', () => {
  const findings = new SecurityHubExceptionFindings({
    client: new SecurityHubClient({ region: 'us-east-1' }),
    region: 'us-east-1',
  });
  const update = (id: string, patch: Partial<ExceptionUpdate> = {}): ExceptionUpdate => ({
    finding: { id, productArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default` },
    status: 'SUPPRESSED',
    exceptionId: 'exc-1',
    note: 'Suppressed by exception exc-1',
    ...patch,
  });

  it('writes only Workflow.Status, the Note and its UserDefinedFields, one request per note and status', async () => {
    securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
    await findings.apply([
      update('a'),
      update('b'),
      update('c', { status: 'NEW', note: 'Exception exc-1 expired' }),
    ]);
    const calls = securityHub.commandCalls(BatchUpdateFindingsCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(Object.keys(calls[0] ?? {}).sort()).toEqual([
      'FindingIdentifiers',
      'Note',
      'UserDefinedFields',
      'Workflow',
    ]);
    expect(calls[0]).toMatchObject({
      FindingIdentifiers: [{ Id: 'a' }, { Id: 'b' }],
      Workflow: { Status: 'SUPPRESSED' },
      Note: { Text: 'Suppressed by exception exc-1', UpdatedBy: 'ecr-compliance exceptions' },
      UserDefinedFields: { 'ecr-compliance/ExceptionId': 'exc-1', 'ecr-compliance/ExceptionState': 'active' },
    });
    expect(calls[1]).toMatchObject({
      Workflow: { Status: 'NEW' },
      UserDefinedFields: { 'ecr-compliance/ExceptionState': 'ended' },
    });
  });

  it('reports unprocessed findings and failed requests per finding', async () => {
    securityHub
      .on(BatchUpdateFindingsCommand)
      .resolvesOnce({
        ProcessedFindings: [],
        UnprocessedFindings: [
          {
            FindingIdentifier: { Id: 'a', ProductArn: 'p' },
            ErrorCode: 'FindingNotFound',
            ErrorMessage: 'gone',
          },
        ],
      })
      .rejectsOnce(Object.assign(new Error('slow down'), { name: 'LimitExceededException' }));
    const out = await findings.apply([update('a'), update('b', { status: 'NEW', note: 'ended' })]);
    expect(out.failed).toEqual([
      { id: 'a', error: 'FindingNotFound: gone' },
      { id: 'b', error: 'LimitExceededException: slow down' },
    ]);
  });

  it('reads the findings of a repository with filters, and checks what comes back', async () => {
    const arn = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-a/api/sha256:${'a'.repeat(64)}`;
    securityHub.on(GetFindingsCommand).resolves({
      Findings: [
        {
          Id: 'ours',
          ProductArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
          Resources: [{ Id: arn, Type: 'AwsEcrContainerImage' }],
          RecordState: 'ACTIVE',
        },
        {
          Id: 'other-repo',
          ProductArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
          Resources: [{ Id: arn.replace('team-a/api', 'team-a/web'), Type: 'AwsEcrContainerImage' }],
          RecordState: 'ACTIVE',
        },
        {
          Id: 'foreign-product',
          ProductArn: 'arn:aws:securityhub:us-east-1::product/other/tool',
          Resources: [{ Id: arn, Type: 'AwsEcrContainerImage' }],
        },
      ] as never,
    });
    const read = await findings.coveredBy(
      { accountId: ACCOUNT, repositoryName: 'team-a/api' },
      'CVE-2026-1000',
    );
    expect(read.map((f) => f.Id)).toEqual(['ours']);
    expect(securityHub).toHaveReceivedCommandWith(GetFindingsCommand, {
      Filters: expect.objectContaining({
        ResourceId: [
          { Value: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-a/api/`, Comparison: 'PREFIX' },
        ],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
      }),
    });
  });
});

describe('EventBridgeExceptionNotices', () => {
  it('puts one "Exception Expiring" event with the exception, and fails when EventBridge refuses it', async () => {
    events
      .on(PutEventsCommand)
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: '1' }] })
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
      });
    const notices = new EventBridgeExceptionNotices({
      client: new EventBridgeClient({ region: 'us-east-1' }),
      eventBusName: 'default',
    });
    await notices.expiring(record, '2026-12-23T00:00:00.000Z');
    const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      Source: 'ecr-compliance',
      DetailType: 'Exception Expiring',
      EventBusName: 'default',
    });
    expect(JSON.parse(entry?.Detail ?? '')).toMatchObject({
      exceptionId: 'exc-1',
      owner: 'team-a@example.com',
      expiresAt: '2026-12-30T00:00:00.000Z',
    });
    await expect(notices.expiring(record, '2026-12-23T00:00:00.000Z')).rejects.toThrow(
      'EventBridge did not take the "Exception Expiring" event of exc-1: InternalFailure try again',
    );
  });
});

/**
 * The branches of the state of record that moto does not reach: pages, unprocessed keys, failed
 * calls and findings that cannot be recorded. The lifecycle itself is proven against moto in
 * test/integration/state-of-record.test.ts.
 */

import { gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import {
  type AsffFinding,
  EcrComplianceError,
  FINGERPRINT_FIELD,
  type StoredFinding,
} from '@ecr-compliance/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DynamoDbFindingsState,
  holding,
  ImageBusyError,
  LEASE_MARGIN_MS,
  leaseOf,
  withStateOfRecord,
} from '../../src/state/DynamoDbFindingsState.js';

const dynamo = mockClient(DynamoDBDocumentClient);

const IMAGE = {
  accountId: '111122223333',
  region: 'eu-west-1',
  repositoryName: 'team/app',
  imageDigest: `sha256:${'a'.repeat(64)}`,
};
const ARN = `arn:aws:ecr:eu-west-1:111122223333:repository/team/app/${IMAGE.imageDigest}`;

function finding(id: string, updatedAt = '2026-11-20T10:00:00.000Z', state = 'ACTIVE'): AsffFinding {
  return {
    SchemaVersion: '2018-10-08',
    Id: id,
    ProductArn: 'arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default',
    ProductName: 'Default',
    CompanyName: 'Personal',
    Region: 'eu-west-1',
    GeneratorId: 'ecr-compliance/ecr-basic',
    AwsAccountId: '111122223333',
    Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    CreatedAt: '2026-11-20T10:00:00.000Z',
    FirstObservedAt: '2026-11-20T10:00:00.000Z',
    LastObservedAt: '2026-11-20T10:00:00.000Z',
    UpdatedAt: updatedAt,
    Severity: { Label: 'HIGH', Original: 'HIGH' },
    Title: 'CVE-1 - openssl',
    Description: 'CVE-1 in openssl.',
    ProductFields: { [FINGERPRINT_FIELD]: 'fp-1' },
    Resources: [{ Type: 'AwsEcrContainerImage', Id: ARN, Partition: 'aws', Region: 'eu-west-1' }],
    RecordState: state,
  } as unknown as AsffFinding;
}

const adoptNothing = { findingsOf: async (): Promise<StoredFinding[]> => [] };
const noSleep = async () => undefined;
const state = (options: Partial<ConstructorParameters<typeof DynamoDbFindingsState>[0]> = {}) =>
  new DynamoDbFindingsState({
    client: new DynamoDBClient({ region: 'eu-west-1' }),
    tableName: 'state',
    adoptFrom: adoptNothing,
    sleep: noSleep,
    ...options,
  });

beforeEach(() => dynamo.reset());

/** The PutRequests of every BatchWriteItem request sent. */
const transacted = () =>
  dynamo
    .commandCalls(BatchWriteCommand)
    .flatMap((c) => Object.values(c.args[0].input.RequestItems ?? {}).flat())
    .flatMap((r) => (r.PutRequest ? [r.PutRequest] : []));

describe('DynamoDbFindingsState', () => {
  it('reads every page of the image, strongly consistent, and gives the lifecycle fields', async () => {
    dynamo
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ pk: `state#${ARN}`, sk: '#recorded' }],
        LastEvaluatedKey: { pk: `state#${ARN}`, sk: '#recorded' },
      })
      .resolvesOnce({
        Items: [
          {
            pk: `state#${ARN}`,
            sk: 'finding#f-1',
            g: 'ecr-compliance/ecr-basic',
            c: '2026-11-20T10:00:00.000Z',
            u: '2026-11-21T10:00:00.000Z',
            um: 1,
            s: 'ARCHIVED',
            p: 'fp-1',
          },
        ],
      });
    const s = state();

    expect(await s.findingsOf(IMAGE)).toEqual([
      {
        Id: 'f-1',
        GeneratorId: 'ecr-compliance/ecr-basic',
        CreatedAt: '2026-11-20T10:00:00.000Z',
        UpdatedAt: '2026-11-21T10:00:00.000Z',
        RecordState: 'ARCHIVED',
        ProductFields: { [FINGERPRINT_FIELD]: 'fp-1' },
      },
    ]);
    const calls = dynamo.commandCalls(QueryCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.args[0].input).toMatchObject({
      ConsistentRead: true,
      ExpressionAttributeValues: { ':pk': `state#${ARN}` },
    });
    expect(calls[1]?.args[0].input.ExclusiveStartKey).toBeDefined();
    expect(s.stats).toMatchObject({ queries: 2, adopted: 0 });
  });

  it('adopts an image without a record from the store it wraps, recording what it read', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutCommand).resolves({});
    dynamo.on(BatchWriteCommand).resolves({});
    const s = state({ adoptFrom: { findingsOf: async () => [finding('f-1') as unknown as StoredFinding] } });

    const found = await s.findingsOf(IMAGE);

    expect(found.map((f) => f.Id)).toEqual(['f-1']);
    const records = transacted().map((p) => p.Item);
    expect(records.map((i) => i?.pk).sort()).toEqual([`content#${ARN}`, `state#${ARN}`]);
    expect(dynamo.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.sk)).toEqual(['#recorded']);
    expect(s.stats).toMatchObject({ adopted: 1, written: 2, batches: 1, unrecorded: 0 });
  });

  it('does not record an adopted finding that is not valid ASFF, and counts it', async () => {
    dynamo.on(QueryCommand).resolves({ Items: [] });
    dynamo.on(PutCommand).resolves({});
    const { Title: _title, ...untitled } = finding('f-1');
    const s = state({ adoptFrom: { findingsOf: async () => [untitled as unknown as StoredFinding] } });

    expect(await s.findingsOf(IMAGE)).toHaveLength(1);
    expect(dynamo.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.sk)).toEqual(['#recorded']);
    expect(s.stats).toMatchObject({ written: 0, unrecorded: 1 });
  });

  it('retries the keys BatchGetItem leaves unprocessed, and unzips the whole findings', async () => {
    const whole = finding('f-2');
    const item = (id: string) => ({
      pk: `content#${ARN}`,
      sk: `finding#${id}`,
      b: gzipSync(JSON.stringify({ ...whole, Id: id })),
    });
    dynamo
      .on(BatchGetCommand)
      .resolvesOnce({
        Responses: { state: [item('f-1')] },
        UnprocessedKeys: { state: { Keys: [{ pk: `content#${ARN}`, sk: 'finding#f-2' }] } },
      })
      .resolvesOnce({ Responses: { state: [item('f-2')] } });

    const got = await state().wholeFindings(IMAGE, [
      finding('f-1') as unknown as StoredFinding,
      finding('f-2') as unknown as StoredFinding,
    ]);

    expect(got.map((f) => [f.Id, f.Title])).toEqual([
      ['f-1', 'CVE-1 - openssl'],
      ['f-2', 'CVE-1 - openssl'],
    ]);
    const calls = dynamo.commandCalls(BatchGetCommand);
    expect(calls[0]?.args[0].input.RequestItems?.state?.ConsistentRead).toBe(true);
    expect(calls[1]?.args[0].input.RequestItems?.state?.Keys).toHaveLength(1);
  });

  it('records only what Security Hub accepted, forward only, and skips findings without an image', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(BatchWriteCommand).resolves({});
    const s = state();
    const accepted = finding('f-ok');
    const refused = finding('f-refused');
    const noImage = {
      ...finding('f-repo'),
      Resources: [{ Type: 'AwsEcrRepository', Id: 'arn:repo' }],
    } as unknown as AsffFinding;
    const publisher = s.recording({
      publish: async (findings) => ({
        sent: findings.length,
        succeeded: findings.length - 1,
        failed: [{ id: 'f-refused', errorCode: 'InvalidInput', errorMessage: 'no' }],
        requests: 1,
      }),
    });

    await publisher.publish([accepted, refused, noImage]);

    const findingPuts = transacted();
    expect(findingPuts.map((p) => p.Item?.sk)).toEqual(['finding#f-ok', 'finding#f-ok']);
    expect(findingPuts.map((p) => p.Item?.u)).toEqual([accepted.UpdatedAt, undefined]);
    expect(findingPuts[1]?.Item?.b).toBeInstanceOf(Uint8Array);
  });

  it('writes 25 records a request, again for those left unprocessed, and names the table when a write fails', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(BatchWriteCommand).resolves({});
    const s = state();
    const accept = s.recording({
      publish: async (f) => ({ sent: f.length, succeeded: f.length, failed: [], requests: 1 }),
    });
    await accept.publish(Array.from({ length: 30 }, (_, i) => finding(`f-${i}`)));
    expect(
      dynamo.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems?.state?.length),
    ).toEqual([25, 25, 10]);

    dynamo.reset();
    dynamo.on(PutCommand).resolves({});
    dynamo
      .on(BatchWriteCommand)
      .resolvesOnce({
        UnprocessedItems: { state: [{ PutRequest: { Item: { pk: `state#${ARN}`, sk: 'finding#f-1' } } }] },
      })
      .resolves({});
    const before = s.stats.written;
    await accept.publish([finding('f-1')]);
    const calls = dynamo.commandCalls(BatchWriteCommand);
    expect(calls.map((c) => c.args[0].input.RequestItems?.state?.length)).toEqual([2, 1]);
    expect(s.stats.written - before).toBe(2);

    dynamo.reset();
    dynamo
      .on(BatchWriteCommand)
      .rejects(
        Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }),
      );
    await expect(accept.publish([finding('f-1')])).rejects.toThrow(
      /^table state: BatchWriteItem failed: ResourceNotFoundException/,
    );
  });

  it('fails a query with a one-line error that names the table', async () => {
    dynamo
      .on(QueryCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    await expect(state().findingsOf(IMAGE)).rejects.toThrow(
      /^table state: Query failed: AccessDeniedException/,
    );
    await expect(state().findingsOf(IMAGE)).rejects.toBeInstanceOf(EcrComplianceError);
  });

  it('takes the lease with a condition, waits with backoff, then refuses with ImageBusyError', async () => {
    let now = 1_000;
    dynamo.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'held', $metadata: {} }));
    const s = state({
      waitMs: 1_000,
      clock: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    });
    await expect(s.exclusive(IMAGE, async () => 'never')).rejects.toBeInstanceOf(ImageBusyError);
    const puts = dynamo.commandCalls(PutCommand);
    expect(puts.length).toBeGreaterThan(2);
    expect(puts[0]?.args[0].input).toMatchObject({
      ConditionExpression: 'attribute_not_exists(pk) OR #until < :now',
      Item: { pk: `lock#${ARN}`, sk: '#lock' },
    });
    expect(dynamo.commandCalls(DeleteCommand)).toHaveLength(0);
  });

  it('holds the lease for the time the caller gives (a function: its remaining time), else 15 minutes', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(DeleteCommand).resolves({});
    const s = state({ clock: () => 1_000_000 });
    await s.exclusive(IMAGE, async () => 'done', 90_000);
    await s.exclusive(IMAGE, async () => 'done');
    const untils = dynamo.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.until);
    expect(untils).toEqual([1_000_000 + 90_000, 1_000_000 + 15 * 60_000]);
  });

  it("gives a Lambda invocation the lease for the time it has left and the margin, else the state's default", () => {
    expect(leaseOf({ getRemainingTimeInMillis: () => 60_000 })).toBe(60_000 + LEASE_MARGIN_MS);
    expect(leaseOf({ getRemainingTimeInMillis: () => -5 })).toBe(LEASE_MARGIN_MS);
    expect(leaseOf(undefined)).toBeUndefined();
  });

  it('gives the lease back, on the owner condition, when the work fails', async () => {
    dynamo.on(PutCommand).resolves({});
    dynamo.on(DeleteCommand).resolves({});
    await expect(state().exclusive(IMAGE, async () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    const deleted = dynamo.commandCalls(DeleteCommand)[0]?.args[0].input;
    const owner = dynamo.commandCalls(PutCommand)[0]?.args[0].input.Item?.owner;
    expect(deleted).toMatchObject({
      ConditionExpression: '#owner = :owner',
      ExpressionAttributeValues: { ':owner': owner },
    });
  });

  it('leaves the ports as they are without a table, and runs the work at once', async () => {
    const ports = {
      store: adoptNothing,
      publisher: { publish: async () => ({ sent: 0, succeeded: 0, failed: [], requests: 0 }) },
    };
    expect(withStateOfRecord(ports, undefined)).toBe(ports);
    await expect(holding(undefined, IMAGE, async () => 'ran')).resolves.toBe('ran');
    expect(dynamo.calls()).toHaveLength(0);
  });
});

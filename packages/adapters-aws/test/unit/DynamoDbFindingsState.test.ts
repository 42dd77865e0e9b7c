/**
 * The branches of the state of record that moto does not reach: pages, unprocessed keys, failed
 * calls and findings that cannot be recorded. The lifecycle itself is proven against moto in
 * test/integration/state-of-record.test.ts.
 */

import { gunzipSync, gzipSync } from 'node:zlib';
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
  packed,
  withStateOfRecord,
} from '../../src/state/DynamoDbFindingsState.js';

/** Text that does not compress: `size` characters from a seeded generator. */
function randomText(size: number, seed: number): string {
  let x = seed + 1;
  let out = '';
  for (let i = 0; i < size; i += 1) {
    x = (x * 1103515245 + 12345) % 2147483648;
    out += String.fromCharCode(97 + (x % 26));
  }
  return out;
}

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

/**
 * An in-memory table behind the mock, for round trips: Query (sorted by sk, `pageSize` items a
 * page), PutItem with the head's conditions, BatchGetItem (the first key of a request left
 * unprocessed when `unprocessedOnce`), BatchWriteItem deletes.
 */
function memoryTable(options: { pageSize?: number; unprocessedOnce?: boolean } = {}) {
  const items = new Map<string, Record<string, unknown>>();
  const key = (k: Record<string, unknown>) => `${k.pk}\u0000${k.sk}`;
  let unprocessed = options.unprocessedOnce ?? false;
  let hideParts = false;
  dynamo.on(QueryCommand).callsFake((input) => {
    const pk = input.ExpressionAttributeValues[':pk'];
    const hidden = hideParts;
    hideParts = false;
    const all = [...items.values()]
      .filter((i) => !(hidden && String(i.sk).startsWith('part#')))
      .filter((i) => i.pk === pk)
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
    const from = input.ExclusiveStartKey ? all.findIndex((i) => i.sk === input.ExclusiveStartKey.sk) + 1 : 0;
    const page = all.slice(from, from + (options.pageSize ?? 1000));
    const more = from + page.length < all.length;
    return { Items: page, ...(more ? { LastEvaluatedKey: { pk, sk: page.at(-1)?.sk } } : {}) };
  });
  dynamo.on(PutCommand).callsFake((input) => {
    const existing = items.get(key(input.Item));
    const condition: string | undefined = input.ConditionExpression;
    if (
      (condition === 'attribute_not_exists(w)' && existing?.w !== undefined) ||
      (condition === 'w = :w' && existing?.w !== input.ExpressionAttributeValues[':w'])
    )
      throw new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} });
    items.set(key(input.Item), input.Item);
    return {};
  });
  dynamo.on(BatchGetCommand).callsFake((input) => {
    const keys: Record<string, unknown>[] = input.RequestItems.state.Keys;
    const [first, ...rest] = keys;
    const answered = unprocessed ? rest : keys;
    const out = {
      Responses: { state: answered.flatMap((k) => items.get(key(k)) ?? []) },
      ...(unprocessed && first ? { UnprocessedKeys: { state: { Keys: [first] } } } : {}),
    };
    unprocessed = false;
    return out;
  });
  dynamo.on(BatchWriteCommand).callsFake((input) => {
    for (const r of input.RequestItems.state) items.delete(key(r.DeleteRequest.Key));
    return {};
  });
  return {
    items,
    /** The next query answers without the parts, as if they were not written yet. */
    hidePartsOnce: () => {
      hideParts = true;
    },
    /** The segments of the image (`<write id>#<n>`), each in a partition of its own. */
    segments: () =>
      [...items.values()]
        .map((i) => String(i.pk))
        .filter((pk) => pk.startsWith(`content#${ARN}#`))
        .map((pk) => pk.slice(`content#${ARN}#`.length))
        .sort(),
    /** The sort keys of a partition. */
    sks: (pk: string) =>
      [...items.values()]
        .filter((i) => i.pk === pk)
        .map((i) => String(i.sk))
        .sort(),
  };
}

const accepting = {
  publish: async (f: readonly AsffFinding[]) => ({
    sent: f.length,
    succeeded: f.length,
    failed: [],
    requests: 1,
  }),
};

/** A finding of another vulnerability, with its own fingerprint and a description of `size` characters. */
const numbered = (n: number, size = 40) =>
  ({
    ...finding(`f-${n}`),
    Description: `CVE-${n} ${randomText(size, n)}`,
    ProductFields: { [FINGERPRINT_FIELD]: `fp-${n}` },
  }) as unknown as AsffFinding;

describe('DynamoDbFindingsState', () => {
  it('reads back what it recorded, in every page, strongly consistent, with the lifecycle fields', async () => {
    const table = memoryTable({ pageSize: 2 });
    // Small items: the records take several parts and the content several segments.
    const writer = state({ itemBytes: 200 });
    await writer.recording(accepting).publish(Array.from({ length: 12 }, (_, n) => numbered(n, 900)));

    expect(table.sks(`record#${ARN}`).filter((sk) => sk.startsWith('part#')).length).toBeGreaterThan(1);
    expect(table.segments().length).toBeGreaterThan(1);
    expect(writer.stats).toMatchObject({ written: 12, unrecorded: 0 });

    dynamo.resetHistory();
    const reader = state();
    const found = await reader.findingsOf(IMAGE);
    expect(found).toHaveLength(12);
    expect(found.find((f) => f.Id === 'f-3')).toEqual({
      Id: 'f-3',
      GeneratorId: 'ecr-compliance/ecr-basic',
      CreatedAt: '2026-11-20T10:00:00.000Z',
      UpdatedAt: '2026-11-20T10:00:00.000Z',
      FirstObservedAt: '2026-11-20T10:00:00.000Z',
      RecordState: 'ACTIVE',
      ProductFields: { [FINGERPRINT_FIELD]: 'fp-3' },
    });
    const calls = dynamo.commandCalls(QueryCommand);
    expect(calls.length).toBeGreaterThan(1);
    expect(calls[0]?.args[0].input).toMatchObject({
      ConsistentRead: true,
      ExpressionAttributeValues: { ':pk': `record#${ARN}` },
    });
    expect(calls[1]?.args[0].input.ExclusiveStartKey).toBeDefined();
    expect(reader.stats).toMatchObject({ queries: calls.length, adopted: 0 });

    // The whole findings come from their segments.
    const whole = await reader.wholeFindings(IMAGE, found.slice(0, 3));
    expect(whole.map((f) => f.Description)).toEqual(
      found.slice(0, 3).map((f) => expect.stringContaining(`${f.Id.replace('f-', 'CVE-')} `)),
    );
  });

  it('packs findings into gzip arrays under the limit, in order, and splits a pack that is too large', () => {
    const texts = Array.from({ length: 50 }, (_, n) => JSON.stringify({ n, pad: randomText(300, n) }));
    const packs = packed(texts, 2_000);
    expect(packs.length).toBeGreaterThan(1);
    expect(packs.every((p) => p.body.length <= 2_000)).toBe(true);
    const back = packs.flatMap((p) => JSON.parse(gunzipSync(p.body).toString('utf8')) as unknown[]);
    expect(back).toEqual(texts.map((t) => JSON.parse(t)));
    expect(packs.reduce((n, p) => n + p.count, 0)).toBe(50);
    // One text larger than the limit is a pack of its own (DynamoDB refuses it, with a message).
    expect(packed([JSON.stringify(randomText(5_000, 1))], 100).map((p) => p.count)).toEqual([1]);
    expect(packed([], 100)).toEqual([]);
  });

  it('leaves out the records that expired, as Security Hub deletes their findings, and out of the next head', async () => {
    const table = memoryTable();
    let now = Date.parse('2026-11-21T00:00:00.000Z');
    const s = state({ clock: () => now });
    await s
      .recording(accepting)
      .publish([
        finding('f-archived', '2026-11-20T10:00:00.000Z', 'ARCHIVED'),
        finding('f-active', '2026-11-20T10:00:00.000Z', 'ACTIVE'),
      ]);
    const [archived, active] = await state({ clock: () => now })
      .records(IMAGE)
      .then((r) => ['f-archived', 'f-active'].map((id) => r.find((f) => f.Id === id)));
    expect(archived?.expiresAt).toBe(Date.parse('2026-11-20T10:00:00.000Z') / 1000 + 30 * 86_400);
    expect(active?.expiresAt).toBe(Date.parse('2026-11-20T10:00:00.000Z') / 1000 + 90 * 86_400);

    now = Date.parse('2026-12-25T00:00:00.000Z');
    expect((await state({ clock: () => now }).findingsOf(IMAGE)).map((f) => f.Id)).toEqual(['f-active']);
    const segments = table.segments();
    const later = state({ clock: () => now });
    await later.findingsOf(IMAGE);
    await later.recording(accepting).publish([finding('f-new', '2026-12-25T00:00:00.000Z')]);
    expect((await later.records(IMAGE)).map((r) => r.Id).sort()).toEqual(['f-active', 'f-new']);
    // Out of the head as written, not only as read.
    const head = [...table.items.values()].find((i) => i.pk === `record#${ARN}` && i.sk === '#head');
    const written = JSON.parse(gunzipSync(head?.r as Uint8Array).toString('utf8')) as Array<{ i: string }>;
    expect(written.map((r) => r.i).sort()).toEqual(['f-active', 'f-new']);
    // The first segment still holds f-active's content: it stays.
    expect(table.segments()).toEqual(expect.arrayContaining(segments));
  });

  it('adopts an image without a record (or only in the earlier layout) from the store it wraps, recording what it read', async () => {
    const table = memoryTable();
    table.items.set('old', { pk: `state#${ARN}`, sk: 'finding#f-0', g: 'ecr-compliance/ecr-basic' });
    const s = state({ adoptFrom: { findingsOf: async () => [finding('f-1') as unknown as StoredFinding] } });

    const found = await s.findingsOf(IMAGE);

    expect(found.map((f) => f.Id)).toEqual(['f-1']);
    expect(table.sks(`record#${ARN}`)).toEqual(['#head']);
    expect(table.segments()).toEqual([expect.stringMatching(/^[0-9a-f]{8}#0$/)]);
    const puts = dynamo.commandCalls(PutCommand).map((c) => c.args[0].input);
    // The content first, then the head, on the condition that there was none.
    expect(puts.map((p) => p.Item?.sk)).toEqual(['#seg', '#head']);
    expect(puts[0]?.Item?.pk).toMatch(new RegExp(`^content#${ARN}#[0-9a-f]{8}#0$`));
    expect(puts[1]?.ConditionExpression).toBe('attribute_not_exists(w)');
    expect(s.stats).toMatchObject({ adopted: 1, written: 1, puts: 2, queries: 1, unrecorded: 0 });
    expect((await state().findingsOf(IMAGE)).map((f) => f.Id)).toEqual(['f-1']);
  });

  it('does not record an adopted finding that is not valid ASFF, and counts it', async () => {
    const table = memoryTable();
    const { Title: _title, ...untitled } = finding('f-1');
    const s = state({ adoptFrom: { findingsOf: async () => [untitled as unknown as StoredFinding] } });

    expect(await s.findingsOf(IMAGE)).toHaveLength(1);
    expect(table.sks(`record#${ARN}`)).toEqual(['#head']);
    expect(await state().records(IMAGE)).toEqual([]);
    expect(s.stats).toMatchObject({ written: 0, unrecorded: 1 });
  });

  it('retries the keys BatchGetItem leaves unprocessed, and reads each finding from the segment of its last import', async () => {
    memoryTable({ unprocessedOnce: true });
    const s = state();
    const publisher = s.recording(accepting);
    await publisher.publish([numbered(1), numbered(2)]);
    await publisher.publish([{ ...numbered(2), Title: 'CVE-2 - openssl, again' } as AsffFinding]);

    const got = await state().wholeFindings(IMAGE, [
      numbered(1) as unknown as StoredFinding,
      numbered(2) as unknown as StoredFinding,
    ]);

    expect(got.map((f) => [f.Id, f.Title]).sort()).toEqual([
      ['f-1', 'CVE-1 - openssl'],
      ['f-2', 'CVE-2 - openssl, again'],
    ]);
    const calls = dynamo.commandCalls(BatchGetCommand);
    expect(calls[0]?.args[0].input.RequestItems?.state?.ConsistentRead).toBe(true);
    expect(calls[0]?.args[0].input.RequestItems?.state?.Keys).toHaveLength(2);
    expect(calls[1]?.args[0].input.RequestItems?.state?.Keys).toHaveLength(1);
  });

  it('records only what Security Hub accepted, and skips findings without an image', async () => {
    memoryTable();
    const s = state();
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

    await publisher.publish([finding('f-ok'), finding('f-refused'), noImage]);

    expect((await state().records(IMAGE)).map((r) => r.Id)).toEqual(['f-ok']);
    expect(s.stats.written).toBe(1);
  });

  it('reads the head once a run, writes on the condition of its write id, and deletes the segments and parts nothing refers to', async () => {
    const table = memoryTable();
    const s = state({ itemBytes: 150 });
    await s.recording(accepting).publish([numbered(1, 900), numbered(2, 900)]);
    const firstParts = table.sks(`record#${ARN}`).filter((sk) => sk.startsWith('part#'));
    expect(firstParts.length).toBeGreaterThan(1);
    const firstWrite = table.items.get(`record#${ARN}\u0000#head`)?.w;

    dynamo.resetHistory();
    const next = state({ itemBytes: 150 });
    await next.findingsOf(IMAGE);
    await next.recording(accepting).publish([numbered(1, 900), numbered(2, 900)]);

    expect(dynamo.commandCalls(QueryCommand)).toHaveLength(1);
    const head = dynamo
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input)
      .find((i) => i.Item?.sk === '#head');
    expect(head).toMatchObject({
      ConditionExpression: 'w = :w',
      ExpressionAttributeValues: { ':w': firstWrite },
    });
    // Both findings were imported again: the first write's segments and parts are gone.
    const write = table.items.get(`record#${ARN}\u0000#head`)?.w as string;
    expect(table.segments().every((k) => k.startsWith(`${write}#`))).toBe(true);
    expect(table.sks(`record#${ARN}`).every((sk) => sk === '#head' || sk.startsWith(`part#${write}#`))).toBe(
      true,
    );
    expect(next.stats.deleted).toBe(firstParts.length + 2);
  });

  it('takes a head the SDK wrote before its retry met the condition for its own, and keeps its parts', async () => {
    const table = memoryTable();
    await state({ itemBytes: 150 })
      .recording(accepting)
      .publish([numbered(1, 900), numbered(2, 900)]);
    // The next head lands, but its answer is lost: the SDK's retry fails the condition on it.
    let lost = true;
    dynamo.on(PutCommand).callsFake((input) => {
      table.items.set(`${input.Item.pk}\u0000${input.Item.sk}`, input.Item);
      if (input.Item.sk === '#head' && lost) {
        lost = false;
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
        });
      }
      return {};
    });
    dynamo.resetHistory();
    const s = state({ itemBytes: 150 });
    await s.findingsOf(IMAGE);
    await s.recording(accepting).publish([numbered(3, 900)]);

    const heads = dynamo.commandCalls(PutCommand).filter((c) => c.args[0].input.Item?.sk === '#head');
    expect(heads).toHaveLength(1);
    expect((await state().findingsOf(IMAGE)).map((f) => f.Id).sort()).toEqual(['f-1', 'f-2', 'f-3']);
    expect(s.stats.written).toBe(1);
  });

  it('deletes with its write the parts no head refers to (a write that died before its head), and reads a missing part again once', async () => {
    const table = memoryTable();
    const s = state({ itemBytes: 150 });
    await s.recording(accepting).publish([numbered(1, 900), numbered(2, 900)]);
    table.items.set(`record#${ARN}\u0000part#deadbeef#0`, {
      pk: `record#${ARN}`,
      sk: 'part#deadbeef#0',
      b: gzipSync('[]'),
    });

    // A reader that meets the head before its parts are visible reads the partition again.
    table.hidePartsOnce();
    const next = state({ itemBytes: 150 });
    expect((await next.findingsOf(IMAGE)).map((f) => f.Id).sort()).toEqual(['f-1', 'f-2']);
    expect(next.stats.queries).toBe(2);

    await next.recording(accepting).publish([numbered(3, 900)]);
    const write = table.items.get(`record#${ARN}\u0000#head`)?.w as string;
    expect(table.sks(`record#${ARN}`).filter((sk) => !sk.startsWith(`part#${write}#`))).toEqual(['#head']);
  });

  it('answers the whole findings it adopted and did not record (a dry run) from what Security Hub gave', async () => {
    memoryTable();
    const adopted = numbered(1) as unknown as StoredFinding;
    const dry = state({ recordAdopted: false, adoptFrom: { findingsOf: async () => [adopted] } });
    const found = await dry.findingsOf(IMAGE);
    expect(await dry.wholeFindings(IMAGE, found)).toEqual([adopted]);
    expect(dynamo.commandCalls(BatchGetCommand)).toHaveLength(0);
    expect(dynamo.commandCalls(PutCommand)).toHaveLength(0);
  });

  it('never takes a record back in time when it merges into a head another writer wrote', async () => {
    memoryTable();
    const first = state();
    const second = state();
    await first.findingsOf(IMAGE);
    await second.findingsOf(IMAGE);
    await first.recording(accepting).publish([finding('f-1', '2026-11-22T10:00:00.000Z')]);
    await second.recording(accepting).publish([finding('f-1', '2026-11-21T10:00:00.000Z')]);
    expect((await state().records(IMAGE)).map((r) => r.UpdatedAt)).toEqual(['2026-11-22T10:00:00.000Z']);
  });

  it('merges into a head another writer changed since it was read, and gives up with a one-line error when it keeps changing', async () => {
    const table = memoryTable();
    const first = state();
    const second = state();
    await first.findingsOf(IMAGE);
    await second.findingsOf(IMAGE);
    await first.recording(accepting).publish([finding('f-1')]);
    await second.recording(accepting).publish([finding('f-2')]);
    expect((await state().records(IMAGE)).map((r) => r.Id).sort()).toEqual(['f-1', 'f-2']);

    dynamo.on(PutCommand).callsFake((input) => {
      if (input.Item?.sk === '#head')
        throw new ConditionalCheckFailedException({
          message: 'The conditional request failed',
          $metadata: {},
        });
      table.items.set(`${input.Item.pk}\u0000${input.Item.sk}`, input.Item);
      return {};
    });
    await expect(
      state()
        .recording(accepting)
        .publish([finding('f-3')]),
    ).rejects.toThrow(
      /^table state: the record of arn:aws:ecr:.+ changed under every write: the event is retried$/,
    );
  });

  it('never overwrites a head it cannot read, and names it', async () => {
    const table = memoryTable();
    table.items.set('bad', { pk: `record#${ARN}`, sk: '#head', w: 'abcd1234', r: Buffer.from('not gzip') });
    await expect(state().findingsOf(IMAGE)).rejects.toThrow(
      /^table state: the record of arn:aws:ecr:.+ \(r\) is not readable \(not gzip'd JSON array\): it is left as it is$/,
    );
    await expect(
      state()
        .recording(accepting)
        .publish([finding('f-1')]),
    ).rejects.toBeInstanceOf(EcrComplianceError);
    expect(dynamo.commandCalls(PutCommand).filter((c) => c.args[0].input.Item?.sk === '#head')).toHaveLength(
      0,
    );

    table.items.set('bad', { pk: `record#${ARN}`, sk: '#head', w: 'abcd1234', parts: 2 });
    table.items.set('part', { pk: `record#${ARN}`, sk: 'part#abcd1234#0', b: gzipSync('[]') });
    await expect(state().findingsOf(IMAGE)).rejects.toThrow(/misses its part part#abcd1234#1/);
  });

  it('writes nothing of the head when the content cannot be written, and names the table', async () => {
    memoryTable();
    dynamo
      .on(PutCommand)
      .rejects(
        Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }),
      );
    await expect(
      state()
        .recording(accepting)
        .publish([finding('f-1')]),
    ).rejects.toThrow(/^table state: PutItem failed: ResourceNotFoundException/);
    expect(dynamo.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.sk)).toEqual(['#seg']);
  });

  it('leaves to the TTL what it could not delete', async () => {
    const table = memoryTable();
    const s = state();
    await s.recording(accepting).publish([finding('f-1')]);
    dynamo.on(BatchWriteCommand).rejects(new Error('throttled'));
    await s.recording(accepting).publish([finding('f-1')]);
    expect(table.segments()).toHaveLength(2);
    expect((await state().records(IMAGE)).map((r) => r.Id)).toEqual(['f-1']);
    expect(s.stats.deleted).toBe(0);
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

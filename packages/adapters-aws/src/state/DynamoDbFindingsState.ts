/**
 * The lifecycle's state of record in DynamoDB (issue 12 §3): per image, the findings this tool
 * imported, with their fingerprints, record states and times, written only after Security Hub
 * accepted them. Security Hub's GetFindings is eventually consistent (AWS-FACTS §11.3) and allows
 * 3 requests a second; this table is read with strongly consistent queries, one page for an image
 * of a thousand vulnerabilities, and GetFindings is left only to adopt the findings of an image that
 * has no record yet (an upgrade, or findings imported before the table existed).
 *
 * Items (partition key `pk`, sort key `sk`, both strings; `ttl` is the table's time-to-live):
 *
 * | pk                    | sk                 | holds                                                                   |
 * | --------------------- | ------------------ | ----------------------------------------------------------------------- |
 * | `state#<image ARN>`   | `#recorded`        | that the image has a record (an image without findings has one too)     |
 * | `state#<image ARN>`   | `finding#<Id>`     | GeneratorId, CreatedAt, UpdatedAt, FirstObservedAt, RecordState, fingerprint |
 * | `content#<image ARN>` | `finding#<Id>`     | the whole finding as imported, gzip-compressed JSON (read only to archive it) |
 * | `lock#<image ARN>`    | `#lock`            | the run that holds the image now, and until when                        |
 *
 * The content lives in a partition of its own so that the query a scan makes reads only the small
 * state items. Two runs of one image never overlap: each takes the image's lease with a conditional
 * write first ({@link DynamoDbFindingsState.exclusive}), reads the state strongly consistent under
 * it, and writes the records (BatchWriteItem, 25 a request) before it gives the lease back, so an
 * older scan that arrives late reads the newer state and changes nothing. An ARCHIVED record expires 30 days after its archiving, when Security Hub deletes the finding; an
 * ACTIVE one 90 days after its last update, when Security Hub deletes it too.
 */
import { randomUUID } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import {
  type AsffFinding,
  EcrComplianceError,
  FINGERPRINT_FIELD,
  type FindingsPublisher,
  type FindingsStore,
  fromStoredFinding,
  type ImageIdentity,
  imageArn,
  type PublishResult,
  type StoredFinding,
} from '@ecr-compliance/core';
import { describeError } from '../awsErrors.js';

const DAY_S = 24 * 60 * 60;
/** Security Hub deletes an archived finding 30 days after its archiving (AWS-FACTS §11.3). */
export const ARCHIVED_RECORD_DAYS = 30;
/** Security Hub deletes any finding 90 days after its last update. */
export const ACTIVE_RECORD_DAYS = 90;
const RECORDED = '#recorded';
const LOCK = '#lock';
const FINDING = 'finding#';
/** BatchGetItem's largest request. */
const BATCH_GET = 100;
/** BatchWriteItem's largest request. */
const BATCH_WRITE = 25;

/** A run of an image held by another run for longer than the wait ({@link DynamoDbFindingsState.exclusive}). */
export class ImageBusyError extends EcrComplianceError {
  constructor(image: string, waitedMs: number) {
    super(
      `another run holds image ${image} (waited ${waitedMs} ms): the event is retried, so that two runs of one image never overlap`,
    );
    this.name = 'ImageBusyError';
  }
}

/** Options of {@link DynamoDbFindingsState}; every field but `client`, `tableName` and `adoptFrom` has a default. */
export interface DynamoDbFindingsStateOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Where the findings of an image without a record are read once, to adopt them: Security Hub. */
  readonly adoptFrom: FindingsStore;
  /** False: adopted findings are returned but not recorded (a dry run writes nothing). @default true */
  readonly recordAdopted?: boolean;
  /** Write requests (BatchWriteItem, 25 records each) in flight at once. @default 4 */
  readonly concurrency?: number;
  /** How long a run holds an image at most (longer than the function's timeout). @default 15 minutes */
  readonly leaseMs?: number;
  /** How long a run waits for an image another run holds, before {@link ImageBusyError}. @default 20 s */
  readonly waitMs?: number;
  /** Milliseconds since the epoch. @default Date.now */
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the state did, for the logs and the benchmark. */
export interface StateStats {
  /** Query pages read. */
  queries: number;
  /** Images whose findings were adopted from Security Hub. */
  adopted: number;
  /** Records written. */
  written: number;
  /** BatchWriteItem requests (25 records each at most), retries of unprocessed items included. */
  batches: number;
  /** BatchGetItem requests for whole findings. */
  contentReads: number;
  /** Findings not recorded because they are not valid ASFF (an adopted finding someone else wrote): they stay in Security Hub only. */
  unrecorded: number;
}

type Item = Record<string, unknown>;

/** The container image resource of a finding: its Id is the image ARN the records are kept under. */
function imageOf(finding: { readonly Resources?: unknown }): string | undefined {
  const resources = finding.Resources as ReadonlyArray<{ Type?: string; Id?: string }> | undefined;
  return resources?.find((r) => r.Type === 'AwsEcrContainerImage')?.Id;
}

const ms = (iso: string): number => Date.parse(iso);

/**
 * The state of record, as a {@link FindingsStore} for the use cases, with a publisher wrapper that
 * records what Security Hub accepted ({@link DynamoDbFindingsState.recording}) and a per-image lease
 * ({@link DynamoDbFindingsState.exclusive}).
 */
export class DynamoDbFindingsState implements FindingsStore {
  readonly stats: StateStats = {
    queries: 0,
    adopted: 0,
    written: 0,
    batches: 0,
    contentReads: 0,
    unrecorded: 0,
  };
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #adoptFrom: FindingsStore;
  readonly #recordAdopted: boolean;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #waitMs: number;
  readonly #clock: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: DynamoDbFindingsStateOptions) {
    this.#client = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    this.#table = options.tableName;
    this.#adoptFrom = options.adoptFrom;
    this.#recordAdopted = options.recordAdopted ?? true;
    this.#concurrency = options.concurrency ?? 4;
    this.#leaseMs = options.leaseMs ?? 15 * 60 * 1000;
    this.#waitMs = options.waitMs ?? 20_000;
    this.#clock = options.clock ?? Date.now;
    this.#sleep = options.sleep ?? ((t) => new Promise((resolve) => setTimeout(resolve, t)));
  }

  /**
   * The image's recorded findings (strongly consistent), with the fields the lifecycle reads. An
   * image without a record has its findings read from Security Hub once, recorded, and returned.
   */
  async findingsOf(image: ImageIdentity): Promise<readonly StoredFinding[]> {
    const arn = imageArn(image);
    const items = await this.#query(`state#${arn}`);
    if (items.length > 0) return items.filter((i) => i.sk !== RECORDED).map(stateOf);
    const adopted = await this.#adoptFrom.findingsOf(image);
    this.stats.adopted += 1;
    if (this.#recordAdopted) await this.#record(arn, adopted);
    return adopted;
  }

  /** The whole findings, by Id, as they were imported (BatchGetItem, strongly consistent). */
  async wholeFindings(
    image: ImageIdentity,
    findings: readonly StoredFinding[],
  ): Promise<readonly StoredFinding[]> {
    const pk = `content#${imageArn(image)}`;
    const out: StoredFinding[] = [];
    for (let i = 0; i < findings.length; i += BATCH_GET) {
      let keys: Item[] | undefined = findings
        .slice(i, i + BATCH_GET)
        .map((f) => ({ pk, sk: FINDING + f.Id }));
      for (let attempt = 0; keys && keys.length > 0; attempt += 1) {
        if (attempt > 0) await this.#sleep(Math.min(2000, 50 * 2 ** attempt));
        if (attempt > 8)
          throw new EcrComplianceError(`table ${this.#table}: whole findings not read after retries`);
        this.stats.contentReads += 1;
        const page = await this.#call('BatchGetItem', () =>
          this.#client.send(
            new BatchGetCommand({
              RequestItems: { [this.#table]: { Keys: keys as Item[], ConsistentRead: true } },
            }),
          ),
        );
        for (const item of page.Responses?.[this.#table] ?? []) out.push(contentOf(item));
        keys = page.UnprocessedKeys?.[this.#table]?.Keys as Item[] | undefined;
      }
    }
    return out;
  }

  /** `publisher`, recording after each publish the findings Security Hub accepted. */
  recording(publisher: FindingsPublisher): FindingsPublisher {
    return {
      publish: async (findings: readonly AsffFinding[]): Promise<PublishResult> => {
        const result = await publisher.publish(findings);
        const failed = new Set(result.failed.map((f) => f.id));
        const byImage = new Map<string, AsffFinding[]>();
        for (const f of findings) {
          const arn = imageOf(f);
          if (failed.has(f.Id) || arn === undefined) continue;
          byImage.set(arn, [...(byImage.get(arn) ?? []), f]);
        }
        for (const [arn, accepted] of byImage) await this.#record(arn, accepted);
        return result;
      },
    };
  }

  /**
   * Runs `work` while this run holds the image: a conditional write takes the lease (free, or
   * expired), and another run waits for it with backoff, then fails with {@link ImageBusyError}
   * so that its event is retried. The lease is given back when `work` ends, however it ends.
   * `leaseMs` (default: the option's) bounds how long a run that dies holding it (a Lambda timeout)
   * keeps others out: a function passes its remaining time plus a margin.
   */
  async exclusive<T>(image: ImageIdentity, work: () => Promise<T>, leaseMs = this.#leaseMs): Promise<T> {
    const arn = imageArn(image);
    const owner = randomUUID();
    const key = { pk: `lock#${arn}`, sk: LOCK };
    const started = this.#clock();
    for (let attempt = 0; ; attempt += 1) {
      const now = this.#clock();
      try {
        await this.#client.send(
          new PutCommand({
            TableName: this.#table,
            Item: {
              ...key,
              owner,
              until: now + leaseMs,
              ttl: Math.ceil((now + leaseMs) / 1000) + DAY_S,
            },
            ConditionExpression: 'attribute_not_exists(pk) OR #until < :now',
            ExpressionAttributeNames: { '#until': 'until' },
            ExpressionAttributeValues: { ':now': now },
          }),
        );
        break;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException))
          throw new EcrComplianceError(`table ${this.#table}: PutItem failed: ${describeError(error)}`, {
            cause: error,
          });
        const waited = this.#clock() - started;
        if (waited >= this.#waitMs) throw new ImageBusyError(arn, waited);
        await this.#sleep(Math.min(2000, 100 * 2 ** attempt));
      }
    }
    try {
      return await work();
    } finally {
      await this.#client
        .send(
          new DeleteCommand({
            TableName: this.#table,
            Key: key,
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': owner },
          }),
        )
        .catch(() => undefined); // Lost or expired: the lease ends by itself.
    }
  }

  async #query(pk: string): Promise<Item[]> {
    const items: Item[] = [];
    let start: Item | undefined;
    do {
      this.stats.queries += 1;
      const page: QueryCommandOutput = await this.#call('Query', () =>
        this.#client.send(
          new QueryCommand({
            TableName: this.#table,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': pk },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Records `findings` of the image `arn` (state and content); the caller holds the image's lease. */
  async #record(arn: string, findings: readonly StoredFinding[] | readonly AsffFinding[]): Promise<void> {
    const writes: Array<{ readonly item: Item }> = [];
    for (const finding of findings as readonly StoredFinding[]) {
      let content: AsffFinding;
      try {
        content = fromStoredFinding(finding, {});
      } catch {
        // Not a finding this tool could import again: it is not recorded, and stays in Security Hub only.
        this.stats.unrecorded += 1;
        continue;
      }
      const updated = ms(finding.UpdatedAt);
      const ttl =
        Math.ceil(updated / 1000) +
        (finding.RecordState === 'ARCHIVED' ? ARCHIVED_RECORD_DAYS : ACTIVE_RECORD_DAYS) * DAY_S;
      const fingerprint = (finding.ProductFields as Record<string, unknown> | undefined)?.[FINGERPRINT_FIELD];
      const sk = FINDING + finding.Id;
      writes.push({
        item: {
          pk: `state#${arn}`,
          sk,
          g: finding.GeneratorId,
          c: finding.CreatedAt,
          u: finding.UpdatedAt,
          f: finding.FirstObservedAt,
          s: finding.RecordState ?? 'ACTIVE',
          p: typeof fingerprint === 'string' ? fingerprint : undefined,
          ttl,
        },
      });
      writes.push({
        item: { pk: `content#${arn}`, sk, b: gzipSync(JSON.stringify(content)), ttl },
      });
    }
    const chunks: Array<() => Promise<void>> = [];
    for (let i = 0; i < writes.length; i += BATCH_WRITE) {
      const chunk = writes.slice(i, i + BATCH_WRITE).map((w) => w.item);
      chunks.push(() => this.#batchWrite(chunk));
    }
    await inPool(chunks, this.#concurrency);
    const now = this.#clock();
    await this.#call('PutItem', () =>
      this.#client.send(
        new PutCommand({
          TableName: this.#table,
          Item: {
            pk: `state#${arn}`,
            sk: RECORDED,
            at: new Date(now).toISOString(),
            ttl: Math.ceil(now / 1000) + ACTIVE_RECORD_DAYS * DAY_S,
          },
        }),
      ),
    );
  }

  /**
   * Writes up to 25 records in one BatchWriteItem, again for those DynamoDB leaves unprocessed
   * (with backoff). No condition: the run holds the image's lease ({@link exclusive}), so no other
   * run writes these keys meanwhile, and it decided on a strongly consistent read taken under it.
   */
  async #batchWrite(items: readonly Item[]): Promise<void> {
    let pending: Item[] = items.map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > 8)
        throw new EcrComplianceError(
          `table ${this.#table}: ${pending.length} records not written after retries`,
        );
      if (attempt > 0) await this.#sleep(Math.min(2000, 50 * 2 ** attempt));
      const requests = pending;
      const out = await this.#call('BatchWriteItem', () =>
        this.#client.send(new BatchWriteCommand({ RequestItems: { [this.#table]: requests } })),
      );
      this.stats.batches += 1;
      const unprocessed = (out.UnprocessedItems?.[this.#table] ?? []) as Item[];
      this.stats.written += requests.length - unprocessed.length;
      pending = unprocessed;
    }
  }

  async #call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new EcrComplianceError(`table ${this.#table}: ${operation} failed: ${describeError(error)}`, {
        cause: error,
      });
    }
  }
}

/** A state item as the lifecycle reads it. */
function stateOf(item: Item): StoredFinding {
  return {
    Id: (item.sk as string).slice(FINDING.length),
    GeneratorId: item.g as string,
    CreatedAt: item.c as string,
    UpdatedAt: item.u as string,
    ...(item.f ? { FirstObservedAt: item.f as string } : {}),
    RecordState: item.s as string,
    ProductFields: item.p ? { [FINGERPRINT_FIELD]: item.p as string } : {},
  };
}

/** A content item's finding. */
function contentOf(item: Item): StoredFinding {
  return JSON.parse(gunzipSync(item.b as Uint8Array).toString('utf8')) as StoredFinding;
}

/** Runs `tasks` with at most `limit` in flight; the first failure is thrown once all have settled. */
async function inPool(tasks: ReadonlyArray<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      try {
        await task();
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure) throw failure;
}

/** The store and publisher of one account and Region, with the state of record where a table is configured. */
export interface StatefulPorts {
  readonly store: FindingsStore;
  readonly publisher: FindingsPublisher;
  /** The state of record, for its lease ({@link DynamoDbFindingsState.exclusive}); absent without a table. */
  readonly state?: DynamoDbFindingsState;
}

/**
 * Security Hub's store and publisher as they are without `table`; with it, the state of record in
 * front of them: decisions read the table, Security Hub is read only to adopt an image without a
 * record, and every finding Security Hub accepts is recorded.
 */
export function withStateOfRecord(
  ports: { readonly store: FindingsStore; readonly publisher: FindingsPublisher },
  table: { readonly client: DynamoDBClient; readonly tableName: string } | undefined,
): StatefulPorts {
  if (!table) return ports;
  const state = new DynamoDbFindingsState({ ...table, adoptFrom: ports.store });
  return { store: state, publisher: state.recording(ports.publisher), state };
}

/** Runs `work` holding `image` when there is a state of record, and at once otherwise. */
export function holding<T>(
  state: DynamoDbFindingsState | undefined,
  image: ImageIdentity | undefined,
  work: () => Promise<T>,
  leaseMs?: number,
): Promise<T> {
  return state && image ? state.exclusive(image, work, leaseMs) : work();
}

/** What a Lambda run adds to the time it has left, for the clocks, when it holds an image. */
export const LEASE_MARGIN_MS = 30_000;

/**
 * How long a Lambda invocation holds an image ({@link DynamoDbFindingsState.exclusive}): the time
 * it has left and {@link LEASE_MARGIN_MS}, so that a run that times out keeps the image's other
 * events out only that long; undefined without an invocation (the state's default).
 */
export function leaseOf(invocation: { getRemainingTimeInMillis(): number } | undefined): number | undefined {
  return invocation ? Math.max(0, invocation.getRemainingTimeInMillis()) + LEASE_MARGIN_MS : undefined;
}

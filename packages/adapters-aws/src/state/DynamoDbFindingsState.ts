/**
 * The lifecycle's state of record in DynamoDB (issue 12 §3): per image, the findings this tool
 * imported, with their fingerprints, record states and times, written only after Security Hub
 * accepted them. Security Hub's GetFindings is eventually consistent (AWS-FACTS §11.3) and allows
 * 3 requests a second; this table is read with strongly consistent queries, one page for an image
 * of a thousand vulnerabilities, and GetFindings is left only to adopt the findings of an image that
 * has no record yet (an upgrade, or findings imported before the table existed).
 *
 * An image's record is packed, not one item a finding: a thousand findings are a few items, so a
 * scan writes a few PutItem requests (and a few hundred write units) instead of eighty
 * BatchWriteItem requests of two thousand items. Items (partition key `pk`, sort key `sk`, both
 * strings; `ttl` is the table's time-to-live):
 *
 * | pk                   | sk                   | holds                                                                          |
 * | -------------------- | -------------------- | ------------------------------------------------------------------------------ |
 * | `record#<image ARN>` | `#head`              | the record: its write id `w`, and its findings' records (gzip JSON) or how many parts hold them |
 * | `record#<image ARN>` | `part#<w>#<n>`       | the records of a head too large for one item, in parts                         |
 * | `content#<image ARN>#<w>#<n>` | `#seg`      | whole findings as one write imported them (gzip JSON array, read only to archive) |
 * | `lock#<image ARN>`   | `#lock`              | the run that holds the image now, and until when                               |
 *
 * A finding's record holds GeneratorId, CreatedAt, UpdatedAt, FirstObservedAt, RecordState, its
 * fingerprint, when it expires, and the segment that holds its last imported content. Two runs of
 * one image never overlap: each takes the image's lease with a conditional write first
 * ({@link DynamoDbFindingsState.exclusive}) and reads the record strongly consistent under it. A
 * write puts the new segments and parts first, then the head on the condition that it is still the
 * one read (its write id), so a head never refers to parts or content that are not written; the
 * parts and segments nothing refers to any more are deleted after it (their TTL is the backstop),
 * so a reader without the lease (a dry run) that read the head before may miss one: a missing part
 * is read again once, and a missing segment fails the run with a message, before any import. An
 * older scan that arrives late reads the newer record and changes nothing. An ARCHIVED record
 * expires 30 days after its archiving, when Security Hub deletes the finding, an
 * ACTIVE one 90 days after its last update, when Security Hub deletes it too: expired records are
 * left out when the head is read, and out of the next head written.
 *
 * The partitions of the earlier layout (`state#<image ARN>`, one item a finding) are not read: an
 * image recorded only there is adopted from Security Hub once, and its old items expire by TTL.
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
const HEAD = '#head';
const LOCK = '#lock';
/** The compressed size of a segment or part at most: DynamoDB's item limit is 400 KB, keys and names included. */
const ITEM_BYTES = 350_000;
/** BatchGetItem's largest request. */
const BATCH_GET = 100;
/** BatchWriteItem's largest request. */
const BATCH_WRITE = 25;
/** Writes of the head retried when another writer changed it since it was read (only without a lease). */
const HEAD_ATTEMPTS = 3;

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
  /** Write requests (segments and parts) in flight at once. @default 4 */
  readonly concurrency?: number;
  /** How long a run holds an image at most (longer than the function's timeout). @default 15 minutes */
  readonly leaseMs?: number;
  /** How long a run waits for an image another run holds, before {@link ImageBusyError}. @default 20 s */
  readonly waitMs?: number;
  /** The compressed size of a segment or part at most (smaller in tests, to make several). @default 350,000 bytes */
  readonly itemBytes?: number;
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
  /** Finding records written. */
  written: number;
  /** PutItem requests for heads, parts and segments. */
  puts: number;
  /** BatchGetItem requests for segments (whole findings). */
  contentReads: number;
  /** Parts and segments deleted once nothing referred to them. */
  deleted: number;
  /** Findings not recorded because they are not valid ASFF (an adopted finding someone else wrote): they stay in Security Hub only. */
  unrecorded: number;
}

type Item = Record<string, unknown>;

/** One finding's record, as the head packs it. */
interface FindingRecord {
  /** Id */
  readonly i: string;
  /** GeneratorId */
  readonly g: string;
  /** CreatedAt */
  readonly c: string;
  /** UpdatedAt */
  readonly u: string;
  /** FirstObservedAt, when the finding has one */
  readonly f?: string;
  /** RecordState */
  readonly s: string;
  /** The fingerprint, when the finding has one */
  readonly p?: string;
  /** The segment that holds the finding as last imported: its write id and number */
  readonly k: string;
  /** When the record expires, in seconds since the epoch */
  readonly t: number;
}

/** An image's record as read: the write id of its head (none: no record yet), and its findings' records by Id. */
interface Head {
  readonly w?: string;
  readonly records: ReadonlyMap<string, FindingRecord>;
  /** The sort keys of the head's parts. */
  readonly parts: readonly string[];
  /** Parts of no head (a write that failed or died before its head): deleted with the next write. */
  readonly stale: readonly string[];
}

const NO_RECORD: Head = { records: new Map(), parts: [], stale: [] };

/** The container image resource of a finding: its Id is the image ARN the records are kept under. */
function imageOf(finding: { readonly Resources?: unknown }): string | undefined {
  const resources = finding.Resources as ReadonlyArray<{ Type?: string; Id?: string }> | undefined;
  return resources?.find((r) => r.Type === 'AwsEcrContainerImage')?.Id;
}

const ms = (iso: string): number => Date.parse(iso);

/**
 * JSON texts packed into gzip'd JSON arrays of at most `limit` bytes each, in order: greedily by
 * size, a pack that compresses to more than the limit split in two.
 */
export function packed(texts: readonly string[], limit: number): Array<{ body: Buffer; count: number }> {
  const out: Array<{ body: Buffer; count: number }> = [];
  const pack = (from: number, to: number): void => {
    let json = '[';
    for (let i = from; i < to; i += 1) json += (i > from ? ',' : '') + texts[i];
    const body = gzipSync(`${json}]`);
    if (body.length <= limit || to - from === 1) {
      out.push({ body, count: to - from });
      return;
    }
    const middle = from + Math.floor((to - from) / 2);
    pack(from, middle);
    pack(middle, to);
  };
  // Findings compress about tenfold: a first cut of four times the limit rarely needs a split.
  let from = 0;
  let size = 0;
  for (let i = 0; i < texts.length; i += 1) {
    size += (texts[i] as string).length;
    if (size > 4 * limit && i > from) {
      pack(from, i);
      from = i;
      size = (texts[i] as string).length;
    }
  }
  if (from < texts.length) pack(from, texts.length);
  return out;
}

function unpacked<T>(body: unknown, what: string): T[] {
  try {
    const value: unknown = JSON.parse(gunzipSync(body as Uint8Array).toString('utf8'));
    if (Array.isArray(value)) return value as T[];
  } catch {
    // Named below.
  }
  throw new EcrComplianceError(`${what} is not readable (not gzip'd JSON array): it is left as it is`);
}

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
    puts: 0,
    contentReads: 0,
    deleted: 0,
    unrecorded: 0,
  };
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #adoptFrom: FindingsStore;
  readonly #recordAdopted: boolean;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #waitMs: number;
  readonly #itemBytes: number;
  readonly #clock: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  /**
   * The heads this run read or wrote, by image ARN, so that recording after a decision does not
   * read the head again. Dropped when the run gives the image back; a head changed meanwhile fails
   * the write's condition and is read again.
   */
  readonly #heads = new Map<string, Head>();
  /**
   * The findings adopted from Security Hub by this run, by image ARN and Id: the whole findings of
   * those without a record (a dry run records none; an invalid one is never recorded).
   */
  readonly #adopted = new Map<string, ReadonlyMap<string, StoredFinding>>();

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
    this.#itemBytes = options.itemBytes ?? ITEM_BYTES;
    this.#clock = options.clock ?? Date.now;
    this.#sleep = options.sleep ?? ((t) => new Promise((resolve) => setTimeout(resolve, t)));
  }

  /**
   * The image's recorded findings (strongly consistent), with the fields the lifecycle reads. An
   * image without a record has its findings read from Security Hub once, recorded, and returned.
   */
  async findingsOf(image: ImageIdentity): Promise<readonly StoredFinding[]> {
    const arn = imageArn(image);
    const head = await this.#load(arn);
    if (head.w !== undefined) return [...head.records.values()].map(storedOf);
    const adopted = await this.#adoptFrom.findingsOf(image);
    this.stats.adopted += 1;
    this.#adopted.set(arn, new Map(adopted.map((f) => [f.Id, f])));
    if (this.#recordAdopted) await this.#record(arn, adopted);
    return adopted;
  }

  /**
   * The records of the image as the table holds them now (strongly consistent), with when each
   * expires (seconds since the epoch) and the segment that holds its content (`<write id>#<n>`); empty
   * when the image has no record. For inspection.
   */
  async records(
    image: ImageIdentity,
  ): Promise<ReadonlyArray<StoredFinding & { readonly expiresAt: number; readonly segment: string }>> {
    const arn = imageArn(image);
    this.#heads.delete(arn);
    const head = await this.#load(arn);
    this.#heads.delete(arn);
    return [...head.records.values()].map((r) => ({ ...storedOf(r), expiresAt: r.t, segment: r.k }));
  }

  /**
   * The whole findings, by Id, as they were last imported (BatchGetItem of their segments, strongly
   * consistent), or as this run adopted them from Security Hub when it did not record them.
   */
  async wholeFindings(
    image: ImageIdentity,
    findings: readonly StoredFinding[],
  ): Promise<readonly StoredFinding[]> {
    const arn = imageArn(image);
    const head = this.#heads.get(arn) ?? (await this.#load(arn));
    const wanted = new Set(findings.map((f) => f.Id));
    const segments = [...new Set(findings.flatMap((f) => head.records.get(f.Id)?.k ?? []))];
    const out: StoredFinding[] = [];
    for (let i = 0; i < segments.length; i += BATCH_GET) {
      let keys: Item[] | undefined = segments.slice(i, i + BATCH_GET).map((k) => segmentKey(arn, k));
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
        for (const item of page.Responses?.[this.#table] ?? []) {
          const segment = unpacked<StoredFinding>(item.b, `table ${this.#table}: segment ${item.pk}`);
          for (const f of segment) {
            // A segment may hold an older import of a finding whose record points to a newer one.
            if (wanted.has(f.Id) && segmentKey(arn, head.records.get(f.Id)?.k ?? '').pk === item.pk)
              out.push(f);
          }
        }
        keys = page.UnprocessedKeys?.[this.#table]?.Keys as Item[] | undefined;
      }
    }
    // Adopted by this run and not recorded (a dry run, or not valid ASFF): as Security Hub gave them.
    const adopted = this.#adopted.get(arn);
    for (const f of findings) {
      const whole = head.records.has(f.Id) ? undefined : adopted?.get(f.Id);
      if (whole) out.push(whole);
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
          const accepted = byImage.get(arn);
          if (accepted) accepted.push(f);
          else byImage.set(arn, [f]);
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
    // What another run wrote while this one waited is read afresh.
    this.#heads.delete(arn);
    this.#adopted.delete(arn);
    try {
      return await work();
    } finally {
      this.#heads.delete(arn);
      this.#adopted.delete(arn);
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

  /**
   * The image's head and parts, in one query page up to a few thousand findings; remembered for
   * this run. A part missing is read again once: a reader without the lease (a dry run) may have
   * read a head that a writer has replaced, and its parts deleted, since.
   */
  async #load(arn: string): Promise<Head> {
    for (let attempt = 1; ; attempt += 1) {
      const items = await this.#query(recordPk(arn));
      const head = this.#parse(arn, items, attempt === 1);
      if (head) {
        this.#heads.set(arn, head);
        return head;
      }
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

  /** The head the items of a record partition hold; undefined when a part is missing and `mayRetry`. */
  #parse(arn: string, items: readonly Item[], mayRetry: boolean): Head | undefined {
    const headItem = items.find((i) => i.sk === HEAD);
    const allParts = items.flatMap((i) => (String(i.sk).startsWith('part#') ? [String(i.sk)] : []));
    if (headItem === undefined) return { ...NO_RECORD, stale: allParts };
    const what = `table ${this.#table}: the record of ${arn}`;
    if (typeof headItem.w !== 'string')
      throw new EcrComplianceError(`${what} has no write id (w): it is left as it is`);
    let records: FindingRecord[];
    let parts: string[] = [];
    if (headItem.r !== undefined) records = unpacked<FindingRecord>(headItem.r, `${what} (r)`);
    else {
      const count = Number(headItem.parts);
      if (!Number.isInteger(count) || count < 1)
        throw new EcrComplianceError(`${what} has neither records (r) nor parts: it is left as it is`);
      parts = Array.from({ length: count }, (_, n) => `part#${headItem.w}#${n}`);
      const bodies = parts.map((sk) => items.find((i) => i.sk === sk));
      const missing = parts.find((_, n) => bodies[n] === undefined);
      if (missing !== undefined) {
        if (mayRetry) return undefined;
        throw new EcrComplianceError(
          `${what} misses its part ${missing}: it is left as it is, and read again on retry`,
        );
      }
      records = bodies.flatMap((part, n) => unpacked<FindingRecord>(part?.b, `${what} (${parts[n]})`));
    }
    const now = this.#clock() / 1000;
    const live = new Map<string, FindingRecord>();
    for (const r of records) {
      if (typeof r?.i !== 'string' || typeof r.k !== 'string' || typeof r.t !== 'number')
        throw new EcrComplianceError(`${what} holds a record without i, k or t: it is left as it is`);
      // Security Hub has deleted the finding: it leaves the record.
      if (r.t > now) live.set(r.i, r);
    }
    return { w: headItem.w, records: live, parts, stale: allParts.filter((sk) => !parts.includes(sk)) };
  }

  /**
   * Records `findings` of the image `arn`: their content in new segments, then a new head with
   * their records, on the condition that the head is still the one read; then deletes what nothing
   * refers to any more. The caller holds the image's lease.
   */
  async #record(arn: string, findings: readonly StoredFinding[] | readonly AsffFinding[]): Promise<void> {
    const write = writeId();
    const contents: string[] = [];
    const fresh: Array<Omit<FindingRecord, 'k'>> = [];
    for (const finding of findings as readonly StoredFinding[]) {
      let content: AsffFinding;
      try {
        content = fromStoredFinding(finding, {});
      } catch {
        // Not a finding this tool could import again: it is not recorded, and stays in Security Hub only.
        this.stats.unrecorded += 1;
        continue;
      }
      const fingerprint = (finding.ProductFields as Record<string, unknown> | undefined)?.[FINGERPRINT_FIELD];
      contents.push(JSON.stringify(content));
      fresh.push({
        i: finding.Id,
        g: finding.GeneratorId,
        c: finding.CreatedAt,
        u: finding.UpdatedAt,
        ...(finding.FirstObservedAt ? { f: finding.FirstObservedAt } : {}),
        s: finding.RecordState ?? 'ACTIVE',
        ...(typeof fingerprint === 'string' ? { p: fingerprint } : {}),
        t:
          Math.ceil(ms(finding.UpdatedAt) / 1000) +
          (finding.RecordState === 'ARCHIVED' ? ARCHIVED_RECORD_DAYS : ACTIVE_RECORD_DAYS) * DAY_S,
      });
    }
    // The content first, in segments: a head never refers to a segment that is not written.
    const added: FindingRecord[] = [];
    const segments: Item[] = [];
    let at = 0;
    for (const [n, { body, count }] of packed(contents, this.#itemBytes).entries()) {
      const k = `${write}#${n}`;
      const inSegment = fresh.slice(at, at + count).map((r) => ({ ...r, k }));
      at += count;
      added.push(...inSegment);
      segments.push({ ...segmentKey(arn, k), b: body, ttl: latest(inSegment) });
    }
    await this.#putAll(segments);

    let head = this.#heads.get(arn) ?? (await this.#load(arn));
    // Parts this run wrote for heads that did not land: deleted with the rest.
    const abandoned: string[] = [];
    const pk = recordPk(arn);
    for (let attempt = 1; ; attempt += 1) {
      // A write id of its own for each attempt: its parts never share keys with a head read before.
      const w = attempt === 1 ? write : writeId();
      const now = this.#clock();
      const records = new Map(head.records);
      for (const [id, r] of records) if (r.t <= now / 1000) records.delete(id);
      for (const r of added) {
        // Never back in time: a record of a later update (another writer's, merged) stays.
        const kept = records.get(r.i);
        if (!kept || ms(kept.u) <= ms(r.u)) records.set(r.i, r);
      }
      const ttl = Math.max(Math.ceil(now / 1000) + ACTIVE_RECORD_DAYS * DAY_S, latest(records.values()));
      const bodies = packed(
        [...records.values()].map((r) => JSON.stringify(r)),
        this.#itemBytes,
      ).map((p) => p.body);
      const parts = bodies.length > 1 ? bodies.map((b, n) => ({ pk, sk: `part#${w}#${n}`, b, ttl })) : [];
      await this.#putAll(parts);
      let applied = true;
      try {
        this.stats.puts += 1;
        await this.#client.send(
          new PutCommand({
            TableName: this.#table,
            Item: {
              pk,
              sk: HEAD,
              w,
              at: new Date(now).toISOString(),
              n: records.size,
              ...(parts.length > 0 ? { parts: parts.length } : { r: bodies[0] ?? gzipSync('[]') }),
              ttl,
            },
            ...(head.w === undefined
              ? { ConditionExpression: 'attribute_not_exists(w)' }
              : {
                  ConditionExpression: 'w = :w',
                  ExpressionAttributeValues: { ':w': head.w },
                }),
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException))
          throw new EcrComplianceError(`table ${this.#table}: PutItem failed: ${describeError(error)}`, {
            cause: error,
          });
        const current = await this.#load(arn);
        // The SDK's own retry of a put that had landed meets its own write id: it did land.
        applied = current.w === w;
        if (!applied) {
          if (attempt >= HEAD_ATTEMPTS)
            throw new EcrComplianceError(
              `table ${this.#table}: the record of ${arn} changed under every write: the event is retried`,
              { cause: error },
            );
          // Another writer (a run without the lease) changed the head: merge into what it wrote.
          abandoned.push(...parts.map((p) => p.sk));
          head = current;
          continue;
        }
      }
      this.stats.written += added.length;
      this.#heads.set(arn, { w, records, parts: parts.map((p) => p.sk), stale: [] });
      const referenced = new Set([...records.values()].map((r) => r.k));
      // The old head's segments, and this write's whose every record lost to a later update.
      const unreferenced = new Set(
        [...head.records.values(), ...added].map((r) => r.k).filter((k) => !referenced.has(k)),
      );
      const kept = new Set(parts.map((p) => p.sk));
      await this.#deleteAll([
        ...[...head.parts, ...head.stale, ...abandoned]
          .filter((sk) => !kept.has(sk))
          .map((sk) => ({ pk, sk })),
        ...[...unreferenced].map((k) => segmentKey(arn, k)),
      ]);
      return;
    }
  }

  /** Puts `items` (segments or parts), `concurrency` at once. No condition: their keys are new. */
  async #putAll(items: readonly Item[]): Promise<void> {
    await inPool(
      items.map((Item) => async () => {
        this.stats.puts += 1;
        await this.#call('PutItem', () =>
          this.#client.send(new PutCommand({ TableName: this.#table, Item })),
        );
      }),
      this.#concurrency,
    );
  }

  /**
   * Deletes parts and segments nothing refers to any more, 25 a request, best effort: what is left
   * (a failed request, unprocessed keys) is never read and expires by its TTL.
   */
  async #deleteAll(keys: readonly Item[]): Promise<void> {
    for (let i = 0; i < keys.length; i += BATCH_WRITE) {
      const requests = keys.slice(i, i + BATCH_WRITE).map((Key) => ({ DeleteRequest: { Key } }));
      try {
        const out = await this.#client.send(
          new BatchWriteCommand({ RequestItems: { [this.#table]: requests } }),
        );
        this.stats.deleted += requests.length - (out.UnprocessedItems?.[this.#table]?.length ?? 0);
      } catch {
        // Left to the TTL.
      }
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

/** The partition of an image's head and parts. */
const recordPk = (arn: string): string => `record#${arn}`;

/** A new write id: 8 hex digits, unique among an image's writes. */
const writeId = (): string => randomUUID().slice(0, 8);

/**
 * The key of a segment (`k`: its write id and number): a partition of its own, so that the segments
 * of a large image are not written into one partition key (1,000 write units a second at most).
 */
function segmentKey(arn: string, k: string): Item {
  return { pk: `content#${arn}#${k}`, sk: '#seg' };
}

/** When the last of `records` expires (0 for none). */
function latest(records: Iterable<{ readonly t: number }>): number {
  let t = 0;
  for (const r of records) if (r.t > t) t = r.t;
  return t;
}

/** A record as the lifecycle reads it. */
function storedOf(r: FindingRecord): StoredFinding {
  return {
    Id: r.i,
    GeneratorId: r.g,
    CreatedAt: r.c,
    UpdatedAt: r.u,
    ...(r.f ? { FirstObservedAt: r.f } : {}),
    RecordState: r.s,
    ProductFields: r.p ? { [FINGERPRINT_FIELD]: r.p } : {},
  };
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

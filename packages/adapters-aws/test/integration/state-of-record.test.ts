/**
 * The lifecycle's state of record (DynamoDB) against moto in server mode, with the real handlers
 * where moto can answer them and the real store, publisher and state otherwise (moto answers a scan
 * once per image and day, as in lifecycle.test.ts). Every call goes through the counting proxy:
 *
 * - an upgrade from the version without a table adopts the image's findings with one read of
 *   Security Hub and re-imports nothing unchanged;
 * - then no decision reads GetFindings: an unchanged re-scan costs one query page, a fix one
 *   BatchGetItem for the whole content of the archived finding, a late older scan nothing;
 * - a deletion through on-image-action archives from the records;
 * - two runs of one image never overlap, so an older scan that arrives late changes nothing.
 */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { ECRClient } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { FINGERPRINT_FIELD, reconcileScan, type ScanFindingsSource } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityHubFindingsPublisher } from '../../src/securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../../src/securityhub/SecurityHubFindingsStore.js';
import {
  DynamoDbFindingsState,
  holding,
  ImageBusyError,
  withStateOfRecord,
} from '../../src/state/DynamoDbFindingsState.js';
import { type EmulatorWorld, type Handler, startEmulatorWorld } from '../support/emulatorWorld.js';
import { BATCH_IMPORT_FINDINGS_PATH, type FaultProxy } from '../support/fault-proxy.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, type MotoServer } from '../support/moto.js';
import {
  createStateTable,
  daysAfterPush,
  findingsOfImage,
  LIFECYCLE_FINDINGS,
  PUSHED_SCAN_TIME,
} from '../support/scenario.js';
import { captureLogs, imageScanEvent, lambdaContext, pushScannedImage } from '../support/world.js';

const REPOSITORY = 'team-s/state-api';
const TABLE = 'ecr-compliance-state';
const { HIGH, MEDIUM, LOW } = LIFECYCLE_FINDINGS;
const T1 = PUSHED_SCAN_TIME;
const day = daysAfterPush;

let world: EmulatorWorld;
let moto: MotoServer;
let proxy: FaultProxy;
let ecr: ECRClient;
let securityHub: SecurityHubClient;
let dynamoDb: DynamoDBClient;

beforeAll(async () => {
  world = await startEmulatorWorld();
  ({ moto, proxy, ecr, securityHub } = world);
  dynamoDb = new DynamoDBClient(awsClientConfig(proxy.endpoint, moto.region));
  await createStateTable(awsClientConfig(moto.endpoint, moto.region), TABLE);
});

afterAll(async () => {
  dynamoDb?.destroy();
  await world?.close();
});

/** The ports of one run, as the handlers build them: with the state of record, or (`table: false`) as before it existed. */
function ports(table = true) {
  const client = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 1));
  return withStateOfRecord(
    {
      store: new SecurityHubFindingsStore({ client }),
      publisher: new SecurityHubFindingsPublisher({ client }),
    },
    table ? { client: dynamoDb, tableName: TABLE } : undefined,
  );
}

/** Runs the re-scan use case for a scan of `digest` at `seconds` reporting `findings`. */
function rescan(
  digest: string,
  seconds: number,
  findings: ReadonlyArray<Record<string, unknown>>,
  deps = ports(),
) {
  const response = {
    registryId: MOTO_ACCOUNT_ID,
    repositoryName: REPOSITORY,
    imageId: { imageDigest: digest },
    imageScanStatus: { status: 'COMPLETE' },
    imageScanFindings: { imageScanCompletedAt: seconds, findings },
  };
  const source: ScanFindingsSource = {
    getScan: async () => scannedImageFromEcr(response, { region: moto.region, imageTags: ['1.0.0'] }),
  };
  return reconcileScan(
    { source, ...deps },
    { repositoryName: REPOSITORY, imageDigest: digest },
    { now: new Date().toISOString() },
  );
}

/** What a step cost, as the proxy saw it. */
async function measured<T>(step: () => Promise<T>) {
  proxy.resetStats();
  const result = await step();
  const { byPath, importedFindingIds } = proxy.stats();
  const ids = Object.entries(importedFindingIds);
  return {
    result,
    cost: {
      getFindings: byPath['POST /findings'] ?? 0,
      imports: byPath[`POST ${BATCH_IMPORT_FINDINGS_PATH}`] ?? 0,
      imported: ids.map(([id]) => id.match(/\/vulnerability\/(.+)$/)?.[1] ?? 'image').sort(),
      queries: byPath['POST / DynamoDB_20120810.Query'] ?? 0,
      contentReads: byPath['POST / DynamoDB_20120810.BatchGetItem'] ?? 0,
    },
  };
}

/** The image's findings in moto, by vulnerability id ('image' for the image-level finding). */
const hubState = (digest: string) => findingsOfImage(securityHub, digest);

const imageArnOf = (digest: string) =>
  `arn:aws:ecr:${moto.region}:${MOTO_ACCOUNT_ID}:repository/${REPOSITORY}/${digest}`;

/** The records of the image, by vulnerability id, as the table holds them (read through the state's own decoder). */
async function records(digest: string): Promise<Record<string, Record<string, unknown>>> {
  const reader = new DynamoDbFindingsState({
    client: dynamoDb,
    tableName: TABLE,
    adoptFrom: { findingsOf: () => Promise.reject(new Error('records() adopts nothing')) },
  });
  const out: Record<string, Record<string, unknown>> = {};
  const image = {
    accountId: MOTO_ACCOUNT_ID,
    region: moto.region,
    repositoryName: REPOSITORY,
    imageDigest: digest,
  };
  for (const r of await reader.records(image)) {
    out[r.Id.match(/\/vulnerability\/(.+)$/)?.[1] ?? 'image'] = {
      state: r.RecordState,
      updatedAt: r.UpdatedAt,
      fingerprint: (r.ProductFields as Record<string, unknown>)[FINGERPRINT_FIELD],
      ttl: r.expiresAt,
      segment: r.segment,
    };
  }
  return out;
}

describe('the state of record against the emulator', () => {
  it('adopts an upgraded image once, then decides every re-scan on the table without GetFindings', async () => {
    const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository: REPOSITORY,
      tag: '1.0.0',
      findings: [HIGH, MEDIUM, LOW],
    });
    // The version without a table imported the image.
    expect(await rescan(digest, T1, [HIGH, MEDIUM, LOW], ports(false))).toMatchObject({ created: 4 });
    expect(await records(digest)).toEqual({});

    // The upgrade: one read of Security Hub adopts the four findings, and nothing unchanged is imported again.
    const adopted = await measured(() => rescan(digest, day(1), [HIGH, MEDIUM, LOW]));
    expect(adopted.result).toMatchObject({ outcome: 'imported', created: 0, unchanged: 3 });
    expect(adopted.cost).toMatchObject({ getFindings: 1, imports: 1, imported: ['image'], queries: 1 });
    const adoptedRecords = await records(digest);
    expect(Object.keys(adoptedRecords).sort()).toEqual([HIGH.name, MEDIUM.name, LOW.name, 'image'].sort());
    expect(adoptedRecords[HIGH.name]).toMatchObject({ state: 'ACTIVE', fingerprint: expect.any(String) });
    expect(adoptedRecords.image?.updatedAt).toBe(new Date(day(1) * 1000).toISOString());

    // An unchanged re-scan: one query page, no GetFindings, the image finding only.
    const unchanged = await measured(() => rescan(digest, day(2), [HIGH, MEDIUM, LOW]));
    expect(unchanged.result).toMatchObject({ outcome: 'imported', unchanged: 3, archived: 0 });
    expect(unchanged.cost).toEqual({
      getFindings: 0,
      imports: 1,
      imported: ['image'],
      queries: 1,
      contentReads: 0,
    });

    // A fix: the archived finding is imported with its whole content, read in one BatchGetItem.
    const fixed = await measured(() => rescan(digest, day(3), [HIGH, LOW]));
    expect(fixed.result).toMatchObject({ outcome: 'imported', unchanged: 2, archived: 1 });
    expect(fixed.cost).toEqual({
      getFindings: 0,
      imports: 1,
      imported: [MEDIUM.name, 'image'].sort(),
      queries: 1,
      contentReads: 1,
    });
    const hub = await hubState(digest);
    expect(hub[MEDIUM.name]).toMatchObject({
      RecordState: 'ARCHIVED',
      Title: expect.stringContaining(MEDIUM.name),
    });
    expect(hub[MEDIUM.name]?.Vulnerabilities?.[0]?.VulnerablePackages?.[0]?.Name).toBe('ncurses');
    const fixedRecords = await records(digest);
    expect(fixedRecords[MEDIUM.name]?.state).toBe('ARCHIVED');
    // An archived record leaves 30 days after its archiving, when Security Hub deletes the finding.
    expect(fixedRecords[MEDIUM.name]?.ttl).toBe(day(3) + 30 * 86_400);
    // An active one 90 days after its last import (T1: unchanged since), as Security Hub keeps it.
    expect(fixedRecords[HIGH.name]?.ttl).toBe(T1 + 90 * 86_400);

    // An older scan that arrives late changes nothing, and reads nothing but the table.
    const late = await measured(() => rescan(digest, day(2) + 3600, [HIGH, MEDIUM, LOW]));
    expect(late.result).toMatchObject({ outcome: 'skipped' });
    expect(late.cost).toEqual({ getFindings: 0, imports: 0, imported: [], queries: 1, contentReads: 0 });

    // The table holds exactly the segments the records refer to, each in a partition of its own:
    // each write deleted those it left without a reference (the adoption's, the unchanged
    // re-scan's image finding).
    const prefix = `content#${imageArnOf(digest)}#`;
    const segments = await dynamoDb.send(
      new ScanCommand({
        TableName: TABLE,
        FilterExpression: 'begins_with(pk, :prefix)',
        ExpressionAttributeValues: { ':prefix': { S: prefix } },
        ConsistentRead: true,
      }),
    );
    const referenced = new Set(Object.values(await records(digest)).map((r) => r.segment));
    expect(new Set(segments.Items?.map((i) => i.pk?.S?.slice(prefix.length)))).toEqual(referenced);
    expect(referenced.size).toBe(2);
  });

  it('imports a new image through on-image-scan, and archives it on deletion through on-image-action, from the records', async () => {
    const onImageScan: Handler = await world.handler('on-image-scan', { STATE_TABLE_NAME: TABLE });
    const onImageAction: Handler = await world.handler('on-image-action', { STATE_TABLE_NAME: TABLE });
    const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository: REPOSITORY,
      tag: '2.0.0',
      findings: [HIGH, MEDIUM],
    });
    const logs = captureLogs();
    try {
      const scanned = await measured(() =>
        onImageScan(
          imageScanEvent({ id: 'state-0001', repository: REPOSITORY, digest, tags: ['2.0.0'] }),
          lambdaContext('on-image-scan'),
        ),
      );
      // A new image: one read of Security Hub finds nothing to adopt; all three are imported and recorded.
      expect(scanned.result).toMatchObject({ outcome: 'imported', created: 3 });
      expect(scanned.cost).toMatchObject({ getFindings: 1, imports: 1 });
      expect(Object.values(await records(digest)).filter((r) => r.state === 'ACTIVE')).toHaveLength(3);

      const deleted = await measured(() =>
        onImageAction(
          {
            version: '0',
            id: 'state-delete-0001',
            'detail-type': 'ECR Image Action',
            source: 'aws.ecr',
            account: MOTO_ACCOUNT_ID,
            time: new Date(day(5) * 1000).toISOString().replace('.000Z', 'Z'),
            region: moto.region,
            resources: [],
            detail: {
              result: 'SUCCESS',
              'repository-name': REPOSITORY,
              'image-digest': digest,
              'action-type': 'DELETE',
            },
          },
          lambdaContext('on-image-action'),
        ),
      );
      expect(deleted.result).toMatchObject({ outcome: 'archived', archived: 3 });
      expect(deleted.cost).toMatchObject({ getFindings: 0, imports: 1, queries: 1, contentReads: 1 });
      expect(Object.values(await hubState(digest)).map((f) => f.RecordState)).toEqual([
        'ARCHIVED',
        'ARCHIVED',
        'ARCHIVED',
      ]);
      expect(Object.values(await records(digest)).filter((r) => r.state === 'ARCHIVED')).toHaveLength(3);
    } finally {
      logs.restore();
    }
  });

  it('makes an older scan that arrives during a newer one wait for it, then change nothing', async () => {
    const digest = `sha256:${'5'.repeat(64)}`;
    const image = {
      accountId: MOTO_ACCOUNT_ID,
      region: moto.region,
      repositoryName: REPOSITORY,
      imageDigest: digest,
    };
    const scanOf = (seconds: number, findings: ReadonlyArray<Record<string, unknown>>) =>
      scannedImageFromEcr(
        {
          registryId: MOTO_ACCOUNT_ID,
          repositoryName: REPOSITORY,
          imageId: { imageDigest: digest },
          imageScanStatus: { status: 'COMPLETE' },
          imageScanFindings: { imageScanCompletedAt: seconds, findings },
        },
        { region: moto.region },
      );
    const ref = { repositoryName: REPOSITORY, imageDigest: digest };
    const now = new Date().toISOString();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    // Two function instances, each with its own ports, as two Lambda instances would be.
    const newer = ports();
    const older = ports();
    const newerRun = holding(newer.state, image, async () => {
      order.push('newer begins');
      await gate;
      const result = await reconcileScan(
        { ...newer, source: { getScan: async () => scanOf(day(4), [HIGH]) } },
        ref,
        { now },
      );
      order.push('newer ends');
      return result;
    });
    await expect.poll(() => order).toEqual(['newer begins']);
    const olderRun = holding(older.state, image, async () => {
      order.push('older begins');
      return reconcileScan(
        { ...older, source: { getScan: async () => scanOf(day(3), [HIGH, MEDIUM]) } },
        ref,
        { now },
      );
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    release();
    const [first, second] = await Promise.all([newerRun, olderRun]);

    expect(order).toEqual(['newer begins', 'newer ends', 'older begins']);
    expect(first).toMatchObject({ outcome: 'imported', created: 2 });
    expect(second).toMatchObject({ outcome: 'skipped' });
    expect(Object.keys(await records(digest)).sort()).toEqual([HIGH.name, 'image'].sort());
    expect((await records(digest)).image?.updatedAt).toBe(new Date(day(4) * 1000).toISOString());
  });

  it('lets one run of an image at a time: the second waits for the first, and gives up with ImageBusyError', async () => {
    const image = {
      accountId: MOTO_ACCOUNT_ID,
      region: moto.region,
      repositoryName: REPOSITORY,
      imageDigest: `sha256:${'6'.repeat(64)}`,
    };
    const adoptFrom = { findingsOf: async () => [] };
    const patient = new DynamoDbFindingsState({
      client: dynamoDb,
      tableName: TABLE,
      adoptFrom,
      waitMs: 10_000,
    });
    const hasty = new DynamoDbFindingsState({ client: dynamoDb, tableName: TABLE, adoptFrom, waitMs: 300 });
    const order: string[] = [];
    let release: () => void = () => undefined;
    const first = patient.exclusive(image, async () => {
      order.push('first begins');
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      order.push('first ends');
    });
    await expect.poll(() => order).toEqual(['first begins']);

    await expect(hasty.exclusive(image, async () => order.push('hasty'))).rejects.toThrow(ImageBusyError);
    const second = patient.exclusive(image, async () => order.push('second'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first begins', 'first ends', 'second']);
    // The lease is given back however the work ends.
    await expect(patient.exclusive(image, async () => Promise.reject(new Error('boom')))).rejects.toThrow(
      'boom',
    );
    await expect(hasty.exclusive(image, async () => 'free')).resolves.toBe('free');
  });
});

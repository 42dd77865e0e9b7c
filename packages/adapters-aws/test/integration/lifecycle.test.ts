/**
 * The continuous lifecycle against moto in server mode: scan -> re-scan unchanged -> re-scan
 * with one vulnerability fixed -> re-scan with it back -> image deleted, in order, then out of
 * order and duplicated. Every call goes through a counting proxy, so each step also says what it
 * cost: an unchanged re-scan imports the image finding only, a fix the image finding and the
 * archived one. The first scan and the deletion go through the real handlers. moto answers a
 * scan only once per image and day (a second StartImageScan throws LimitExceededException), so
 * the re-scans run the core use case with the real Security Hub store and publisher and a source
 * that returns each re-scan's result. moto ignores GetFindings filters and always applies an
 * import whatever its UpdatedAt, so the ordering guarantees seen here are this project's own.
 */
import { BatchDeleteImageCommand, type ECRClient } from '@aws-sdk/client-ecr';
import { type AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { FINGERPRINT_FIELD, reconcileScan, type ScanFindingsSource } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityHubFindingsPublisher } from '../../src/securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../../src/securityhub/SecurityHubFindingsStore.js';
import { type EmulatorWorld, type Handler, startEmulatorWorld } from '../support/emulatorWorld.js';
import { BATCH_IMPORT_FINDINGS_PATH, type FaultProxy } from '../support/fault-proxy.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, type MotoServer } from '../support/moto.js';
import { daysAfterPush, findingsOfImage, LIFECYCLE_FINDINGS, PUSHED_SCAN_TIME } from '../support/scenario.js';
import { captureLogs, imageScanEvent, lambdaContext, pushScannedImage } from '../support/world.js';

const REPOSITORY = 'team-a/payments-api';
const { HIGH, MEDIUM, LOW } = LIFECYCLE_FINDINGS;
const T1 = PUSHED_SCAN_TIME;
const day = daysAfterPush;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

let world: EmulatorWorld;
let moto: MotoServer;
let proxy: FaultProxy;
let ecr: ECRClient;
let securityHub: SecurityHubClient;
let onImageScan: Handler;
let onImageAction: Handler;

beforeAll(async () => {
  // The proxy only forwards and counts: the handlers and the re-scans reach moto through it.
  world = await startEmulatorWorld();
  ({ moto, proxy, ecr, securityHub } = world);
  onImageScan = await world.handler('on-image-scan');
  onImageAction = await world.handler('on-image-action');
});

afterAll(async () => {
  await world?.close();
});

/** Pushes and scans an image (tag `tag`) with HIGH, MEDIUM and LOW, and imports it through on-image-scan. */
async function firstScan(tag: string, eventId: string): Promise<string> {
  const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
    repository: REPOSITORY,
    tag,
    findings: [HIGH, MEDIUM, LOW],
  });
  const logs = captureLogs();
  try {
    const { result, cost } = await measured(() =>
      onImageScan(
        imageScanEvent({ id: eventId, repository: REPOSITORY, digest, tags: [tag] }),
        lambdaContext('on-image-scan'),
      ),
    );
    expect(result).toMatchObject({ outcome: 'imported', findings: 4, created: 4, unchanged: 0 });
    expect(cost).toMatchObject({ imports: 1, findings: 4 });
  } finally {
    logs.restore();
  }
  return digest;
}

/**
 * Runs the re-scan use case on moto for a scan of `digest` (tag `tag`, as the scan event names
 * it) at `seconds` reporting `findings`.
 */
function rescan(
  digest: string,
  tag: string,
  seconds: number,
  findings: ReadonlyArray<Record<string, unknown>>,
) {
  const response = {
    registryId: MOTO_ACCOUNT_ID,
    repositoryName: REPOSITORY,
    imageId: { imageDigest: digest },
    imageScanStatus: { status: 'COMPLETE' },
    imageScanFindings: { imageScanCompletedAt: seconds, findings },
  };
  const source: ScanFindingsSource = {
    getScan: async () => scannedImageFromEcr(response, { region: moto.region, imageTags: [tag] }),
  };
  const client = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 1));
  return reconcileScan(
    {
      source,
      store: new SecurityHubFindingsStore({ client }),
      publisher: new SecurityHubFindingsPublisher({ client }),
    },
    { repositoryName: REPOSITORY, imageDigest: digest },
    { now: new Date().toISOString() },
  );
}

/** What a step cost, as the proxy saw it. */
interface Cost {
  /** GetFindings calls. */
  readonly reads: number;
  /** BatchImportFindings calls. */
  readonly imports: number;
  /** Findings sent in them, and which, by vulnerability id ('image' for the image finding). */
  readonly findings: number;
  readonly imported: readonly string[];
}

/** Runs `step` and returns its result with what it cost. */
async function measured<T>(step: () => Promise<T>): Promise<{ result: T; cost: Cost }> {
  proxy.resetStats();
  const result = await step();
  const stats = proxy.stats();
  const ids = Object.entries(stats.importedFindingIds);
  return {
    result,
    cost: {
      reads: stats.byPath['POST /findings'] ?? 0,
      imports: stats.byPath[`POST ${BATCH_IMPORT_FINDINGS_PATH}`] ?? 0,
      findings: ids.reduce((sum, [, n]) => sum + n, 0),
      imported: ids.map(([id]) => id.match(/\/vulnerability\/(.+)$/)?.[1] ?? 'image').sort(),
    },
  };
}

/** The "ECR Image Action" DELETE event of `digest` at `seconds`. */
function deleteEvent(id: string, digest: string, seconds: number, actionType = 'DELETE') {
  return {
    version: '0',
    id,
    'detail-type': 'ECR Image Action',
    source: 'aws.ecr',
    account: MOTO_ACCOUNT_ID,
    time: new Date(seconds * 1000).toISOString().replace('.000Z', 'Z'),
    region: moto.region,
    resources: [],
    detail: {
      result: 'SUCCESS',
      'repository-name': REPOSITORY,
      'image-digest': digest,
      'action-type': actionType,
    },
  };
}

async function act(event: unknown) {
  const logs = captureLogs();
  try {
    return await onImageAction(event, lambdaContext('on-image-action'));
  } finally {
    logs.restore();
  }
}

/** The image's findings in moto, by vulnerability id ('image' for the image-level finding). */
const stateOf = (digest: string) => findingsOfImage(securityHub, digest);

const states = (state: Record<string, AwsSecurityFinding>) =>
  Object.fromEntries(Object.entries(state).map(([k, f]) => [k, f.RecordState]));

const updatedAt = (state: Record<string, AwsSecurityFinding>) =>
  Object.fromEntries(Object.entries(state).map(([k, f]) => [k, f.UpdatedAt]));

describe('the continuous lifecycle against the emulator', () => {
  it('imports only what changed on re-scans, archives a fixed vulnerability, re-activates it, and archives all on deletion', async () => {
    const digest = await firstScan('3.0.0', 'a1000000-0001');
    const first = await stateOf(digest);
    const created = first[MEDIUM.name]?.CreatedAt;
    // moto stores the fingerprint the import carried, and gives it back.
    expect(first[HIGH.name]?.ProductFields?.[FINGERPRINT_FIELD]).toMatch(/^[0-9a-f]{32}$/);

    // Unchanged: the image finding only, which carries the scan's time.
    let step = await measured(() => rescan(digest, '3.0.0', day(1), [HIGH, MEDIUM, LOW]));
    expect(step.result).toMatchObject({ outcome: 'imported', created: 0, unchanged: 3, archived: 0 });
    expect(step.cost).toEqual({ reads: 1, imports: 1, findings: 1, imported: ['image'] });
    let state = await stateOf(digest);
    expect(updatedAt(state)).toEqual({
      [HIGH.name]: iso(T1),
      [MEDIUM.name]: iso(T1),
      [LOW.name]: iso(T1),
      image: iso(day(1)),
    });
    expect(state.image?.LastObservedAt).toBe(iso(day(1)));

    // One fixed: the image finding and the archived one.
    step = await measured(() => rescan(digest, '3.0.0', day(2), [HIGH, LOW]));
    expect(step.result).toMatchObject({ outcome: 'imported', archived: 1, created: 0, unchanged: 2 });
    expect(step.cost).toEqual({ reads: 1, imports: 1, findings: 2, imported: [MEDIUM.name, 'image'].sort() });
    state = await stateOf(digest);
    expect(states(state)).toEqual({
      [HIGH.name]: 'ACTIVE',
      [MEDIUM.name]: 'ARCHIVED',
      [LOW.name]: 'ACTIVE',
      image: 'ACTIVE',
    });
    expect(state[MEDIUM.name]).toMatchObject({ UpdatedAt: iso(day(2)), CreatedAt: created });
    expect(state.image?.Description).toContain('found 2 distinct vulnerabilities');

    // Back again: re-activated although its content is the same.
    step = await measured(() => rescan(digest, '3.0.0', day(3), [HIGH, MEDIUM, LOW]));
    expect(step.result).toMatchObject({ outcome: 'imported', reactivated: 1, unchanged: 2, archived: 0 });
    expect(step.cost).toEqual({ reads: 1, imports: 1, findings: 2, imported: [MEDIUM.name, 'image'].sort() });
    state = await stateOf(digest);
    expect(states(state)).toEqual({
      [HIGH.name]: 'ACTIVE',
      [MEDIUM.name]: 'ACTIVE',
      [LOW.name]: 'ACTIVE',
      image: 'ACTIVE',
    });
    expect(state[MEDIUM.name]).toMatchObject({
      UpdatedAt: iso(day(3)),
      CreatedAt: created,
      FirstObservedAt: created,
    });

    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: REPOSITORY, imageIds: [{ imageDigest: digest }] }),
    );
    const deletion = await measured(() => act(deleteEvent('a1000000-0002', digest, day(4))));
    expect(deletion.result).toMatchObject({ outcome: 'archived', archived: 4 });
    expect(deletion.cost).toMatchObject({ imports: 1, findings: 4 });
    state = await stateOf(digest);
    expect(Object.values(state).map((f) => [f.RecordState, f.UpdatedAt, f.CreatedAt])).toEqual(
      Object.values(state).map(() => ['ARCHIVED', iso(day(4)), created]),
    );
  });

  it('changes nothing for older, repeated and duplicated events, also after an unchanged re-scan, and never re-activates an archived finding', async () => {
    const digest = await firstScan('3.1.0', 'b2000000-0001');
    // The same scan event delivered again: Powertools returns the first result, nothing is read.
    const replay = await measured(async () => {
      const logs = captureLogs();
      try {
        return await onImageScan(
          imageScanEvent({ id: 'b2000000-0001', repository: REPOSITORY, digest, tags: ['3.1.0'] }),
          lambdaContext('on-image-scan', 'redelivery'),
        );
      } finally {
        logs.restore();
      }
    });
    expect(replay.result).toMatchObject({ outcome: 'imported', created: 4 });
    expect(replay.cost).toMatchObject({ reads: 0, imports: 0 });

    // An unchanged re-scan (day 3) moves only the image finding to its time...
    expect(await rescan(digest, '3.1.0', day(3), [HIGH, MEDIUM, LOW])).toMatchObject({
      outcome: 'imported',
      unchanged: 3,
    });
    const afterUnchanged = await stateOf(digest);
    expect(afterUnchanged[MEDIUM.name]?.UpdatedAt).toBe(iso(T1));
    // ...and that is enough: the scan of day 2, which reported the medium one fixed, arrives late
    // and archives nothing; the scan of day 1 and the one of day 3 again change nothing either.
    for (const [seconds, findings] of [
      [day(2), [HIGH, LOW]],
      [day(1), [HIGH, MEDIUM, LOW]],
      [day(3), [HIGH, MEDIUM, LOW]],
    ] as const) {
      const late = await measured(() => rescan(digest, '3.1.0', seconds, findings));
      expect(late.result).toMatchObject({
        outcome: 'skipped',
        reason: expect.stringMatching(/an older event|a repeated event/),
      });
      expect(late.cost).toMatchObject({ reads: 1, imports: 0 });
    }
    expect(await stateOf(digest)).toEqual(afterUnchanged);

    // The fix (day 4); then the scan of day 2 that still reported it, and the fix again.
    expect(await rescan(digest, '3.1.0', day(4), [HIGH, LOW])).toMatchObject({
      outcome: 'imported',
      archived: 1,
    });
    const afterFix = await stateOf(digest);
    expect(await rescan(digest, '3.1.0', day(2), [HIGH, MEDIUM, LOW])).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringMatching(/an older event|a repeated event/),
    });
    expect(await rescan(digest, '3.1.0', day(4), [HIGH, LOW])).toMatchObject({ outcome: 'skipped' });
    expect(await stateOf(digest)).toEqual(afterFix);
    expect(afterFix[MEDIUM.name]?.RecordState).toBe('ARCHIVED');

    // A PUSH changes nothing; the deletion archives; a repeated or older deletion changes nothing.
    expect(await act(deleteEvent('b2000000-0002', digest, day(5), 'PUSH'))).toMatchObject({
      outcome: 'skipped',
    });
    expect(await act(deleteEvent('b2000000-0003', digest, day(6)))).toMatchObject({
      outcome: 'archived',
      archived: 3,
    });
    const deleted = await stateOf(digest);
    expect(await act(deleteEvent('b2000000-0003', digest, day(6)))).toMatchObject({ outcome: 'archived' });
    expect(await act(deleteEvent('b2000000-0004', digest, day(6)))).toMatchObject({ outcome: 'skipped' });
    expect(await act(deleteEvent('b2000000-0005', digest, day(5)))).toMatchObject({ outcome: 'skipped' });
    // A late scan of the deleted image re-activates nothing.
    const lateScan = await measured(() => rescan(digest, '3.1.0', day(5), [HIGH, MEDIUM, LOW]));
    expect(lateScan.result).toMatchObject({ outcome: 'skipped' });
    expect(lateScan.cost.imports).toBe(0);
    expect(await stateOf(digest)).toEqual(deleted);
    expect(Object.values(deleted).every((f) => f.RecordState === 'ARCHIVED')).toBe(true);
  });
});

/**
 * The continuous lifecycle against moto in server mode: scan -> re-scan with one vulnerability
 * fixed -> re-scan with it back -> image deleted, in order, then out of order and duplicated.
 * The first scan and the deletion go through the real handlers. moto answers a scan only once
 * per image and day (a second StartImageScan throws LimitExceededException), so the re-scans run
 * the core use case with the real Security Hub store and publisher and a source that returns
 * each re-scan's result. moto ignores GetFindings filters and always applies an import whatever
 * its UpdatedAt, so the ordering guarantees seen here are this project's own.
 */
import { BatchDeleteImageCommand, ECRClient } from '@aws-sdk/client-ecr';
import { type AwsSecurityFinding, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { reconcileScan, type ScanFindingsSource, scannedImageFromEcr } from '@ecr-compliance/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityHubFindingsPublisher } from '../../src/securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../../src/securityhub/SecurityHubFindingsStore.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, type MotoServer, startMoto } from '../support/moto.js';
import {
  captureLogs,
  createIdempotencyTable,
  handlerEnvironment,
  imageScanEvent,
  lambdaContext,
  loadHandler,
  pushScannedImage,
} from '../support/world.js';

type Handler = (event: unknown, context: unknown) => Promise<any>;

const REPOSITORY = 'team-a/payments-api';
const finding = (name: string, severity: string, pkg: string) => ({
  name,
  description: `${name} in ${pkg}.`,
  uri: `https://security-tracker.debian.org/tracker/${name}`,
  severity,
  attributes: [
    { key: 'package_version', value: '1.0-1' },
    { key: 'package_name', value: pkg },
  ],
});
const HIGH = finding('CVE-2024-6119', 'HIGH', 'openssl');
const MEDIUM = finding('CVE-2023-50495', 'MEDIUM', 'ncurses');
const LOW = finding('CVE-2022-0001', 'LOW', 'zlib');

/** pushScannedImage's scan time (epoch seconds), and later ones, a day apart. */
const T1 = 1795169762;
const day = (n: number) => T1 + n * 86_400;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

let moto: MotoServer;
let ecr: ECRClient;
let securityHub: SecurityHubClient;
let onImageScan: Handler;
let onImageAction: Handler;

beforeAll(async () => {
  moto = await startMoto();
  const config = awsClientConfig(moto.endpoint, moto.region);
  ecr = new ECRClient(config);
  securityHub = new SecurityHubClient(config);
  await createIdempotencyTable(config, 'ecr-compliance-idempotency');
  const env = handlerEnvironment(moto.endpoint);
  onImageScan = (await loadHandler<{ handler: Handler }>('../../src/handlers/on-image-scan.js', env)).handler;
  onImageAction = (await loadHandler<{ handler: Handler }>('../../src/handlers/on-image-action.js', env))
    .handler;
});

afterAll(async () => {
  ecr?.destroy();
  securityHub?.destroy();
  await moto?.stop();
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
    const result = await onImageScan(
      imageScanEvent({ id: eventId, repository: REPOSITORY, digest, tags: [tag] }),
      lambdaContext('on-image-scan'),
    );
    expect(result).toMatchObject({ outcome: 'imported', findings: 4, created: 4 });
  } finally {
    logs.restore();
  }
  return digest;
}

/** Runs the re-scan use case on moto for a scan of `digest` at `seconds` reporting `findings`. */
function rescan(digest: string, seconds: number, findings: ReadonlyArray<Record<string, unknown>>) {
  const response = {
    registryId: MOTO_ACCOUNT_ID,
    repositoryName: REPOSITORY,
    imageId: { imageDigest: digest },
    imageScanStatus: { status: 'COMPLETE' },
    imageScanFindings: { imageScanCompletedAt: seconds, findings },
  };
  const source: ScanFindingsSource = {
    getScan: async () => scannedImageFromEcr(response, { region: moto.region }),
  };
  const client = new SecurityHubClient(awsClientConfig(moto.endpoint, moto.region, 1));
  return reconcileScan(
    {
      source,
      store: new SecurityHubFindingsStore({ client }),
      publisher: new SecurityHubFindingsPublisher({ client }),
    },
    { repositoryName: REPOSITORY, imageDigest: digest },
  );
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
async function stateOf(digest: string): Promise<Record<string, AwsSecurityFinding>> {
  const out: Record<string, AwsSecurityFinding> = {};
  let token: string | undefined;
  do {
    const page = await securityHub.send(new GetFindingsCommand({ MaxResults: 100, NextToken: token }));
    for (const f of page.Findings ?? [])
      if (f.Id?.includes(digest)) out[f.Vulnerabilities?.[0]?.Id ?? 'image'] = f;
    token = page.NextToken || undefined;
  } while (token);
  return out;
}

const states = (state: Record<string, AwsSecurityFinding>) =>
  Object.fromEntries(Object.entries(state).map(([k, f]) => [k, f.RecordState]));

describe('the continuous lifecycle against the emulator', () => {
  it('archives a fixed vulnerability, re-activates it when it comes back, and archives all on deletion', async () => {
    const digest = await firstScan('3.0.0', 'a1000000-0001');
    const first = await stateOf(digest);
    const created = first[MEDIUM.name]?.CreatedAt;

    expect(await rescan(digest, day(1), [HIGH, LOW])).toMatchObject({
      outcome: 'imported',
      archived: 1,
      created: 0,
    });
    let state = await stateOf(digest);
    expect(states(state)).toEqual({
      [HIGH.name]: 'ACTIVE',
      [MEDIUM.name]: 'ARCHIVED',
      [LOW.name]: 'ACTIVE',
      image: 'ACTIVE',
    });
    expect(state[MEDIUM.name]).toMatchObject({ UpdatedAt: iso(day(1)), CreatedAt: created });
    expect(state.image?.Description).toContain('found 2 distinct vulnerabilities');

    expect(await rescan(digest, day(2), [HIGH, MEDIUM, LOW])).toMatchObject({
      outcome: 'imported',
      reactivated: 1,
      archived: 0,
    });
    state = await stateOf(digest);
    expect(states(state)).toEqual({
      [HIGH.name]: 'ACTIVE',
      [MEDIUM.name]: 'ACTIVE',
      [LOW.name]: 'ACTIVE',
      image: 'ACTIVE',
    });
    expect(state[MEDIUM.name]).toMatchObject({
      UpdatedAt: iso(day(2)),
      CreatedAt: created,
      FirstObservedAt: created,
    });

    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: REPOSITORY, imageIds: [{ imageDigest: digest }] }),
    );
    expect(await act(deleteEvent('a1000000-0002', digest, day(3)))).toMatchObject({
      outcome: 'archived',
      archived: 4,
    });
    state = await stateOf(digest);
    expect(Object.values(state).map((f) => [f.RecordState, f.UpdatedAt, f.CreatedAt])).toEqual(
      Object.values(state).map(() => ['ARCHIVED', iso(day(3)), created]),
    );
  });

  it('changes nothing for older, repeated and duplicated events, and never re-activates an archived finding', async () => {
    const digest = await firstScan('3.1.0', 'b2000000-0001');
    // The same scan event delivered again: Powertools returns the first result, nothing is read.
    const replay = await (async () => {
      const logs = captureLogs();
      try {
        return await onImageScan(
          imageScanEvent({ id: 'b2000000-0001', repository: REPOSITORY, digest, tags: ['3.1.0'] }),
          lambdaContext('on-image-scan', 'redelivery'),
        );
      } finally {
        logs.restore();
      }
    })();
    expect(replay).toMatchObject({ outcome: 'imported', created: 4 });

    // The fix (day 2) arrives before the scan of day 1 that still reported it.
    expect(await rescan(digest, day(2), [HIGH, LOW])).toMatchObject({ outcome: 'imported', archived: 1 });
    const afterFix = await stateOf(digest);
    expect(await rescan(digest, day(1), [HIGH, MEDIUM, LOW])).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('older or repeated'),
    });
    // The same scan again (another event of the same result).
    expect(await rescan(digest, day(2), [HIGH, LOW])).toMatchObject({ outcome: 'skipped' });
    expect(await stateOf(digest)).toEqual(afterFix);
    expect(afterFix[MEDIUM.name]?.RecordState).toBe('ARCHIVED');

    // A PUSH changes nothing; the deletion archives; a repeated or older deletion changes nothing.
    expect(await act(deleteEvent('b2000000-0002', digest, day(3), 'PUSH'))).toMatchObject({
      outcome: 'skipped',
    });
    expect(await act(deleteEvent('b2000000-0003', digest, day(4)))).toMatchObject({
      outcome: 'archived',
      archived: 3,
    });
    const deleted = await stateOf(digest);
    expect(await act(deleteEvent('b2000000-0003', digest, day(4)))).toMatchObject({ outcome: 'archived' });
    expect(await act(deleteEvent('b2000000-0004', digest, day(4)))).toMatchObject({ outcome: 'skipped' });
    expect(await act(deleteEvent('b2000000-0005', digest, day(3)))).toMatchObject({ outcome: 'skipped' });
    // A late scan of the deleted image re-activates nothing.
    expect(await rescan(digest, day(3), [HIGH, MEDIUM, LOW])).toMatchObject({ outcome: 'skipped' });
    expect(await stateOf(digest)).toEqual(deleted);
    expect(Object.values(deleted).every((f) => f.RecordState === 'ARCHIVED')).toBe(true);
  });
});

/**
 * Fault injection (issue 3, §4): the real on-image-scan handler imports a scan of 5,000
 * vulnerabilities into moto through the fault proxy, which applies Security Hub's quota (10
 * requests/s, burst 30) to BatchImportFindings, answers a share of those requests with 500 and
 * reports a share of the findings as failed. Every finding must land exactly once, and every
 * request beyond the minimum ceil(n/100) must be a retry the proxy caused.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  type AsffFinding,
  PublishError,
  reconcileScan,
  toAsffFindings,
  toBatches,
} from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcrScanFindingsSource } from '../../src/ecr/EcrScanFindingsSource.js';
import { SecurityHubFindingsPublisher } from '../../src/securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../../src/securityhub/SecurityHubFindingsStore.js';
import type { Handler } from '../support/emulatorWorld.js';
import { BATCH_IMPORT_FINDINGS_PATH, type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, type MotoServer, startMoto } from '../support/moto.js';
import {
  captureLogs,
  createIdempotencyTable,
  everyFinding,
  handlerEnvironment,
  imageScanEvent,
  lambdaContext,
  loadHandler,
  pushScannedImage,
} from '../support/world.js';

const REPOSITORY = 'team-a/bulk-api';
const VULNERABILITIES = 5_000;
const IMPORT = `POST ${BATCH_IMPORT_FINDINGS_PATH}`;
/** Faults apply to BatchImportFindings only; ECR, DynamoDB and the test's own reads pass untouched. */
const importOnly = ({ method, path }: { method: string; path: string }) =>
  method === 'POST' && path === BATCH_IMPORT_FINDINGS_PATH;
const QUOTA = { maxRequestsPerSecond: 10, burst: 30 } as const;

const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'] as const;

/** `count` distinct basic-scanning findings, always the same for the same count. */
function basicScanFindings(count: number): Array<Record<string, unknown>> {
  return Array.from({ length: count }, (_, i) => {
    const cve = `CVE-2026-${10_000 + i}`;
    return {
      name: cve,
      description: `Synthetic vulnerability ${i}: a crafted input may crash the parser.`,
      uri: `https://security-tracker.debian.org/tracker/${cve}`,
      severity: SEVERITIES[i % SEVERITIES.length],
      attributes: [
        { key: 'package_version', value: `1.${i % 97}.${i % 13}-1` },
        { key: 'package_name', value: `libsynthetic${i % 500}` },
      ],
    };
  });
}

/** The findings the handler derives from what moto answers (the same response pushScannedImage queues). */
function expectedFindings(digest: string, findings: ReadonlyArray<Record<string, unknown>>): AsffFinding[] {
  const response = {
    registryId: MOTO_ACCOUNT_ID,
    repositoryName: REPOSITORY,
    imageId: { imageDigest: digest },
    imageScanStatus: { status: 'COMPLETE' },
    imageScanFindings: { imageScanCompletedAt: 1795169762, findings },
  };
  return toAsffFindings(scannedImageFromEcr(response, { region: 'us-east-1' }));
}

const scanEvent = (id: string, repository: string, digest: string) =>
  imageScanEvent({ id, repository, digest, tags: ['2.0.0'] });

let moto: MotoServer;
let proxy: FaultProxy;
let ecr: ECRClient;
let securityHub: SecurityHubClient;

const allFindings = () => everyFinding(securityHub);

/**
 * Uses up the proxy's burst, as other writers of the same account and Region would (the quota is
 * shared): without this the handler's own limiter, set to the same quota, would keep it from ever
 * being throttled, and the throttling path would go untested.
 */
async function exhaustQuota(): Promise<void> {
  const other = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 1));
  try {
    for (let i = 0; i < 200; i += 1) {
      const error = await other.send(new BatchImportFindingsCommand({ Findings: [] })).then(
        () => undefined,
        (e: Error) => e,
      );
      if (error?.name === 'LimitExceededException') return;
    }
    throw new Error('the fault proxy never throttled');
  } finally {
    other.destroy();
  }
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy({ upstream: moto.endpoint, appliesTo: importOnly });
  const config = awsClientConfig(moto.endpoint, moto.region);
  ecr = new ECRClient(config);
  securityHub = new SecurityHubClient(config);
  await createIdempotencyTable(config, 'ecr-compliance-idempotency');
});

afterAll(async () => {
  ecr?.destroy();
  securityHub?.destroy();
  await proxy?.close();
  await moto?.stop();
});

describe('importing 5,000 vulnerabilities through throttling, 500s and failed findings', () => {
  it('lands every finding exactly once, with only the retries the faults caused', {
    timeout: 90_000,
  }, async () => {
    const scan = basicScanFindings(VULNERABILITIES);
    const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository: REPOSITORY,
      tag: '2.0.0',
      findings: scan,
    });
    const expected = expectedFindings(digest, scan);
    const batches = toBatches(expected);
    expect(expected).toHaveLength(VULNERABILITIES + 1);
    expect(batches).toHaveLength(Math.ceil((VULNERABILITIES + 1) / 100));

    const onImageScan = (
      await loadHandler<{ handler: Handler }>(
        '../../src/handlers/on-image-scan.js',
        handlerEnvironment(proxy.endpoint),
      )
    ).handler;
    proxy.configure({
      ...QUOTA,
      serverErrorRate: 0.1,
      failedFindingRate: 0.05,
      seed: 3,
      appliesTo: importOnly,
    });
    await exhaustQuota();
    proxy.resetStats();

    const logs = captureLogs();
    const started = performance.now();
    let result: any;
    try {
      result = await onImageScan(
        scanEvent('5f0c1a7e-0001', REPOSITORY, digest),
        lambdaContext('on-image-scan'),
      );
    } finally {
      logs.restore();
    }
    const elapsedMs = performance.now() - started;
    const stats = proxy.stats();

    expect(result).toMatchObject({
      vulnerabilities: VULNERABILITIES,
      findings: VULNERABILITIES + 1,
      publish: { sent: VULNERABILITIES + 1, succeeded: VULNERABILITIES + 1, failed: [] },
    });
    expect(logs.lines().find((l) => l.message === 'scan imported')).toMatchObject({
      findings: VULNERABILITIES + 1,
      succeeded: VULNERABILITIES + 1,
      failed: 0,
      requests: result.publish.requests,
    });

    // Every fault happened.
    expect(stats.throttled).toBeGreaterThan(0);
    expect(stats.serverErrors).toBeGreaterThan(0);
    expect(stats.injectedFailedFindings).toBeGreaterThan(0);

    // Every finding was forwarded to the emulator exactly once.
    const ids = expected.map((f) => f.Id);
    expect(Object.keys(stats.importedFindingIds).sort()).toEqual([...ids].sort());
    expect(Object.entries(stats.importedFindingIds).filter(([, n]) => n !== 1)).toEqual([]);

    // Requests = the minimum + one per throttled or failed request + one per re-send of failed
    // findings. The re-sends of a batch form a chain that ends with the first answer without
    // failures, so a batch is re-sent as often as its most often failed finding failed.
    const failures = new Map<string, number>();
    for (const id of stats.injectedFailedFindingIds) failures.set(id, (failures.get(id) ?? 0) + 1);
    expect(stats.injectedFailedFindingIds.every((id) => ids.includes(id))).toBe(true);
    const resends = batches.reduce(
      (sum, batch) => sum + Math.max(0, ...batch.map((f) => failures.get(f.Id) ?? 0)),
      0,
    );
    expect(resends).toBeGreaterThan(0);
    const requests = stats.byPath[IMPORT] ?? 0;
    expect(result.publish.requests).toBe(requests);
    expect(requests).toBe(batches.length + stats.throttled + stats.serverErrors + resends);
    // Only BatchImportFindings saw faults: one scan read, one read of the repository policy (the
    // block mark), one read of the image's stored findings (GetFindings: none yet, one page),
    // idempotency record written twice.
    expect(stats.byPath['POST /findings']).toBe(1);
    expect(stats.requests).toBe(requests + 5);

    // Everything is readable from Security Hub, once.
    const stored = await allFindings();
    expect(stored).toHaveLength(VULNERABILITIES + 1);
    expect(new Set(stored.map((f) => f.Id))).toEqual(new Set(ids));

    // The quota floor is 5,001 / 1,000 s; each retry costs a token too.
    expect(elapsedMs).toBeGreaterThanOrEqual(((requests - QUOTA.burst) / QUOTA.maxRequestsPerSecond) * 900);
    expect(elapsedMs).toBeLessThan(60_000);
  });

  it('reports every finding that keeps failing and fails the report instead of dropping them', async () => {
    const repository = 'team-a/always-failing';
    const scan = basicScanFindings(150);
    const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository,
      tag: '1.0.0',
      findings: scan,
    });
    const expected = toAsffFindings(
      scannedImageFromEcr(
        {
          registryId: MOTO_ACCOUNT_ID,
          repositoryName: repository,
          imageId: { imageDigest: digest },
          imageScanStatus: { status: 'COMPLETE' },
          imageScanFindings: { imageScanCompletedAt: 1795169762, findings: scan },
        },
        { region: 'us-east-1' },
      ),
    );
    const ids = expected.map((f) => f.Id).sort();
    proxy.configure({ failedFindingRate: 1, appliesTo: importOnly });
    proxy.resetStats();
    const client = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 1));
    const publisher = new SecurityHubFindingsPublisher({ client, maxAttempts: 2, baseDelayMs: 10 });
    try {
      const published = await publisher.publish(expected);
      expect(published).toMatchObject({ sent: 151, succeeded: 0, requests: 4 });
      expect(published.failed.map((f) => f.id).sort()).toEqual(ids);
      expect(published.failed.every((f) => f.errorCode === 'InternalFailure' && f.errorMessage !== '')).toBe(
        true,
      );

      const source = new EcrScanFindingsSource({ client: ecr });
      const store = new SecurityHubFindingsStore({ client });
      const error = await reconcileScan(
        { source, store, publisher },
        { repositoryName: repository, imageDigest: digest },
        { now: new Date().toISOString() },
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PublishError);
      expect((error as PublishError).message).toMatch(
        /^151 of 151 findings .* could not be imported \(InternalFailure\)$/,
      );
      expect((error as PublishError).failed.map((f) => f.id).sort()).toEqual(ids);
    } finally {
      client.destroy();
    }
    const stats = proxy.stats();
    expect(stats.byPath[IMPORT]).toBe(8);
    expect(stats.injectedFailedFindings).toBe(4 * 151);
    expect(stats.importedFindingIds).toEqual({});
  });

  it('lands on the redriven event exactly the findings whose first import failed, then nothing', {
    timeout: 60_000,
  }, async () => {
    const repository = 'team-a/redriven';
    const scan = basicScanFindings(150);
    const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository,
      tag: '1.0.0',
      findings: scan,
    });
    const client = new SecurityHubClient(awsClientConfig(proxy.endpoint, moto.region, 1));
    const deps = {
      source: new EcrScanFindingsSource({ client: ecr }),
      // moto ignores GetFindings filters and holds the 5,000 findings above: no quota pacing here.
      store: new SecurityHubFindingsStore({ client, ratePerSecond: 1_000, burst: 1_000 }),
      // One attempt: the findings that fail stay failed, as after the retries of a real outage.
      publisher: new SecurityHubFindingsPublisher({ client, maxAttempts: 1 }),
    };
    const image = { repositoryName: repository, imageDigest: digest };
    try {
      proxy.configure({ failedFindingRate: 0.2, seed: 7, appliesTo: importOnly });
      proxy.resetStats();
      const error = await reconcileScan(deps, image, { now: new Date().toISOString() }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(PublishError);
      const failed = [...proxy.stats().injectedFailedFindingIds].sort();
      expect(failed.length).toBeGreaterThan(0);
      expect((error as PublishError).failed.map((f) => f.id).sort()).toEqual(failed);

      // The event reaches the failure queue and is redriven once the outage is over.
      proxy.configure({ appliesTo: importOnly });
      proxy.resetStats();
      const redriven = await reconcileScan(deps, image, { now: new Date().toISOString() });
      expect(redriven).toMatchObject({ outcome: 'imported', created: failed.length });
      expect(Object.keys(proxy.stats().importedFindingIds).sort()).toEqual(failed);

      proxy.resetStats();
      expect(await reconcileScan(deps, image, { now: new Date().toISOString() })).toMatchObject({
        outcome: 'skipped',
        reason: expect.stringContaining('a repeated event'),
      });
      expect(proxy.stats().importedFindingIds).toEqual({});
    } finally {
      client.destroy();
    }
    const arn = `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${repository}/${digest}`;
    const stored = (await allFindings()).filter((f) => f.Resources?.some((r) => r.Id === arn));
    expect(stored).toHaveLength(151);
  });
});

/**
 * The block mark against moto in server mode, through the real handlers: a person's block marks
 * every active image finding of the repository (UserDefinedFields ecr-compliance/RepositoryBlocked
 * = true) and nothing else, an image pushed and scanned while the repository is blocked is imported
 * with the mark, and the unblock sets it to false on all of them.
 *
 * moto 5.2.5 has no BatchUpdateFindings (emulator.test.ts): support/batchUpdateFindings.ts answers
 * it in front of the counting proxy with the documented semantics (UserDefinedFields merged), on
 * the findings moto holds.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { type AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { BLOCK_MARK_FIELD } from '@ecr-compliance/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchUpdateFindingsProxy, startBatchUpdateFindings } from '../support/batchUpdateFindings.js';
import {
  BLOCK_ACTION_ARN,
  type Handler,
  repositoryPolicyText,
  UNBLOCK_ACTION_ARN,
} from '../support/emulatorWorld.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { awsClientConfig, type MotoServer, startMoto } from '../support/moto.js';
import {
  createIdempotencyTable,
  customActionEvent,
  everyFinding,
  HIGH_CVE,
  handlerEnvironment,
  imageScanEvent,
  lambdaContext,
  loadHandler,
  pushScannedImage,
  quietly,
} from '../support/world.js';

const REPOSITORY = 'team-a/payments-api';
const OTHER = 'team-b/web';
const HIGH = [HIGH_CVE];

let moto: MotoServer;
let proxy: FaultProxy;
let shim: BatchUpdateFindingsProxy;
let ecr: ECRClient;
let securityHub: SecurityHubClient;
let onImageScan: Handler;
let onCustomAction: Handler;
let scans = 0;

/** Pushes an image with a HIGH vulnerability and imports its scan with on-image-scan. */
async function pushAndImport(repository: string, tag: string): Promise<string> {
  const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, { repository, tag, findings: HIGH });
  scans += 1;
  await quietly(() =>
    onImageScan(
      imageScanEvent({ id: `b0000000-0000-4000-8000-00000000000${scans}`, repository, digest }),
      lambdaContext('on-image-scan', `scan-${scans}`),
    ),
  );
  return digest;
}

/** The mark of each of this tool's findings, by "<repository>@<digest> <image|vulnerability>". */
async function marks(): Promise<Record<string, string | undefined>> {
  const ours = (await everyFinding(securityHub)).filter((f) => f.GeneratorId?.startsWith('ecr-compliance/'));
  return Object.fromEntries(
    ours.map((f: AwsSecurityFinding) => {
      const resource = f.Resources?.[0]?.Details?.AwsEcrContainerImage;
      const kind = f.GeneratorId?.endsWith('/image') ? 'image' : 'vulnerability';
      return [
        `${resource?.RepositoryName}@${resource?.ImageDigest} ${kind}`,
        f.UserDefinedFields?.[BLOCK_MARK_FIELD],
      ];
    }),
  );
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy({ upstream: moto.endpoint });
  const config = awsClientConfig(moto.endpoint, moto.region);
  ecr = new ECRClient(config);
  securityHub = new SecurityHubClient(config);
  shim = await startBatchUpdateFindings({ upstream: proxy.endpoint, securityHub });
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  await createIdempotencyTable(config, 'ecr-compliance-idempotency');
  const env = handlerEnvironment(shim.endpoint);
  onImageScan = (await loadHandler<{ handler: Handler }>('../../src/handlers/on-image-scan.js', env)).handler;
  onCustomAction = (await loadHandler<{ handler: Handler }>('../../src/handlers/on-custom-action.js', env))
    .handler;
}, 60_000);

afterAll(async () => {
  ecr?.destroy();
  securityHub?.destroy();
  await shim?.close();
  await proxy?.close();
  await moto?.stop();
});

describe('the block mark against the emulator', () => {
  let a: string;
  let b: string;
  let other: string;
  let c: string;
  let high: AwsSecurityFinding;

  it('a scan of a repository that is not blocked imports no mark', async () => {
    a = await pushAndImport(REPOSITORY, '1.0.0');
    b = await pushAndImport(REPOSITORY, '1.0.1');
    other = await pushAndImport(OTHER, '2.0.0');
    expect(Object.values(await marks()).filter((m) => m !== undefined)).toEqual([]);
    high = (await everyFinding(securityHub)).find(
      (f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2024-6119' && f.Resources?.[0]?.Id?.endsWith(a),
    ) as AwsSecurityFinding;
    expect(high).toBeDefined();
  });

  it("a person's block marks every image finding of the repository, and nothing else", async () => {
    const result = await quietly(() =>
      onCustomAction(
        customActionEvent({
          id: 'c0000000-0000-4000-8000-000000000001',
          action: BLOCK_ACTION_ARN,
          findings: [high],
        }),
        lambdaContext('on-custom-action', 'block'),
      ),
    );
    expect(result.outcomes[0]).toMatchObject({
      status: 'blocked',
      changed: true,
      audit: { recorded: true },
      mark: { value: 'true', written: 2, unchanged: 0, failed: [] },
    });
    expect(await repositoryPolicyText(ecr, REPOSITORY)).not.toBeNull();
    expect(await marks()).toEqual({
      [`${REPOSITORY}@${a} vulnerability`]: undefined,
      [`${REPOSITORY}@${a} image`]: 'true',
      [`${REPOSITORY}@${b} vulnerability`]: undefined,
      [`${REPOSITORY}@${b} image`]: 'true',
      [`${OTHER}@${other} vulnerability`]: undefined,
      [`${OTHER}@${other} image`]: undefined,
    });
    // The audit note stays on the clicked finding; the image finding carries the mark alone.
    const stored = await everyFinding(securityHub);
    const clicked = stored.find((f) => f.Id === high.Id);
    expect(clicked?.UserDefinedFields).toMatchObject({ 'ecr-compliance/LastAction': 'block' });
    expect(clicked?.UserDefinedFields).not.toHaveProperty([BLOCK_MARK_FIELD]);
    const imageA = stored.find((f) => f.GeneratorId?.endsWith('/image') && f.Resources?.[0]?.Id?.endsWith(a));
    expect(imageA?.UserDefinedFields).toEqual({ [BLOCK_MARK_FIELD]: 'true' });
    expect(shim.requests.filter((r) => r.UserDefinedFields?.[BLOCK_MARK_FIELD] !== undefined)).toEqual([
      {
        FindingIdentifiers: expect.arrayContaining([
          expect.objectContaining({ Id: expect.stringContaining(a) }),
        ]),
        UserDefinedFields: { [BLOCK_MARK_FIELD]: 'true' },
      },
    ]);
  });

  it('an image pushed and scanned while the repository is blocked is imported with the mark', async () => {
    c = await pushAndImport(REPOSITORY, '1.0.2');
    const now = await marks();
    expect(now[`${REPOSITORY}@${c} image`]).toBe('true');
    expect(now[`${REPOSITORY}@${c} vulnerability`]).toBeUndefined();
  });

  it('the unblock sets the mark to false on every image finding of the repository', async () => {
    const result = await quietly(() =>
      onCustomAction(
        customActionEvent({
          id: 'c0000000-0000-4000-8000-000000000002',
          action: UNBLOCK_ACTION_ARN,
          findings: [high],
        }),
        lambdaContext('on-custom-action', 'unblock'),
      ),
    );
    expect(result.outcomes[0]).toMatchObject({
      status: 'unblocked',
      changed: true,
      mark: { value: 'false', written: 3 },
    });
    expect(await repositoryPolicyText(ecr, REPOSITORY)).toBeNull();
    const now = await marks();
    expect([a, b, c].map((d) => now[`${REPOSITORY}@${d} image`])).toEqual(['false', 'false', 'false']);
    expect(now[`${OTHER}@${other} image`]).toBeUndefined();
  });
});

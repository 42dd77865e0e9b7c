/**
 * Enhanced scanning and automatic unblock against moto in server mode, through the real handlers:
 *
 * - "Inspector2 Scan" (repository ARN in repository-name) -> on-image-scan -> DescribeImageScanFindings
 *   answers with `enhancedFindings` -> only our image finding lands in Security Hub by default
 *   (Inspector sends its own per-vulnerability findings), every finding with 'both';
 * - the block custom action on one of Amazon Inspector's own findings blocks the image's repository;
 * - automatic remediation (on-finding-imported): findings-imported events block a repository when
 *   ECR's scan confirms them, and once its images are deleted the archived image findings release
 *   it, keeping every other statement, but only when no image's scan and no finding still holds it.
 */
import {
  BatchDeleteImageCommand,
  ECRClient,
  PutImageCommand,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import { type AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { BLOCK_STATEMENT_SID } from '@ecr-compliance/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Handler, repositoryPolicyText } from '../support/emulatorWorld.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, type MotoServer, startMoto } from '../support/moto.js';
import {
  captureLogs,
  createIdempotencyTable,
  customActionEvent,
  enhancedScanFinding,
  everyFinding,
  findingsImportedEvent,
  handlerEnvironment,
  imageActionEvent,
  imageScanEvent,
  inspectorScanEvent,
  lambdaContext,
  loadHandler,
  manifest,
  pushScannedImage,
} from '../support/world.js';

const BLOCK = `arn:aws:securityhub:us-east-1:${MOTO_ACCOUNT_ID}:action/custom/ECR1`;
const FOREIGN_STATEMENT = {
  Sid: 'AllowCiPush',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/ci-pipeline` },
  Action: ['ecr:PutImage'],
};
const FOREIGN_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [FOREIGN_STATEMENT] });

let moto: MotoServer;
let ecr: ECRClient;
let securityHub: SecurityHubClient;

const allFindings = () => everyFinding(securityHub);

/** Our findings of one image, as Security Hub (moto) holds them now. */
async function findingsOfImage(repository: string, digest: string): Promise<AwsSecurityFinding[]> {
  const arn = `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${repository}/${digest}`;
  return (await allFindings()).filter(
    (f) => f.GeneratorId?.startsWith('ecr-compliance/') && f.Resources?.some((r) => r.Id === arn),
  );
}

async function imageFindingOf(repository: string, digest: string): Promise<AwsSecurityFinding> {
  const found = (await findingsOfImage(repository, digest)).find((f) => f.GeneratorId?.endsWith('/image'));
  if (!found) throw new Error(`no image finding for ${repository}@${digest}`);
  return found;
}

async function policyOf(repository: string): Promise<{ Statement: Array<Record<string, unknown>> } | null> {
  return JSON.parse((await repositoryPolicyText(ecr, repository)) ?? 'null');
}

/** The three handlers, loaded with automatic remediation and automatic unblock on. */
async function automaticHandlers(): Promise<
  Record<'onImageScan' | 'onImageAction' | 'onFindingImported', Handler>
> {
  const env = handlerEnvironment(moto.endpoint, { AUTO_REMEDIATION: 'true', AUTO_UNBLOCK: 'true' });
  const load = async (name: string) =>
    (await loadHandler<{ handler: Handler }>(`../../src/handlers/${name}.js`, env)).handler;
  // One at a time: each load resets the module registry and the stubbed environment.
  const onImageScan = await load('on-image-scan');
  const onImageAction = await load('on-image-action');
  const onFindingImported = await load('on-finding-imported');
  return { onImageScan, onImageAction, onFindingImported };
}

/** Runs a handler with its structured logs kept off the test output. */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const logs = captureLogs();
  try {
    return await run();
  } finally {
    logs.restore();
  }
}

beforeAll(async () => {
  moto = await startMoto();
  const config = awsClientConfig(moto.endpoint, moto.region);
  ecr = new ECRClient(config);
  securityHub = new SecurityHubClient(config);
  await createIdempotencyTable(config, 'ecr-compliance-idempotency');
});

afterAll(async () => {
  await moto?.stop();
});

describe('enhanced scanning ("Inspector2 Scan") against the emulator', () => {
  const REPOSITORY = 'team-e/enhanced-api';

  it('imports only the image finding by default, with the severity of the worst vulnerability', async () => {
    const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository: REPOSITORY,
      tag: '1.0.0',
      enhancedFindings: (digest) => [
        enhancedScanFinding({
          id: 'CVE-2024-6119',
          pkg: 'openssl',
          severity: 'HIGH',
          repository: REPOSITORY,
          digest,
        }),
        enhancedScanFinding({
          id: 'CVE-2024-5535',
          pkg: 'zlib',
          severity: 'MEDIUM',
          repository: REPOSITORY,
          digest,
        }),
      ],
    });
    const onImageScan = (
      await loadHandler<{ handler: Handler }>(
        '../../src/handlers/on-image-scan.js',
        handlerEnvironment(moto.endpoint),
      )
    ).handler;

    const result = await quietly(() =>
      onImageScan(
        inspectorScanEvent({ id: 'e0a1-0001', repository: REPOSITORY, digest, tags: ['1.0.0'] }),
        lambdaContext('on-image-scan'),
      ),
    );

    expect(result).toMatchObject({
      outcome: 'imported',
      repositoryName: REPOSITORY,
      vulnerabilities: 2,
      findings: 1,
      publish: { succeeded: 1, failed: [] },
    });
    const stored = await findingsOfImage(REPOSITORY, digest);
    expect(stored.map((f) => f.GeneratorId)).toEqual(['ecr-compliance/ecr-enhanced/image']);
    expect(stored[0]).toMatchObject({
      Severity: { Label: 'HIGH' },
      RecordState: 'ACTIVE',
      Resources: [
        {
          Type: 'AwsEcrContainerImage',
          Id: `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${REPOSITORY}/${digest}`,
        },
        { Type: 'AwsEcrRepository', Id: `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${REPOSITORY}` },
      ],
    });
  });

  it("imports Inspector's vulnerabilities as well with ENHANCED_FINDING_GRANULARITY both", async () => {
    const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository: REPOSITORY,
      tag: '2.0.0',
      enhancedFindings: (digest) => [
        enhancedScanFinding({
          id: 'CVE-2024-6119',
          pkg: 'openssl',
          severity: 'HIGH',
          repository: REPOSITORY,
          digest,
        }),
      ],
    });
    const onImageScan = (
      await loadHandler<{ handler: Handler }>(
        '../../src/handlers/on-image-scan.js',
        handlerEnvironment(moto.endpoint, { ENHANCED_FINDING_GRANULARITY: 'both' }),
      )
    ).handler;

    const result = await quietly(() =>
      onImageScan(
        inspectorScanEvent({ id: 'e0a1-0002', repository: REPOSITORY, digest }),
        lambdaContext('on-image-scan'),
      ),
    );

    expect(result).toMatchObject({ outcome: 'imported', findings: 2 });
    const stored = await findingsOfImage(REPOSITORY, digest);
    expect(stored.map((f) => f.GeneratorId).sort()).toEqual([
      'ecr-compliance/ecr-enhanced',
      'ecr-compliance/ecr-enhanced/image',
    ]);
    expect(
      stored.find((f) => f.GeneratorId === 'ecr-compliance/ecr-enhanced')?.Vulnerabilities?.[0]?.Id,
    ).toBe('CVE-2024-6119');
  });

  it("blocks the repository from Amazon Inspector's own finding, keeping the existing statement", async () => {
    await ecr.send(
      new SetRepositoryPolicyCommand({ repositoryName: REPOSITORY, policyText: FOREIGN_POLICY }),
    );
    const imageArn = `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${REPOSITORY}/sha256:${'e'.repeat(64)}`;
    // As Security Hub puts it in the custom action event (AWS-FACTS §5.3): Inspector's ASFF.
    const inspectorFinding = {
      SchemaVersion: '2018-10-08',
      Id: `arn:aws:inspector2:us-east-1:${MOTO_ACCOUNT_ID}:finding/0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e`,
      ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector',
      ProductName: 'Inspector',
      CompanyName: 'Amazon',
      GeneratorId: 'AWSInspector',
      AwsAccountId: MOTO_ACCOUNT_ID,
      Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
      CreatedAt: '2026-11-20T10:15:30.000Z',
      UpdatedAt: '2026-11-20T10:16:02.000Z',
      Severity: { Label: 'CRITICAL', Normalized: 90 },
      Title: 'CVE-2024-3094 - xz-utils',
      Description: 'Malicious code in xz.',
      Resources: [{ Type: 'AwsEcrContainerImage', Id: imageArn, Partition: 'aws', Region: 'us-east-1' }],
      Workflow: { Status: 'NEW' },
      RecordState: 'ACTIVE',
    };
    const onCustomAction = (
      await loadHandler<{ handler: Handler }>(
        '../../src/handlers/on-custom-action.js',
        handlerEnvironment(moto.endpoint),
      )
    ).handler;

    const result = await quietly(() =>
      onCustomAction(
        customActionEvent({ id: 'e0a1-0003', action: BLOCK, findings: [inspectorFinding] }),
        lambdaContext('on-custom-action'),
      ),
    );

    expect(result.outcomes[0]).toMatchObject({
      status: 'blocked',
      changed: true,
      findingId: inspectorFinding.Id,
      repositoryArn: `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${REPOSITORY}`,
    });
    const policy = await policyOf(REPOSITORY);
    expect(policy?.Statement[0]).toEqual(FOREIGN_STATEMENT);
    expect(policy?.Statement[1]).toMatchObject({ Sid: BLOCK_STATEMENT_SID, Effect: 'Deny' });
  });
});

describe('automatic remediation and unblock against the emulator', () => {
  const REPOSITORY = 'team-u/web';
  const HIGH = [
    {
      name: 'CVE-2024-6119',
      uri: 'https://security-tracker.debian.org/tracker/CVE-2024-6119',
      severity: 'HIGH',
      attributes: [{ key: 'package_name', value: 'openssl' }],
    },
  ];
  let onImageScan: Handler;
  let onImageAction: Handler;
  let onFindingImported: Handler;
  let first: string;
  let second: string;

  beforeAll(async () => {
    ({ onImageScan, onImageAction, onFindingImported } = await automaticHandlers());
    first = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository: REPOSITORY,
      tag: 'v1',
      findings: HIGH,
    });
    second = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository: REPOSITORY,
      tag: 'v2',
      findings: HIGH,
    });
    await ecr.send(
      new SetRepositoryPolicyCommand({ repositoryName: REPOSITORY, policyText: FOREIGN_POLICY }),
    );
    for (const [id, digest] of [
      ['a0a1-0001', first],
      ['a0a1-0002', second],
    ] as const) {
      const result = await quietly(() =>
        onImageScan(imageScanEvent({ id, repository: REPOSITORY, digest }), lambdaContext('on-image-scan')),
      );
      expect(result).toMatchObject({ outcome: 'imported' });
    }
  });

  /** What Security Hub would send after importing the image finding of `digest`. */
  const importedEventOf = async (id: string, digest: string) =>
    findingsImportedEvent({ id, finding: await imageFindingOf(REPOSITORY, digest) });
  const remediate = async (id: string, digest: string) => {
    const event = await importedEventOf(id, digest);
    return quietly(() => onFindingImported(event, lambdaContext('on-finding-imported')));
  };
  const deleteImage = async (id: string, digest: string) => {
    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: REPOSITORY, imageIds: [{ imageDigest: digest }] }),
    );
    const result = await quietly(() =>
      onImageAction(
        imageActionEvent({ id, repository: REPOSITORY, digest }),
        lambdaContext('on-image-action'),
      ),
    );
    expect(result).toMatchObject({ archived: 2 });
  };

  it('blocks for the first HIGH image finding, and changes nothing for the second', async () => {
    const blocked = await remediate('a0a1-0010', first);
    expect(blocked).toMatchObject({ outcomes: [{ status: 'blocked', changed: true }] });
    const again = await remediate('a0a1-0011', second);
    expect(again.outcomes[0]).toMatchObject({ status: 'blocked', changed: false });
    const policy = await policyOf(REPOSITORY);
    expect(policy?.Statement.map((s) => s.Sid)).toEqual(['AllowCiPush', BLOCK_STATEMENT_SID]);
  });

  it('keeps the block when one image is deleted while the other is still HIGH', async () => {
    await deleteImage('a0a1-0020', first);
    const archived = await imageFindingOf(REPOSITORY, first);
    expect(archived.RecordState).toBe('ARCHIVED');

    const result = await remediate('a0a1-0021', first);

    expect(result.outcomes[0]).toMatchObject({
      status: 'skipped',
      // The second image's findings, read before any scan.
      reason: expect.stringMatching(
        new RegExp(`^an active finding of this tool at or above HIGH still holds the block: .*${second}`),
      ),
    });
    expect((await policyOf(REPOSITORY))?.Statement.map((s) => s.Sid)).toEqual([
      'AllowCiPush',
      BLOCK_STATEMENT_SID,
    ]);
  });

  it('removes only its own statement once the last HIGH image is deleted, and then does nothing more', async () => {
    await deleteImage('a0a1-0030', second);

    const released = await remediate('a0a1-0031', second);

    expect(released.outcomes[0]).toMatchObject({ status: 'unblocked', changed: true, policyDeleted: false });
    expect(await policyOf(REPOSITORY)).toEqual({ Version: '2012-10-17', Statement: [FOREIGN_STATEMENT] });
    // The note on the finding makes Security Hub send it again: nothing is blocked, nothing is written.
    const replay = await remediate('a0a1-0032', second);
    expect(replay.outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: 'the repository is not blocked by this tool',
    });
    expect(await policyOf(REPOSITORY)).toEqual({ Version: '2012-10-17', Statement: [FOREIGN_STATEMENT] });
  });
});

describe('automatic unblock never releases a repository with an image it cannot vouch for', () => {
  const REPOSITORY = 'team-u/with-unscanned';
  let onImageScan: Handler;
  let onImageAction: Handler;
  let onFindingImported: Handler;
  let scanned: string;
  let unscanned: string;

  beforeAll(async () => {
    ({ onImageScan, onImageAction, onFindingImported } = await automaticHandlers());
    scanned = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository: REPOSITORY,
      tag: 'scanned',
      findings: [
        {
          name: 'CVE-2024-6119',
          severity: 'CRITICAL',
          attributes: [{ key: 'package_name', value: 'openssl' }],
        },
      ],
    });
    // Pushed without a scan (scan on push off, or a scan that failed): no finding says anything about it.
    const { text } = manifest(`${REPOSITORY}:unscanned`);
    const pushed = await ecr.send(
      new PutImageCommand({ repositoryName: REPOSITORY, imageTag: 'unscanned', imageManifest: text }),
    );
    unscanned = pushed.image?.imageId?.imageDigest ?? '';
    await quietly(() =>
      onImageScan(
        imageScanEvent({ id: 'b0b1-0001', repository: REPOSITORY, digest: scanned }),
        lambdaContext('on-image-scan'),
      ),
    );
  });

  const remediate = async (id: string) => {
    const event = findingsImportedEvent({ id, finding: await imageFindingOf(REPOSITORY, scanned) });
    return quietly(() => onFindingImported(event, lambdaContext('on-finding-imported')));
  };

  it('keeps the block after the vulnerable image is deleted while an unscanned image stays', async () => {
    expect((await remediate('b0b1-0010')).outcomes[0]).toMatchObject({ status: 'blocked', changed: true });
    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: REPOSITORY, imageIds: [{ imageDigest: scanned }] }),
    );
    await quietly(() =>
      onImageAction(
        imageActionEvent({ id: 'b0b1-0011', repository: REPOSITORY, digest: scanned }),
        lambdaContext('on-image-action'),
      ),
    );

    const kept = await remediate('b0b1-0012');

    expect(kept.outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining(`image ${unscanned} has no usable ECR scan`),
    });
    expect((await policyOf(REPOSITORY))?.Statement.map((s) => s.Sid)).toEqual([BLOCK_STATEMENT_SID]);
  });

  it('releases once the unscanned image is gone too, deleting the policy that was only the block', async () => {
    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: REPOSITORY, imageIds: [{ imageDigest: unscanned }] }),
    );

    const released = await remediate('b0b1-0020');

    expect(released.outcomes[0]).toMatchObject({ status: 'unblocked', changed: true, policyDeleted: true });
    expect(await policyOf(REPOSITORY)).toBeNull();
  });
});

/**
 * Issue 10 §1 against moto, through the real handlers: a principal that may call
 * BatchImportFindings on the account's default product writes findings that look like ours.
 *
 * - a forged CRITICAL image finding for a repository ECR never scanned does not block it;
 * - our real findings re-imported with a later UpdatedAt and severity LOW do not release a block
 *   while ECR's scan of the image still shows the HIGH CVE;
 * - an ARCHIVED finding planted on an image with our GeneratorId and UpdatedAt 2099-01-01 no
 *   longer makes the image's real scan and its deletion "older than the stored findings".
 *
 * moto's event-pattern matcher cannot match the "Findings - Imported" pattern, so the handler is
 * invoked with the event Security Hub would send, built from the finding as moto stores it.
 */
import {
  BatchDeleteImageCommand,
  CreateRepositoryCommand,
  ECRClient,
  PutImageCommand,
} from '@aws-sdk/client-ecr';
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { BLOCK_STATEMENT_SID } from '@ecr-compliance/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Handler, repositoryPolicyText } from '../support/emulatorWorld.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, type MotoServer, startMoto } from '../support/moto.js';
import {
  captureLogs,
  createIdempotencyTable,
  everyFinding,
  findingsImportedEvent,
  handlerEnvironment,
  imageActionEvent,
  imageScanEvent,
  lambdaContext,
  loadHandler,
  manifest,
  pushScannedImage,
} from '../support/world.js';

const PRODUCT = `arn:aws:securityhub:us-east-1:${MOTO_ACCOUNT_ID}:product/${MOTO_ACCOUNT_ID}/default`;
const HIGH = [
  {
    name: 'CVE-2024-6119',
    uri: 'https://security-tracker.debian.org/tracker/CVE-2024-6119',
    severity: 'HIGH',
    attributes: [{ key: 'package_name', value: 'openssl' }],
  },
];

let moto: MotoServer;
let ecr: ECRClient;
let securityHub: SecurityHubClient;
let onImageScan: Handler;
let onImageAction: Handler;
let onFindingImported: Handler;

const imageArnOf = (repository: string, digest: string) =>
  `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${repository}/${digest}`;

async function findingsOfImage(repository: string, digest: string): Promise<AwsSecurityFinding[]> {
  const arn = imageArnOf(repository, digest);
  return (await everyFinding(securityHub)).filter((f) => f.Resources?.some((r) => r.Id === arn));
}

async function findingById(id: string): Promise<AwsSecurityFinding> {
  const found = (await everyFinding(securityHub)).find((f) => f.Id === id);
  if (!found) throw new Error(`no finding ${id}`);
  return found;
}

async function policyOf(repository: string): Promise<{ Statement: Array<Record<string, unknown>> } | null> {
  return JSON.parse((await repositoryPolicyText(ecr, repository)) ?? 'null');
}

/** What the forger imports: a finding with our product, GeneratorId and shape. */
function forgedImageFinding(options: {
  readonly id: string;
  readonly repository: string;
  readonly digest: string;
  readonly label: string;
  readonly updatedAt: string;
  readonly recordState?: 'ACTIVE' | 'ARCHIVED';
}) {
  return {
    SchemaVersion: '2018-10-08',
    Id: options.id,
    ProductArn: PRODUCT,
    GeneratorId: 'ecr-compliance/ecr-basic/image',
    AwsAccountId: MOTO_ACCOUNT_ID,
    Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
    CreatedAt: options.updatedAt,
    UpdatedAt: options.updatedAt,
    Severity: { Label: options.label },
    FindingProviderFields: { Severity: { Label: options.label, Original: options.label } },
    Title: `ECR image ${options.repository} has a ${options.label} vulnerability`,
    Description: 'Looks like ours.',
    Resources: [
      {
        Type: 'AwsEcrContainerImage',
        Id: imageArnOf(options.repository, options.digest),
        Partition: 'aws' as const,
        Region: 'us-east-1',
      },
    ],
    ProductFields: {
      'ecr-compliance/FindingType': 'image',
      'ecr-compliance/RepositoryName': options.repository,
    },
    RecordState: options.recordState ?? 'ACTIVE',
  };
}

async function forge(findings: readonly unknown[]): Promise<void> {
  const out = await securityHub.send(new BatchImportFindingsCommand({ Findings: findings as never }));
  expect(out.FailedCount ?? 0).toBe(0);
}

async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const logs = captureLogs();
  try {
    return await run();
  } finally {
    logs.restore();
  }
}

const imported = (id: string, finding: unknown) =>
  quietly(() =>
    onFindingImported(findingsImportedEvent({ id, finding }), lambdaContext('on-finding-imported')),
  );

beforeAll(async () => {
  moto = await startMoto();
  const config = awsClientConfig(moto.endpoint, moto.region);
  ecr = new ECRClient(config);
  securityHub = new SecurityHubClient(config);
  await createIdempotencyTable(config, 'ecr-compliance-idempotency');
  const env = handlerEnvironment(moto.endpoint, { AUTO_REMEDIATION: 'true', AUTO_UNBLOCK: 'true' });
  const load = async (name: string) =>
    (await loadHandler<{ handler: Handler }>(`../../src/handlers/${name}.js`, env)).handler;
  onImageScan = await load('on-image-scan');
  onImageAction = await load('on-image-action');
  onFindingImported = await load('on-finding-imported');
});

afterAll(async () => {
  await moto?.stop();
});

describe('a forged finding does not block', () => {
  it('leaves a never-scanned repository unblocked when a CRITICAL finding of ours is forged for it', async () => {
    const repository = 'team-f/never-scanned';
    await ecr.send(new CreateRepositoryCommand({ repositoryName: repository }));
    const { text } = manifest(`${repository}:1.0.0`);
    const pushed = await ecr.send(
      new PutImageCommand({ repositoryName: repository, imageTag: '1.0.0', imageManifest: text }),
    );
    const digest = pushed.image?.imageId?.imageDigest ?? '';
    // Well-formed, as a forger who read our Ids would write it.
    const id = `ecr-compliance/ecr-basic/${MOTO_ACCOUNT_ID}/us-east-1/${repository}/${digest}/image`;
    await forge([
      forgedImageFinding({
        id,
        repository,
        digest,
        label: 'CRITICAL',
        updatedAt: '2026-11-21T08:00:00.000Z',
      }),
    ]);

    const result = await imported('f0f0-0001', await findingById(id));

    expect(result.outcomes).toEqual([
      expect.objectContaining({
        status: 'skipped',
        reason: expect.stringMatching(/^ECR's scan of sha256:[a-f0-9]{64} does not confirm the finding: /),
      }),
    ]);
    expect(await policyOf(repository)).toBeNull();
  });
});

describe('a forged finding does not release', () => {
  const repository = 'team-f/still-high';
  let digest: string;

  beforeAll(async () => {
    digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository,
      tag: 'v1',
      findings: HIGH,
    });
    const scan = await quietly(() =>
      onImageScan(imageScanEvent({ id: 'f1f1-0001', repository, digest }), lambdaContext('on-image-scan')),
    );
    expect(scan).toMatchObject({ outcome: 'imported' });
  });

  it('blocks from the real HIGH image finding, since ECR confirms it', async () => {
    const image = (await findingsOfImage(repository, digest)).find((f) => f.GeneratorId?.endsWith('/image'));
    const result = await imported('f1f1-0002', image);
    expect(result.outcomes[0]).toMatchObject({ status: 'blocked', changed: true });
    expect((await policyOf(repository))?.Statement.map((s) => s.Sid)).toEqual([BLOCK_STATEMENT_SID]);
  });

  it('keeps the block when our real findings are re-imported with a later UpdatedAt and severity LOW', async () => {
    const ours = await findingsOfImage(repository, digest);
    expect(ours.length).toBe(2);
    await forge(
      ours.map((f) => ({
        ...f,
        UpdatedAt: '2026-11-30T00:00:00.000Z',
        Severity: { Label: 'LOW' },
        FindingProviderFields: { ...f.FindingProviderFields, Severity: { Label: 'LOW', Original: 'LOW' } },
      })),
    );
    const lowered = (await findingsOfImage(repository, digest)).find((f) =>
      f.GeneratorId?.endsWith('/image'),
    );
    expect(lowered?.FindingProviderFields?.Severity?.Label).toBe('LOW');

    const result = await imported('f1f1-0003', lowered);

    expect(result.outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: `ECR's scan of image ${digest} shows CVE-2024-6119 at HIGH, at or above HIGH; the block stays`,
    });
    expect((await policyOf(repository))?.Statement.map((s) => s.Sid)).toEqual([BLOCK_STATEMENT_SID]);
  });

  it('releases once the vulnerable image is really gone (so the refusal above is not vacuous)', async () => {
    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: repository, imageIds: [{ imageDigest: digest }] }),
    );
    await quietly(() =>
      onImageAction(
        imageActionEvent({ id: 'f1f1-0004', repository, digest }),
        lambdaContext('on-image-action'),
      ),
    );
    const archived = (await findingsOfImage(repository, digest)).find((f) =>
      f.GeneratorId?.endsWith('/image'),
    );

    const result = await imported('f1f1-0005', archived);

    expect(result.outcomes[0]).toMatchObject({ status: 'unblocked', changed: true, policyDeleted: true });
    expect(await policyOf(repository)).toBeNull();
  });
});

describe('a planted finding dated 2099 does not blind the lifecycle', () => {
  const repository = 'team-f/blinded';
  let digest: string;

  beforeAll(async () => {
    digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository,
      tag: 'v1',
      findings: HIGH,
    });
    await forge([
      forgedImageFinding({
        id: `ecr-compliance/planted/${digest}`,
        repository,
        digest,
        label: 'INFORMATIONAL',
        updatedAt: '2099-01-01T00:00:00.000Z',
        recordState: 'ARCHIVED',
      }),
    ]);
  });

  it('imports the real scan of the image, and says which stored finding it did not believe', async () => {
    const logs = captureLogs();
    let result: any;
    try {
      result = await onImageScan(
        imageScanEvent({ id: 'f2f2-0001', repository, digest }),
        lambdaContext('on-image-scan'),
      );
    } finally {
      logs.restore();
    }

    expect(result).toMatchObject({
      outcome: 'imported',
      created: 2,
      distrusted: [`ecr-compliance/planted/${digest}`],
    });
    const image = (await findingsOfImage(repository, digest)).find(
      (f) => f.GeneratorId?.endsWith('/image') && !f.Id?.startsWith('ecr-compliance/planted/'),
    );
    expect(image).toMatchObject({ RecordState: 'ACTIVE', Severity: { Label: 'HIGH' } });
    expect(logs.lines().find((line) => line.level === 'WARN')).toMatchObject({
      message: 'stored findings dated later than now were not believed',
      findingIds: [`ecr-compliance/planted/${digest}`],
    });
  });

  it('archives the findings of the image when it is deleted', async () => {
    await ecr.send(
      new BatchDeleteImageCommand({ repositoryName: repository, imageIds: [{ imageDigest: digest }] }),
    );

    const result = await quietly(() =>
      onImageAction(
        imageActionEvent({ id: 'f2f2-0002', repository, digest }),
        lambdaContext('on-image-action'),
      ),
    );

    expect(result).toMatchObject({ outcome: 'archived', archived: 2 });
    const ours = (await findingsOfImage(repository, digest)).filter(
      (f) => !f.Id?.startsWith('ecr-compliance/planted/'),
    );
    expect(ours.map((f) => f.RecordState)).toEqual(['ARCHIVED', 'ARCHIVED']);
  });
});

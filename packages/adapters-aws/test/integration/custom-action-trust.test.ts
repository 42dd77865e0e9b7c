/**
 * What a person's click may act on, against moto in server mode through the real handlers
 * (issue 10 §1 and §4). Real findings of two repositories are imported by on-image-scan; a
 * hostile principal then imports findings of its own (moto, like Security Hub, takes any
 * ProductArn and any Resources) and a person clicks them. A transparent proxy in front of moto
 * counts every ECR call the handler makes: a refused finding makes none.
 */
import { SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { type AwsSecurityFinding, BatchImportFindingsCommand } from '@aws-sdk/client-securityhub';
import { BLOCK_STATEMENT_SID } from '@ecr-compliance/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BLOCK_ACTION_ARN as BLOCK,
  type EmulatorWorld,
  type Handler,
  repositoryPolicyText,
  startEmulatorWorld,
  UNBLOCK_ACTION_ARN as UNBLOCK,
} from '../support/emulatorWorld.js';
import { MOTO_ACCOUNT_ID } from '../support/moto.js';
import {
  captureLogs,
  customActionEvent,
  everyFinding,
  HIGH_CVE,
  imageScanEvent,
  lambdaContext,
  pushScannedImage,
} from '../support/world.js';

const API = 'team-a/api';
const DB = 'prod/db';
const DB_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowAppPull',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/app` },
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
    },
  ],
});

let world: EmulatorWorld;
let onCustomAction: Handler;
const digests: Record<string, string> = {};

/** ECR calls the handlers made through the proxy. */
const ecrCalls = () =>
  Object.entries(world.proxy.stats().byPath)
    .filter(([key]) => key.includes('AmazonEC2ContainerRegistry'))
    .reduce((sum, [, n]) => sum + n, 0);

/** The policy text of a repository as ECR holds it, or null. */
const policyText = (repositoryName: string) => repositoryPolicyText(world.ecr, repositoryName);

/** Our HIGH vulnerability finding of `repositoryName`, as Security Hub holds it. */
async function highFindingOf(repositoryName: string): Promise<AwsSecurityFinding> {
  const imageArn = `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${repositoryName}/${digests[repositoryName]}`;
  const found = (await everyFinding(world.securityHub)).find(
    (f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2024-6119' && f.Resources?.[0]?.Id === imageArn,
  );
  if (!found) throw new Error(`no HIGH finding of ${repositoryName}`);
  return found;
}

/** Imports `finding` as a hostile principal would, and returns it as Security Hub then holds it. */
async function plant(finding: AwsSecurityFinding): Promise<AwsSecurityFinding> {
  const out = await world.securityHub.send(new BatchImportFindingsCommand({ Findings: [finding] }));
  expect(out.FailedCount).toBe(0);
  const stored = (await everyFinding(world.securityHub)).find((f) => f.Id === finding.Id);
  if (!stored) throw new Error(`planted finding ${finding.Id} not stored`);
  return stored;
}

/** Clicks `action` on `findings` through the real handler, with its logs kept off the output. */
async function click(id: string, action: string, findings: unknown[]) {
  const logs = captureLogs();
  try {
    const result = await onCustomAction(
      customActionEvent({ id, action, findings }),
      lambdaContext('on-custom-action'),
    );
    return { result, logs: logs.lines() };
  } finally {
    logs.restore();
  }
}

beforeAll(async () => {
  world = await startEmulatorWorld();
  const { ecr, moto } = world;
  const onImageScan = await world.handler('on-image-scan');
  onCustomAction = await world.handler('on-custom-action');
  const logs = captureLogs();
  try {
    for (const [i, repository] of [API, DB].entries()) {
      digests[repository] = await pushScannedImage(ecr, moto.endpoint, moto.region, {
        repository,
        tag: '1.0.0',
        findings: [HIGH_CVE],
      });
      await onImageScan(
        imageScanEvent({ id: `5ca0000${i}`, repository, digest: digests[repository] as string }),
        lambdaContext('on-image-scan'),
      );
    }
  } finally {
    logs.restore();
  }
  await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: DB, policyText: DB_POLICY }));
});

afterAll(async () => {
  await world?.close();
});

describe('a click on a finding whose Id is about one repository and whose resource is another', () => {
  /** A finding about team-a/api (Id, ProductFields) whose resource is the image of prod/db. */
  async function forged(): Promise<AwsSecurityFinding> {
    const real = await highFindingOf(API);
    return plant({
      ...real,
      Id: String(real.Id).replace('CVE-2024-6119', 'CVE-2099-0001'),
      Resources: [
        {
          Type: 'AwsEcrContainerImage',
          Id: `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${DB}/${digests[DB]}`,
          Partition: 'aws',
          Region: 'us-east-1',
        },
      ],
    });
  }

  it('blocks neither repository and calls ECR not at all', async () => {
    const finding = await forged();
    const before = ecrCalls();

    const { result, logs } = await click('c1a0-0001', BLOCK, [finding]);

    expect(result.outcomes).toEqual([
      {
        status: 'skipped',
        findingId: finding.Id,
        reason: `finding Id is about repository ${API}, but its resources name ${DB}`,
      },
    ]);
    expect(ecrCalls()).toBe(before);
    expect(await policyText(API)).toBeNull();
    expect(await policyText(DB)).toBe(DB_POLICY);
    expect(logs.find((line) => line.message === 'finding refused')).toMatchObject({ level: 'WARN' });
    expect(logs.filter((line) => line.level === 'ERROR')).toEqual([]);
  });

  it('does not release a blocked repository either', async () => {
    const blocked = await click('c1a0-0002', BLOCK, [await highFindingOf(DB)]);
    expect(blocked.result.outcomes[0]).toMatchObject({ status: 'blocked', changed: true });
    const held = await policyText(DB);
    expect(JSON.parse(held ?? '{}').Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      'AllowAppPull',
      BLOCK_STATEMENT_SID,
    ]);
    const finding = await forged();
    const before = ecrCalls();

    const { result } = await click('c1a0-0003', UNBLOCK, [finding]);

    expect(result.outcomes[0]).toMatchObject({ status: 'skipped', reason: expect.stringContaining(DB) });
    expect(ecrCalls()).toBe(before);
    expect(await policyText(DB)).toBe(held);
    expect(await policyText(API)).toBeNull();
  });
});

describe('a click on a finding that this tool did not import', () => {
  it('refuses a foreign product and a foreign generator in the default product, writing nothing', async () => {
    const real = await highFindingOf(API);
    const otherProduct = await plant({
      ...real,
      Id: String(real.Id).replace('CVE-2024-6119', 'CVE-2099-0002'),
      ProductArn: 'arn:aws:securityhub:us-east-1::product/aquasecurity/aquasecurity',
    });
    const ciTool = await plant({
      ...real,
      Id: 'ci-pipeline/team-a/api/CVE-2099-0003',
      GeneratorId: 'ci-pipeline/trivy',
    });
    const before = ecrCalls();

    const { result } = await click('c1a0-0004', BLOCK, [otherProduct, ciTool]);

    expect(result.outcomes).toEqual([
      {
        status: 'skipped',
        findingId: otherProduct.Id,
        reason: `not a finding of ecr-compliance or Amazon Inspector (ProductArn arn:aws:securityhub:us-east-1::product/aquasecurity/aquasecurity, GeneratorId ${real.GeneratorId})`,
      },
      {
        status: 'skipped',
        findingId: 'ci-pipeline/team-a/api/CVE-2099-0003',
        reason: `not a finding of ecr-compliance or Amazon Inspector (ProductArn ${real.ProductArn}, GeneratorId ci-pipeline/trivy)`,
      },
    ]);
    expect(ecrCalls()).toBe(before);
    expect(await policyText(API)).toBeNull();
  });

  it('refuses a repository name ECR would reject before any call, without failing the invocation', async () => {
    const real = await highFindingOf(API);
    const dotted = JSON.parse(
      JSON.stringify(real).replaceAll(`repository/${API}/`, 'repository/team-a/../api/'),
    );
    const before = ecrCalls();

    const { result } = await click('c1a0-0005', BLOCK, [dotted]);

    expect(result.outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('"team-a/../api", which is not a valid ECR repository name'),
    });
    expect(ecrCalls()).toBe(before);
  });
});

/**
 * The whole flow against moto in server mode, through the real handlers: repository with an
 * image -> scan -> on-image-scan -> findings in Security Hub -> custom action -> policy denies
 * pulls and keeps the existing statements -> unblock restores it. A transparent fault proxy
 * (no faults) in front of moto counts the AWS calls.
 */
import { type ECRClient, GetRepositoryPolicyCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import type { AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
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
import type { FaultProxy } from '../support/fault-proxy.js';
import { MOTO_ACCOUNT_ID, type MotoServer } from '../support/moto.js';
import {
  captureLogs,
  customActionEvent,
  everyFinding,
  imageScanEvent,
  lambdaContext,
  pushScannedImage,
  quietly,
} from '../support/world.js';

const REPOSITORY = 'team-a/payments-api';
const EXISTING_POLICY = JSON.stringify(
  {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'LambdaECRImageRetrievalPolicy',
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
        Condition: {
          StringLike: { 'aws:sourceArn': `arn:aws:lambda:us-east-1:${MOTO_ACCOUNT_ID}:function:*` },
        },
      },
      {
        Sid: 'AllowCiPush',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/ci-pipeline` },
        Action: [
          'ecr:BatchCheckLayerAvailability',
          'ecr:PutImage',
          'ecr:InitiateLayerUpload',
          'ecr:UploadLayerPart',
          'ecr:CompleteLayerUpload',
        ],
      },
    ],
  },
  null,
  2,
);
const SCAN_FINDINGS = [
  {
    name: 'CVE-2024-6119',
    description: 'Possible denial of service in X.509 name checks.',
    uri: 'https://security-tracker.debian.org/tracker/CVE-2024-6119',
    severity: 'HIGH',
    attributes: [
      { key: 'package_version', value: '3.0.13-1~deb12u1' },
      { key: 'package_name', value: 'openssl' },
    ],
  },
  {
    name: 'CVE-2024-6119',
    description: 'Possible denial of service in X.509 name checks.',
    uri: 'https://security-tracker.debian.org/tracker/CVE-2024-6119',
    severity: 'HIGH',
    attributes: [
      { key: 'package_version', value: '3.0.13-1~deb12u1' },
      { key: 'package_name', value: 'libssl3' },
    ],
  },
  {
    name: 'CVE-2023-50495',
    uri: 'https://security-tracker.debian.org/tracker/CVE-2023-50495',
    severity: 'MEDIUM',
    attributes: [{ key: 'package_name', value: 'ncurses' }],
  },
];

let world: EmulatorWorld;
let moto: MotoServer;
let proxy: FaultProxy;
let ecr: ECRClient;
let securityHub: SecurityHubClient;
let onImageScan: Handler;
let onCustomAction: Handler;
let digest: string;

const calls = (operation: string) =>
  Object.entries(proxy.stats().byPath)
    .filter(([key]) => key.includes(operation))
    .reduce((sum, [, n]) => sum + n, 0);

async function ourFindings(): Promise<AwsSecurityFinding[]> {
  return (await everyFinding(securityHub)).filter((f) => f.GeneratorId?.startsWith('ecr-compliance/'));
}

const scanEvent = (id: string) =>
  imageScanEvent({ id, repository: REPOSITORY, digest, tags: ['1.8.2', 'latest'] });
const actionEvent = (id: string, action: string, findings: unknown[]) =>
  customActionEvent({ id, action, findings });

async function policy(): Promise<Record<string, any> | null> {
  return JSON.parse((await repositoryPolicyText(ecr, REPOSITORY)) ?? 'null');
}

beforeAll(async () => {
  world = await startEmulatorWorld();
  ({ moto, proxy, ecr, securityHub } = world);
  digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
    repository: REPOSITORY,
    tag: '1.8.2',
    findings: SCAN_FINDINGS,
  });
  await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: REPOSITORY, policyText: EXISTING_POLICY }));
  onImageScan = await world.handler('on-image-scan');
  onCustomAction = await world.handler('on-custom-action');
});

afterAll(async () => {
  await world?.close();
});

describe('on-image-scan against the emulator', () => {
  it('imports one finding per vulnerability and one for the image, and logs one line with the counts', async () => {
    const logs = captureLogs();
    try {
      const result = await onImageScan(
        scanEvent('1308b246-e57d-469a-a8b1-158a7eb0b7ad'),
        lambdaContext('on-image-scan'),
      );
      expect(result).toMatchObject({
        vulnerabilities: 2,
        findings: 3,
        publish: { sent: 3, succeeded: 3, failed: [] },
      });
    } finally {
      logs.restore();
    }
    const summary = logs.lines().filter((l) => l.message === 'scan imported');
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({
      level: 'INFO',
      service: 'ecr-compliance',
      correlation_id: '1308b246-e57d-469a-a8b1-158a7eb0b7ad',
      repository: REPOSITORY,
      vulnerabilities: 2,
      findings: 3,
      succeeded: 3,
      failed: 0,
    });
    const findings = await ourFindings();
    expect(findings).toHaveLength(3);
    const cve = findings.find((f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2024-6119');
    expect(cve?.Vulnerabilities?.[0]?.VulnerablePackages?.map((p) => p.Name)).toEqual(['openssl', 'libssl3']);
    expect(cve?.Resources?.[0]).toMatchObject({
      Type: 'AwsEcrContainerImage',
      Id: `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${REPOSITORY}/${digest}`,
      Details: { AwsEcrContainerImage: { ImageTags: ['1.8.2', 'latest'], RepositoryName: REPOSITORY } },
    });
    expect(calls('/findings/import')).toBe(1);
  });

  it('does not import again when the same event is delivered twice', async () => {
    const before = calls('/findings/import');
    const result = await quietly(() =>
      onImageScan(
        scanEvent('1308b246-e57d-469a-a8b1-158a7eb0b7ad'),
        lambdaContext('on-image-scan', 'second'),
      ),
    );
    expect(result).toMatchObject({ findings: 3 });
    expect(calls('/findings/import')).toBe(before);
    expect(calls('DescribeImageScanFindings')).toBe(1);
  });

  it('rejects a malformed event with a validation error naming the field, and calls nothing', async () => {
    const before = proxy.stats().requests;
    const logs = captureLogs();
    const bad = { ...scanEvent('d0d0'), detail: { ...scanEvent('d0d0').detail, 'image-digest': 'latest' } };
    try {
      // The handler module was loaded afresh, so its error classes are other copies: match by name.
      await expect(onImageScan(bad, lambdaContext('on-image-scan'))).rejects.toMatchObject({
        name: 'InvalidInputError',
        path: 'detail.image-digest',
      });
    } finally {
      logs.restore();
    }
    expect(proxy.stats().requests).toBe(before);
  });
});

describe('on-custom-action against the emulator', () => {
  let high: AwsSecurityFinding;
  let medium: AwsSecurityFinding;
  let image: AwsSecurityFinding;

  beforeAll(async () => {
    const findings = await ourFindings();
    const pick = (predicate: (f: AwsSecurityFinding) => boolean) => {
      const found = findings.find(predicate);
      if (!found) throw new Error('finding missing');
      return found;
    };
    high = pick((f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2024-6119');
    medium = pick((f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2023-50495');
    image = pick((f) => f.ProductFields?.['ecr-compliance/FindingType'] === 'image');
  });

  it('blocks pulls from the repository of a HIGH finding and keeps the existing statements', async () => {
    const logs = captureLogs();
    let result: any;
    try {
      result = await onCustomAction(
        actionEvent('835b2b99-0001', BLOCK, [high]),
        lambdaContext('on-custom-action'),
      );
    } finally {
      logs.restore();
    }
    expect(result.action).toBe('block');
    expect(result.outcomes[0]).toMatchObject({ status: 'blocked', changed: true, findingId: high.Id });
    // moto has no BatchUpdateFindings: the audit trail fails, which is logged and not fatal.
    expect(result.outcomes[0].audit.recorded).toBe(false);
    expect(logs.lines().some((l) => l.message === 'audit trail not written')).toBe(true);
    const doc = await policy();
    const existing = JSON.parse(EXISTING_POLICY);
    expect(doc?.Version).toBe(existing.Version);
    expect(doc?.Statement.slice(0, 2)).toEqual(existing.Statement);
    expect(doc?.Statement[2]).toEqual({
      Sid: BLOCK_STATEMENT_SID,
      Effect: 'Deny',
      Principal: '*',
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
    });
  });

  it('writes the policy once when the same event is delivered twice', async () => {
    const before = calls('SetRepositoryPolicy');
    const again = await quietly(() =>
      onCustomAction(actionEvent('835b2b99-0001', BLOCK, [high]), lambdaContext('on-custom-action', 'retry')),
    );
    expect(again.outcomes[0]).toMatchObject({ status: 'blocked', changed: true });
    expect(calls('SetRepositoryPolicy')).toBe(before);
  });

  it('writes nothing when an already blocked repository is blocked again from the image finding', async () => {
    const before = calls('SetRepositoryPolicy');
    const result = await quietly(() =>
      onCustomAction(actionEvent('835b2b99-0002', BLOCK, [image]), lambdaContext('on-custom-action')),
    );
    expect(result.outcomes[0]).toMatchObject({ status: 'blocked', changed: false });
    expect(calls('SetRepositoryPolicy')).toBe(before);
  });

  it('refuses a MEDIUM finding with the reason, writing nothing', async () => {
    const before = calls('SetRepositoryPolicy');
    const logs = captureLogs();
    let result: any;
    try {
      result = await onCustomAction(
        actionEvent('835b2b99-0003', BLOCK, [medium]),
        lambdaContext('on-custom-action'),
      );
    } finally {
      logs.restore();
    }
    expect(result.outcomes[0]).toMatchObject({
      status: 'skipped',
      reason: 'severity MEDIUM is below the threshold HIGH',
    });
    expect(logs.lines().find((l) => l.message === 'finding refused')).toMatchObject({
      reason: 'severity MEDIUM is below the threshold HIGH',
    });
    expect(calls('SetRepositoryPolicy')).toBe(before);
  });

  it('unblock restores the policy exactly as it was', async () => {
    const result = await quietly(() =>
      onCustomAction(actionEvent('835b2b99-0004', UNBLOCK, [medium]), lambdaContext('on-custom-action')),
    );
    expect(result.action).toBe('unblock');
    expect(result.outcomes[0]).toMatchObject({ status: 'unblocked', changed: true, policyDeleted: false });
    expect(await policy()).toEqual(JSON.parse(EXISTING_POLICY));
  });

  it('block then unblock on a repository without a policy leaves it without one', async () => {
    const other = 'team-b/web';
    const otherDigest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository: other,
      tag: '2.4.0',
      findings: SCAN_FINDINGS,
    });
    const logs = captureLogs();
    try {
      await onImageScan(
        imageScanEvent({ id: '1308b246-0005', repository: other, digest: otherDigest, tags: ['2.4.0'] }),
        lambdaContext('on-image-scan'),
      );
      const event = (await ourFindings()).find(
        (f) =>
          f.Vulnerabilities?.[0]?.Id === 'CVE-2024-6119' &&
          f.Resources?.[0]?.Id ===
            `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${other}/${otherDigest}`,
      );
      expect(event?.Id).toContain(`/${other}/`);
      await onCustomAction(actionEvent('835b2b99-0005', BLOCK, [event]), lambdaContext('on-custom-action'));
      const blocked = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: other }));
      expect(JSON.parse(blocked.policyText ?? '').Statement).toHaveLength(1);
      const result = await onCustomAction(
        actionEvent('835b2b99-0006', UNBLOCK, [event]),
        lambdaContext('on-custom-action'),
      );
      expect(result.outcomes[0]).toMatchObject({ status: 'unblocked', policyDeleted: true });
    } finally {
      logs.restore();
    }
    await expect(ecr.send(new GetRepositoryPolicyCommand({ repositoryName: other }))).rejects.toThrow(
      /Repository policy does not exist/,
    );
  });

  it('refuses a statement that carries our Sid but is not ours, leaving the policy as it was', async () => {
    const tricky = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: BLOCK_STATEMENT_SID,
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
          Action: 'ecr:BatchGetImage',
        },
      ],
    });
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: REPOSITORY, policyText: tricky }));
    const logs = captureLogs();
    try {
      await expect(
        onCustomAction(actionEvent('835b2b99-0007', BLOCK, [high]), lambdaContext('on-custom-action')),
      ).rejects.toThrow(/PolicyConflictError: .*Statement\[0\] has the Sid EcrComplianceDenyPull/);
    } finally {
      logs.restore();
    }
    const stored = await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: REPOSITORY }));
    expect(stored.policyText).toBe(tricky);
  });
});

describe('automatic remediation against the emulator', () => {
  it('blocks from the findings-imported event of the image finding, once', async () => {
    const repository = 'team-d/auto';
    const autoDigest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository,
      tag: '1.0.0',
      findings: SCAN_FINDINGS,
    });
    const automatic = await world.handler('on-finding-imported', { AUTO_REMEDIATION: 'true' });
    const scan = await world.handler('on-image-scan', { AUTO_REMEDIATION: 'true' });
    const logs = captureLogs();
    try {
      await scan(
        imageScanEvent({ id: 'a0a0-scan', repository, digest: autoDigest }),
        lambdaContext('on-image-scan'),
      );
      const image = (await ourFindings()).find(
        (f) =>
          f.ProductFields?.['ecr-compliance/FindingType'] === 'image' &&
          f.ProductFields?.['ecr-compliance/RepositoryName'] === repository,
      );
      const imported = {
        ...customActionEvent({ id: 'a0a0-imported', action: 'unused', findings: [image] }),
        'detail-type': 'Security Hub Findings - Imported',
        resources: [`${image?.ProductArn}/${image?.Id}`],
      };
      const result = await automatic(imported, lambdaContext('on-finding-imported'));
      expect(result.outcomes[0]).toMatchObject({ status: 'blocked', changed: true });
      const again = await automatic(
        { ...imported, id: 'a0a0-imported-2' },
        lambdaContext('on-finding-imported'),
      );
      expect(again.outcomes[0]).toMatchObject({
        status: 'blocked',
        changed: false,
        audit: { recorded: false },
      });
    } finally {
      logs.restore();
    }
    const doc = JSON.parse(
      (await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: repository }))).policyText ?? 'null',
    );
    expect(doc.Statement).toEqual([
      {
        Sid: BLOCK_STATEMENT_SID,
        Effect: 'Deny',
        Principal: '*',
        Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      },
    ]);
  });
});

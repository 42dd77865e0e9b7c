/**
 * Issue 10 §2 and §3 against moto in server mode: a statement that only borrows our Sid stops the
 * block and unblock actions of the real handler and of the command line, and the policy stays
 * byte-identical; exemptions that exempt everyone are refused before any write. A transparent
 * fault proxy (no faults) in front of moto counts the policy writes.
 */
import { type ECRClient, GetRepositoryPolicyCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import type { AwsSecurityFinding, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { BLOCK_STATEMENT_SID } from '@ecr-compliance/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { memoryIo } from '../support/cliIo.js';
import {
  BLOCK_ACTION_ARN as BLOCK,
  type EmulatorWorld,
  type Handler,
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
} from '../support/world.js';

const REPOSITORY = 'team-a/payments-api';
const LAMBDA_PULL = {
  Sid: 'LambdaECRImageRetrievalPolicy',
  Effect: 'Allow',
  Principal: { Service: 'lambda.amazonaws.com' },
  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
};
// An organization perimeter that happens to use our Sid: replacing or deleting it would let
// principals outside the organization in.
const PERIMETER = {
  Sid: BLOCK_STATEMENT_SID,
  Effect: 'Deny',
  Principal: '*',
  Action: 'ecr:*',
  Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
};
const PARTNER_PULL = {
  Sid: BLOCK_STATEMENT_SID,
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::444455556666:root' },
  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
};
// Written with four-space indentation and non-ASCII text, so that "byte-identical" means it.
const policyText = (...statements: unknown[]) =>
  JSON.stringify({ Version: '2012-10-17', Id: 'périmètre-組織', Statement: statements }, null, 4);

let world: EmulatorWorld;
let moto: MotoServer;
let proxy: FaultProxy;
let ecr: ECRClient;
let securityHub: SecurityHubClient;
let onCustomAction: Handler;
let high: AwsSecurityFinding;

const writes = () =>
  Object.entries(proxy.stats().byPath)
    .filter(([key]) => key.includes('SetRepositoryPolicy') || key.includes('DeleteRepositoryPolicy'))
    .reduce((sum, [, n]) => sum + n, 0);

async function storedText(repositoryName = REPOSITORY): Promise<string | undefined> {
  return (await ecr.send(new GetRepositoryPolicyCommand({ repositoryName }))).policyText;
}

async function setText(text: string, repositoryName = REPOSITORY): Promise<void> {
  await ecr.send(new SetRepositoryPolicyCommand({ repositoryName, policyText: text }));
}

beforeAll(async () => {
  world = await startEmulatorWorld();
  ({ moto, proxy, ecr, securityHub } = world);
  const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
    repository: REPOSITORY,
    tag: '1.8.2',
    findings: [
      {
        name: 'CVE-2024-6119',
        severity: 'HIGH',
        attributes: [{ key: 'package_name', value: 'openssl' }],
      },
    ],
  });
  const onImageScan = await world.handler('on-image-scan');
  onCustomAction = await world.handler('on-custom-action');
  const logs = captureLogs();
  try {
    await onImageScan(
      imageScanEvent({ id: 'c0nf-scan', repository: REPOSITORY, digest }),
      lambdaContext('on-image-scan'),
    );
  } finally {
    logs.restore();
  }
  const found = (await everyFinding(securityHub)).find((f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2024-6119');
  if (!found) throw new Error('the scan imported no finding for CVE-2024-6119');
  high = found;
});

afterAll(async () => {
  await world?.close();
});

describe('on-custom-action refuses a policy whose statement borrows our Sid', () => {
  it.each([
    [
      'block',
      BLOCK,
      [LAMBDA_PULL, PERIMETER],
      /Statement\[1\] has the Sid EcrComplianceDenyPull but is not this tool's statement \(its Action is "ecr:\*"/,
    ],
    [
      'unblock',
      UNBLOCK,
      [LAMBDA_PULL, PERIMETER],
      /Statement\[1\] has the Sid EcrComplianceDenyPull but is not this tool's statement/,
    ],
    [
      'block',
      BLOCK,
      [PERIMETER, LAMBDA_PULL, PARTNER_PULL],
      /Statement\[0\] and Statement\[2\] have the Sid EcrComplianceDenyPull/,
    ],
    [
      'unblock',
      UNBLOCK,
      [PERIMETER, LAMBDA_PULL, PARTNER_PULL],
      /Statement\[0\] and Statement\[2\] have the Sid EcrComplianceDenyPull/,
    ],
  ])(
    '%s fails with the conflict named and leaves the policy byte-identical (%#)',
    async (action, arn, statements, why) => {
      const before = policyText(...statements);
      await setText(before);
      const writesBefore = writes();
      const logs = captureLogs();
      let failure: unknown;
      try {
        await onCustomAction(
          customActionEvent({ id: `c0nf-${action}-${statements.length}`, action: arn, findings: [high] }),
          lambdaContext('on-custom-action'),
        );
      } catch (error) {
        failure = error;
      } finally {
        logs.restore();
      }
      // The handler module was loaded afresh, so its error classes are other copies: match by name.
      expect(failure).toMatchObject({ name: 'FindingsNotHandledError' });
      expect((failure as Error).message).toMatch(
        /^1 of 1 findings not handled: PolicyConflictError: existing repository policy conflicts with this tool's statement, refusing to change it: /,
      );
      expect((failure as Error).message).toMatch(why);
      expect(logs.lines().find((l) => l.message === 'finding not handled')).toMatchObject({
        findingId: high.Id,
        error: expect.objectContaining({ name: 'PolicyConflictError' }),
      });
      expect(writes()).toBe(writesBefore);
      expect(await storedText()).toBe(before);
    },
  );

  it('still blocks and unblocks once the foreign statement has another Sid', async () => {
    const renamed = policyText(LAMBDA_PULL, { ...PERIMETER, Sid: 'OrgPerimeter' });
    await setText(renamed);
    const logs = captureLogs();
    try {
      const blocked = await onCustomAction(
        customActionEvent({ id: 'c0nf-renamed-block', action: BLOCK, findings: [high] }),
        lambdaContext('on-custom-action'),
      );
      expect(blocked.outcomes[0]).toMatchObject({ status: 'blocked', changed: true });
      const doc = JSON.parse((await storedText()) ?? 'null');
      expect(doc.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
        'LambdaECRImageRetrievalPolicy',
        'OrgPerimeter',
        BLOCK_STATEMENT_SID,
      ]);
      const unblocked = await onCustomAction(
        customActionEvent({ id: 'c0nf-renamed-unblock', action: UNBLOCK, findings: [high] }),
        lambdaContext('on-custom-action'),
      );
      expect(unblocked.outcomes[0]).toMatchObject({ status: 'unblocked', changed: true });
    } finally {
      logs.restore();
    }
    expect(JSON.parse((await storedText()) ?? 'null')).toEqual(JSON.parse(renamed));
  });
});

describe('the command line against the emulator', () => {
  const cli = async (args: string[]) => {
    const { io, stdout, stderr } = memoryIo({
      env: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
    });
    const code = await run([...args, '--endpoint-url', proxy.endpoint, '--region', 'us-east-1'], io);
    return { code, stdout: stdout(), stderr: stderr() };
  };

  it.each(['block', 'unblock'])(
    '%s refuses the perimeter with exit 1 and one line, writing nothing',
    async (action) => {
      const before = policyText(LAMBDA_PULL, PERIMETER);
      await setText(before);
      const writesBefore = writes();
      const { code, stderr, stdout } = await cli([action, '--repository', REPOSITORY]);
      expect(code).toBe(1);
      expect(stderr).toMatch(
        /^ecr-compliance: existing repository policy conflicts with this tool's statement, refusing to change it: Statement\[1\][^\n]*\n$/,
      );
      expect(stdout).toBe('');
      expect(writes()).toBe(writesBefore);
      expect(await storedText()).toBe(before);
    },
  );

  it('refuses role/* always and a role name prefix without --allow-broad-exemptions, writing nothing', async () => {
    const before = policyText(LAMBDA_PULL);
    await setText(before);
    const writesBefore = writes();
    const everyRole = await cli([
      'block',
      '--repository',
      REPOSITORY,
      '--allow-broad-exemptions',
      '--exempt-principal',
      `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/*`,
    ]);
    expect(everyRole.code).toBe(1);
    expect(everyRole.stderr).toMatch(/^ecr-compliance: exemptPrincipalArns\[0\]: .*role\/\* is every role/);
    const prefix = ['--exempt-principal', `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/breakglass-*`];
    const refused = await cli(['block', '--repository', REPOSITORY, ...prefix]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/has a wildcard.*allowBroadExemptions/);
    expect(writes()).toBe(writesBefore);
    expect(await storedText()).toBe(before);
    const allowed = await cli(['block', '--repository', REPOSITORY, ...prefix, '--allow-broad-exemptions']);
    expect(allowed.code).toBe(0);
    const doc = JSON.parse((await storedText()) ?? 'null');
    expect(doc.Statement[1]).toEqual({
      Sid: BLOCK_STATEMENT_SID,
      Effect: 'Deny',
      Principal: '*',
      Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
      Condition: {
        ArnNotLike: { 'aws:PrincipalArn': [`arn:aws:iam::${MOTO_ACCOUNT_ID}:role/breakglass-*`] },
      },
    });
  });
});

/** The online commands of the command line against moto in server mode. */
import { ECRClient, GetRepositoryPolicyCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { BLOCK_STATEMENT_SID } from '@ecr-compliance/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { memoryIo } from '../support/cliIo.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, type MotoServer, startMoto } from '../support/moto.js';
import { pushScannedImage } from '../support/world.js';

const REPOSITORY = 'team-c/api';
const FOREIGN = {
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AllowCiPush',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/ci` },
      Action: 'ecr:PutImage',
    },
  ],
};

let moto: MotoServer;
let ecr: ECRClient;
let env: Record<string, string>;
let digest: string;

const cli = async (args: string[]) => {
  const { io, stdout, stderr } = memoryIo({ env });
  const code = await run([...args, '--endpoint-url', moto.endpoint, '--region', 'us-east-1'], io);
  return { code, stdout: stdout(), stderr: stderr() };
};

beforeAll(async () => {
  moto = await startMoto();
  ecr = new ECRClient(awsClientConfig(moto.endpoint, moto.region));
  digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
    repository: REPOSITORY,
    tag: '3.1.0',
    findings: Array.from({ length: 120 }, (_, i) => ({
      name: `CVE-2025-${1000 + i}`,
      severity: i % 10 === 0 ? 'CRITICAL' : 'LOW',
      attributes: [{ key: 'package_name', value: `pkg-${i}` }],
    })),
  });
  await ecr.send(
    new SetRepositoryPolicyCommand({ repositoryName: REPOSITORY, policyText: JSON.stringify(FOREIGN) }),
  );
  // The SDK's standard credential chain reads these, as it would a real profile.
  env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
});

afterAll(async () => {
  await moto?.stop();
});

describe('ecr-compliance import', () => {
  it('--dry-run prints the Ids it would import and archive, and imports nothing', async () => {
    const { code, stdout } = await cli([
      'import',
      '--repository',
      REPOSITORY,
      '--image-digest',
      digest,
      '--dry-run',
    ]);
    expect(code).toBe(0);
    const plan = JSON.parse(stdout);
    expect(plan).toMatchObject({
      dryRun: true,
      outcome: 'would import',
      created: 121,
      archived: 0,
      archive: [],
    });
    expect(plan.import).toHaveLength(121);
    expect(plan.import[0]).toMatch(/^ecr-compliance\/ecr-basic\//);
    const hub = new SecurityHubClient(awsClientConfig(moto.endpoint, moto.region));
    expect((await hub.send(new GetFindingsCommand({}))).Findings).toEqual([]);
  });

  it('imports every finding, reporting progress on standard error', async () => {
    const { code, stdout, stderr } = await cli([
      'import',
      '--repository',
      REPOSITORY,
      '--image-digest',
      digest,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      repository: REPOSITORY,
      imageDigest: digest,
      outcome: 'imported',
      vulnerabilities: 120,
      findings: 121,
      created: 121,
      reactivated: 0,
      unchanged: 0,
      archived: 0,
      imported: 121,
      requests: 2,
    });
    expect(stderr).toBe('imported 121/121 findings\n');
    const hub = new SecurityHubClient(awsClientConfig(moto.endpoint, moto.region));
    const first = await hub.send(new GetFindingsCommand({ MaxResults: 100 }));
    const second = await hub.send(new GetFindingsCommand({ MaxResults: 100, NextToken: first.NextToken }));
    expect((first.Findings?.length ?? 0) + (second.Findings?.length ?? 0)).toBe(121);
  });

  it('imports nothing for the same scan again, and says why', async () => {
    const { code, stdout, stderr } = await cli([
      'import',
      '--repository',
      REPOSITORY,
      '--image-digest',
      digest,
    ]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      repository: REPOSITORY,
      imageDigest: digest,
      outcome: 'skipped',
      reason: expect.stringMatching(/ is imported already .*: a repeated event$/),
    });
    expect(stderr).toBe('');
  });

  it('names a missing scan in one line with exit 1', async () => {
    const { code, stderr, stdout } = await cli(['import', '--repository', REPOSITORY, '--image-tag', 'nope']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ecr-compliance: (image|scan) not found for team-c\/api@nope: .*\n$/);
    expect(stdout).toBe('');
  });

  it.each([
    [['--input', 'scan.json'], '--input applies to --format trivy and grype only'],
    [['--account', MOTO_ACCOUNT_ID], '--account applies to --format trivy and grype only'],
    [['--format', 'trivy', '--image-tag', '3.1.0', '-'], '--image-tag applies to --format ecr only'],
    [
      ['--format', 'grype', '--registry-id', MOTO_ACCOUNT_ID, '-'],
      '--registry-id applies to --format ecr only',
    ],
  ])('refuses %j as a usage error', async (args, message) => {
    const { code, stderr } = await cli([
      'import',
      '--repository',
      REPOSITORY,
      '--image-digest',
      digest,
      ...args,
    ]);
    expect([code, stderr]).toEqual([2, `ecr-compliance: ${message}\n`]);
  });

  it('requires exactly one of --image-digest and --image-tag', async () => {
    const { code, stderr } = await cli(['import', '--repository', REPOSITORY]);
    expect(code).toBe(2);
    expect(stderr).toBe('ecr-compliance: give exactly one of --image-digest and --image-tag\n');
  });
});

describe('ecr-compliance block / unblock', () => {
  const current = async () =>
    JSON.parse(
      (await ecr.send(new GetRepositoryPolicyCommand({ repositoryName: REPOSITORY }))).policyText ?? 'null',
    );

  it('--dry-run shows the policy before and after and changes nothing', async () => {
    const { code, stdout } = await cli([
      'block',
      '--repository',
      REPOSITORY,
      '--dry-run',
      '--exempt-principal',
      `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/breakglass`,
    ]);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({
      repository: REPOSITORY,
      action: 'block',
      dryRun: true,
      changed: true,
      before: FOREIGN,
    });
    expect(result.after.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      'AllowCiPush',
      BLOCK_STATEMENT_SID,
    ]);
    expect(await current()).toEqual(FOREIGN);
  });

  it('blocks, keeping the existing statement, then unblocks back to the original', async () => {
    const blocked = await cli(['block', '--repository', REPOSITORY]);
    expect(blocked.code).toBe(0);
    expect(JSON.parse(blocked.stdout)).toEqual({
      repository: REPOSITORY,
      action: 'block',
      dryRun: false,
      changed: true,
      policyDeleted: false,
    });
    const doc = await current();
    expect(doc.Statement[0]).toEqual(FOREIGN.Statement[0]);
    expect(doc.Statement[1]).toMatchObject({ Sid: BLOCK_STATEMENT_SID, Effect: 'Deny' });
    const again = await cli(['block', '--repository', REPOSITORY]);
    expect(JSON.parse(again.stdout).changed).toBe(false);
    const unblocked = await cli(['unblock', '--repository', REPOSITORY]);
    expect(JSON.parse(unblocked.stdout)).toMatchObject({ changed: true, policyDeleted: false });
    expect(await current()).toEqual(FOREIGN);
  });

  it('names a missing repository in one line with exit 1', async () => {
    const { code, stderr } = await cli(['block', '--repository', 'does-not-exist']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ecr-compliance: repository does-not-exist not found in registry/);
  });
});

/**
 * `ecr-compliance status` against moto in server mode: two repositories blocked (one with an
 * exempt principal), one with only a foreign statement, one whose statement borrows our Sid; the
 * findings that hold a block come from a real import. moto has no BatchUpdateFindings, so the
 * audit trail's UserDefinedFields are put on a finding the way it would leave them (re-imported
 * with the same Id), to show where the report reads "when and by whom".
 */
import { ECRClient, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { BLOCK_STATEMENT_SID } from '@ecr-compliance/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { memoryIo } from '../support/cliIo.js';
import { awsClientConfig, MOTO_ACCOUNT_ID, type MotoServer, startMoto } from '../support/moto.js';
import { everyFinding, pushScannedImage } from '../support/world.js';

const API = 'team-a/api';
const DB = 'team-b/db';
const WEB = 'team-c/web';
const BORROWED = 'team-d/borrowed';
const BREAKGLASS = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/breakglass`;
const BLOCKED_BY = `arn:aws:securityhub:us-east-1:${MOTO_ACCOUNT_ID}:action/custom/ECR1`;
const FOREIGN = {
  Sid: 'AllowCiPush',
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/ci` },
  Action: 'ecr:PutImage',
};

let moto: MotoServer;
let ecr: ECRClient;
let securityHub: SecurityHubClient;
let env: Record<string, string>;

const cli = async (args: string[]) => {
  const { io, stdout, stderr } = memoryIo({ env });
  const code = await run([...args, '--endpoint-url', moto.endpoint, '--region', 'us-east-1'], io);
  return { code, stdout: stdout(), stderr: stderr() };
};

async function expectDone(args: string[]): Promise<void> {
  const { code, stderr } = await cli(args);
  expect(stderr.replace(/^imported .*\n/gm, '')).toBe('');
  expect(code).toBe(0);
}

beforeAll(async () => {
  moto = await startMoto();
  const config = awsClientConfig(moto.endpoint, moto.region);
  ecr = new ECRClient(config);
  securityHub = new SecurityHubClient(config);
  env = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
  process.env.AWS_ACCESS_KEY_ID = 'testing';
  process.env.AWS_SECRET_ACCESS_KEY = 'testing';
  for (const [repository, severity] of [
    [API, 'HIGH'],
    [WEB, 'CRITICAL'],
  ] as const) {
    const digest = await pushScannedImage(ecr, moto.endpoint, moto.region, {
      repository,
      tag: '1.0.0',
      findings: [
        { name: 'CVE-2024-6119', severity, attributes: [{ key: 'package_name', value: 'openssl' }] },
        { name: 'CVE-2024-0001', severity: 'LOW', attributes: [{ key: 'package_name', value: 'zlib' }] },
      ],
    });
    await expectDone(['import', '--repository', repository, '--image-digest', digest]);
  }
  await pushScannedImage(ecr, moto.endpoint, moto.region, { repository: DB, tag: '2.0.0', findings: [] });
  await pushScannedImage(ecr, moto.endpoint, moto.region, {
    repository: BORROWED,
    tag: '1.0.0',
    findings: [],
  });
  await ecr.send(
    new SetRepositoryPolicyCommand({
      repositoryName: WEB,
      policyText: JSON.stringify({ Version: '2012-10-17', Statement: [FOREIGN] }),
    }),
  );
  await ecr.send(
    new SetRepositoryPolicyCommand({
      repositoryName: BORROWED,
      policyText: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ ...FOREIGN, Sid: BLOCK_STATEMENT_SID }],
      }),
    }),
  );
  await expectDone(['block', '--repository', API, '--exempt-principal', BREAKGLASS]);
  await expectDone(['block', '--repository', DB]);
  // What SecurityHubAuditTrail's BatchUpdateFindings leaves on the clicked finding.
  const high = (await everyFinding(securityHub)).find(
    (f) => f.Vulnerabilities?.[0]?.Id === 'CVE-2024-6119' && f.Resources?.[0]?.Id?.includes(`/${API}/`),
  );
  if (!high) throw new Error('the import left no HIGH finding of team-a/api');
  await securityHub.send(
    new BatchImportFindingsCommand({
      Findings: [
        {
          ...high,
          UserDefinedFields: {
            'ecr-compliance/LastAction': 'block',
            'ecr-compliance/LastActionOutcome': 'pulls denied',
            'ecr-compliance/LastActionAt': '2026-12-01T09:30:00.000Z',
            'ecr-compliance/LastActionBy': BLOCKED_BY,
            'ecr-compliance/Repository': `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${API}`,
          },
        },
      ],
    }),
  );
}, 120_000);

afterAll(async () => {
  ecr?.destroy();
  securityHub?.destroy();
  await moto?.stop();
});

describe('ecr-compliance status', () => {
  it('lists the blocked repositories, their exempt principals and the last recorded block, and the conflicting one', async () => {
    const { code, stdout, stderr } = await cli(['status']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^REPOSITORY\s+STATE\s+EXEMPT PRINCIPALS\s+LAST ACTION\s+NOTE$/);
    const cells = lines.slice(1).map((l) => l.split(/\s{2,}/));
    expect(cells).toEqual([
      [API, 'blocked', BREAKGLASS, `blocked 2026-12-01T09:30:00.000Z by ${BLOCKED_BY}`],
      [DB, 'blocked'],
      [
        BORROWED,
        'conflict',
        expect.stringMatching(/^existing repository policy conflicts with this tool's statement/),
      ],
    ]);
    expect(stdout).not.toContain(WEB);
  });

  it('prints the same as JSON', async () => {
    const { code, stdout } = await cli(['status', '--output', 'json']);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.threshold).toBe('HIGH');
    expect(report.repositories).toHaveLength(3);
    expect(report.repositories[0]).toEqual({
      repository: API,
      repositoryArn: `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${API}`,
      state: 'blocked',
      exemptPrincipalArns: [BREAKGLASS],
      lastAction: {
        action: 'block',
        at: '2026-12-01T09:30:00.000Z',
        by: BLOCKED_BY,
        outcome: 'pulls denied',
        findingId: expect.stringMatching(/^ecr-compliance\/ecr-basic\/.*\/vulnerability\/CVE-2024-6119/),
      },
    });
    expect(report.repositories[1]).toEqual({
      repository: DB,
      repositoryArn: `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${DB}`,
      state: 'blocked',
      exemptPrincipalArns: [],
    });
  });

  it('names the findings at or above the threshold that hold a block, as Markdown', async () => {
    const { code, stdout } = await cli(['status', '--repository', API, '--output', 'markdown']);
    expect(code).toBe(0);
    expect(stdout).toContain(
      '| REPOSITORY | STATE | EXEMPT PRINCIPALS | LAST ACTION | NOTE |\n| --- | --- | --- | --- | --- |',
    );
    expect(stdout).toContain('2 active findings at or above HIGH hold the block:');
    const rows = stdout.split('\n').filter((l) => l.startsWith('| HIGH'));
    // Our vulnerability finding and the image finding (rated by its highest vulnerability); not the LOW one.
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.includes('| ecr-compliance | sha256:'))).toBe(true);
    expect(stdout).not.toContain('CVE-2024-0001');
  });

  it('says which findings would hold a block of a repository that is not blocked, and honours --threshold', async () => {
    const high = await cli(['status', '--repository', WEB, '--output', 'json']);
    expect(high.code).toBe(0);
    const report = JSON.parse(high.stdout);
    expect(report).toMatchObject({ repository: WEB, state: 'not blocked', complete: true });
    expect(report.holders.map((h: { severity: string }) => h.severity)).toEqual(['CRITICAL', 'CRITICAL']);
    const table = await cli(['status', '--repository', WEB]);
    expect(table.stdout).toContain('2 active findings at or above HIGH would hold a block:');
    const low = JSON.parse(
      (await cli(['status', '--repository', WEB, '--threshold', 'low', '--output', 'json'])).stdout,
    );
    expect(low.holders).toHaveLength(3);
    const limited = JSON.parse(
      (await cli(['status', '--repository', WEB, '--threshold', 'LOW', '--limit', '1', '--output', 'json']))
        .stdout,
    );
    expect(limited).toMatchObject({ complete: false, holders: [expect.anything()] });
  });

  it('refuses bad options with a usage error, and a missing repository in one line', async () => {
    expect(await cli(['status', '--output', 'xml'])).toMatchObject({
      code: 2,
      stderr: 'ecr-compliance: --output must be one of table, json, markdown, not "xml"\n',
    });
    expect(await cli(['status', '--limit', '0'])).toMatchObject({
      code: 2,
      stderr: 'ecr-compliance: --limit must be a whole number from 1 to 1000, not "0"\n',
    });
    expect((await cli(['status', '--threshold', 'SEVERE'])).stderr).toMatch(
      /^ecr-compliance: --threshold: must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL, got "SEVERE"\n$/,
    );
    const missing = await cli(['status', '--repository', 'team-x/none']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ecr-compliance: repository team-x\/none not found in registry .*\n$/);
  });
});

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AsffFindingSchema, BLOCK_STATEMENT_SID } from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { memoryIo } from '../support/cliIo.js';

const example = (name: string) => fileURLToPath(new URL(`../../../../examples/${name}`, import.meta.url));
const BASIC = example('describe-image-scan-findings.basic.json');
const ENHANCED = example('describe-image-scan-findings.enhanced.json');
const POLICY = example('get-repository-policy.json');

describe('ecr-compliance findings', () => {
  it('maps a realistic basic scan to valid ASFF findings', async () => {
    const { io, stdout, stderr } = memoryIo();
    expect(await run(['findings', '--input', BASIC, '--region', 'eu-west-1'], io)).toBe(0);
    const findings = JSON.parse(stdout());
    expect(findings).toHaveLength(302);
    for (const f of findings) expect(AsffFindingSchema.safeParse(f).success).toBe(true);
    expect(findings[0].Region).toBe('eu-west-1');
    expect(findings[0].AwsAccountId).toBe('111122223333');
    expect(stderr()).toBe('');
  });

  it('reads standard input, takes the region from AWS_REGION and honours --granularity', async () => {
    const { io, stdout } = memoryIo({
      stdin: readFileSync(ENHANCED, 'utf8'),
      env: { AWS_REGION: 'us-east-1' },
    });
    expect(await run(['findings', '--granularity', 'image'], io)).toBe(0);
    const findings = JSON.parse(stdout());
    expect(findings).toHaveLength(1);
    expect(findings[0].GeneratorId).toBe('ecr-compliance/ecr-enhanced/image');
  });

  it.each([
    [['findings', '--input', BASIC], 'no region: pass --region R or set AWS_REGION'],
    [['findings', '--input', BASIC, '--region', 'mars-1'], '--region: not an AWS region: "mars-1"'],
    [
      ['findings', '--input', BASIC, '--region', 'us-east-1', '--granularity', 'all'],
      '--granularity must be one of vulnerability, image, both, not "all"',
    ],
    [
      ['findings', '--region', 'us-east-1'],
      'no scan findings: pass --input FILE or pipe it on standard input',
    ],
    [['findings', '--bogus'], "Unknown option '--bogus'"],
    [['frobnicate'], 'unknown command "frobnicate"; see ecr-compliance --help'],
    [['policy', 'lock'], 'policy needs block or unblock, not "lock"'],
    [
      ['policy', 'unblock', '--exempt-principal', 'arn:aws:iam::111122223333:role/x'],
      '--exempt-principal applies to policy block only',
    ],
  ])('%j is a usage error (exit 2, one line, nothing on stdout)', async (args, message) => {
    const { io, stdout, stderr } = memoryIo();
    expect(await run(args, io)).toBe(2);
    expect(stderr()).toBe(`ecr-compliance: ${message}\n`);
    expect(stdout()).toBe('');
  });

  it.each([
    [
      '{"registryId": "1"}',
      /^ecr-compliance: registryId: expected a 12-digit AWS account id \(in DescribeImageScanFindings response\)\n$/,
    ],
    ['{not json', /^ecr-compliance: standard input is not valid JSON: /],
    [
      JSON.stringify({
        ...JSON.parse(readFileSync(BASIC, 'utf8')),
        imageScanStatus: { status: 'FAILED', description: 'UnsupportedImageError' },
      }),
      /^ecr-compliance: image scan status is FAILED \(UnsupportedImageError\)/,
    ],
    [
      JSON.stringify({
        ...JSON.parse(readFileSync(BASIC, 'utf8')),
        imageScanFindings: {
          imageScanCompletedAt: 1795169762,
          findings: [{ name: 'CVE-1', severity: 'HIGH', attributes: [{ key: 1 }] }],
        },
      }),
      /^ecr-compliance: imageScanFindings\.findings\[0\]\.attributes\[0\]\.key: /,
    ],
  ])('invalid input %# exits 1 with one line naming the problem', async (input, message) => {
    const { io, stdout, stderr } = memoryIo({ stdin: input });
    expect(await run(['findings', '--region', 'us-east-1'], io)).toBe(1);
    expect(stderr()).toMatch(message);
    expect(stderr().trim().split('\n')).toHaveLength(1);
    expect(stdout()).toBe('');
  });

  it('says when the input file cannot be read', async () => {
    const { io, stderr } = memoryIo();
    expect(await run(['findings', '--input', '/nonexistent/scan.json', '--region', 'us-east-1'], io)).toBe(1);
    expect(stderr()).toBe('ecr-compliance: cannot read scan findings file /nonexistent/scan.json: ENOENT\n');
  });
});

describe('ecr-compliance policy', () => {
  it('blocks a policy read from get-repository-policy output, keeping its statements', async () => {
    const { io, stdout } = memoryIo();
    const code = await run(
      [
        'policy',
        'block',
        '--policy',
        POLICY,
        '--exempt-principal',
        'arn:aws:iam::111122223333:role/breakglass',
      ],
      io,
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout());
    expect(result.changed).toBe(true);
    expect(result.policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      'LambdaECRImageRetrievalPolicy',
      'AllowCiPush',
      BLOCK_STATEMENT_SID,
    ]);
    expect(result.policy.Statement[2].Condition).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/breakglass'] },
    });
  });

  it('blocks a repository without a policy and unblocks back to none', async () => {
    const block = memoryIo();
    expect(await run(['policy', 'block'], block.io)).toBe(0);
    const blocked = JSON.parse(block.stdout());
    expect(blocked.policy.Statement).toHaveLength(1);
    const unblock = memoryIo({ stdin: JSON.stringify(blocked.policy) });
    expect(await run(['policy', 'unblock', '--policy', '-'], unblock.io)).toBe(0);
    expect(JSON.parse(unblock.stdout())).toEqual({ changed: true, policy: null });
  });

  it('reports no change when unblocking a repository that is not blocked', async () => {
    const { io, stdout } = memoryIo();
    expect(await run(['policy', 'unblock', '--policy', POLICY], io)).toBe(0);
    expect(JSON.parse(stdout()).changed).toBe(false);
  });

  it('refuses an unreadable policy with exit 1', async () => {
    const { io, stderr, stdout } = memoryIo({ stdin: '{"Version": "2012-10-17"}' });
    expect(await run(['policy', 'block', '--policy', '-'], io)).toBe(1);
    expect(stderr()).toBe(
      'ecr-compliance: existing repository policy is unreadable, refusing to change it: it has no Statement\n',
    );
    expect(stdout()).toBe('');
  });

  it('refuses an exempt principal that is not an IAM ARN with exit 1', async () => {
    const { io, stderr } = memoryIo();
    expect(await run(['policy', 'block', '--exempt-principal', '*'], io)).toBe(1);
    expect(stderr()).toMatch(/^ecr-compliance: exemptPrincipalArns\[0\]: not an IAM principal ARN: "\*"/);
  });

  it.each(['block', 'unblock'])(
    '%s refuses a policy whose statement borrows our Sid with exit 1 and one line',
    async (action) => {
      const perimeter = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: BLOCK_STATEMENT_SID,
            Effect: 'Deny',
            Principal: '*',
            Action: 'ecr:*',
            Condition: { StringNotEquals: { 'aws:PrincipalOrgID': 'o-a1b2c3d4e5' } },
          },
        ],
      });
      const { io, stderr, stdout } = memoryIo({ stdin: perimeter });
      expect(await run(['policy', action, '--policy', '-'], io)).toBe(1);
      expect(stderr()).toMatch(
        /^ecr-compliance: existing repository policy conflicts with this tool's statement, refusing to change it: Statement\[0\] has the Sid EcrComplianceDenyPull but is not this tool's statement \(its Action is "ecr:\*"[^\n]*\n$/,
      );
      expect(stdout()).toBe('');
    },
  );

  it('accepts a wildcard role prefix only with --allow-broad-exemptions', async () => {
    const prefix = ['policy', 'block', '--exempt-principal', 'arn:aws:iam::111122223333:role/breakglass-*'];
    const refused = memoryIo();
    expect(await run(prefix, refused.io)).toBe(1);
    expect(refused.stderr()).toMatch(/has a wildcard.*allowBroadExemptions/);
    const allowed = memoryIo();
    expect(await run([...prefix, '--allow-broad-exemptions'], allowed.io)).toBe(0);
    expect(JSON.parse(allowed.stdout()).policy.Statement[0].Condition).toEqual({
      ArnNotLike: { 'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/breakglass-*'] },
    });
  });

  it("refuses an exempt principal of another partition than --region's or $AWS_REGION's", async () => {
    const china = ['policy', 'block', '--exempt-principal', 'arn:aws-cn:iam::111122223333:role/breakglass'];
    const byOption = memoryIo();
    expect(await run([...china, '--region', 'eu-west-1'], byOption.io)).toBe(1);
    expect(byOption.stderr()).toMatch(/is in the partition aws-cn, but the Region eu-west-1 is in aws/);
    const byEnv = memoryIo({ env: { AWS_REGION: 'us-east-1' } });
    expect(await run(china, byEnv.io)).toBe(1);
    const inChina = memoryIo({ env: { AWS_REGION: 'cn-north-1' } });
    expect(await run(china, inChina.io)).toBe(0);
  });
});

describe('help', () => {
  it.each(['findings', 'policy', 'import', 'block', 'unblock'])(
    'ecr-compliance %s --help prints usage and exits 0',
    async (command) => {
      const { io, stdout } = memoryIo();
      expect(await run([command, '--help'], io)).toBe(0);
      expect(stdout()).toMatch(new RegExp(`^Usage: ecr-compliance ${command}`));
    },
  );

  it('prints the overview with --help, and on standard error with exit 2 without a command', async () => {
    const help = memoryIo();
    expect(await run(['--help'], help.io)).toBe(0);
    expect(help.stdout()).toContain('Usage: ecr-compliance <command>');
    const none = memoryIo();
    expect(await run([], none.io)).toBe(2);
    expect(none.stdout()).toBe('');
    expect(none.stderr()).toContain('Usage: ecr-compliance <command>');
  });
});

describe('the installed program', () => {
  it('runs through a symlinked bin, as npm and pnpm install it', async () => {
    const { execFile } = await import('node:child_process');
    const { mkdtempSync, symlinkSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { promisify } = await import('node:util');
    const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
    const link = join(mkdtempSync(join(tmpdir(), 'ecr-compliance-bin-')), 'ecr-compliance');
    symlinkSync(main, link);
    const { stdout } = await promisify(execFile)(process.execPath, [link, '--version']);
    expect(stdout).toBe('0.1.0\n');
  });

  it('names a missing region as a usage error (exit 2) for commands that call AWS', async () => {
    const { io, stderr } = memoryIo();
    const saved = {
      AWS_REGION: process.env.AWS_REGION,
      AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION,
      AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE,
    };
    delete process.env.AWS_REGION;
    delete process.env.AWS_DEFAULT_REGION;
    process.env.AWS_CONFIG_FILE = '/nonexistent/aws-config';
    try {
      expect(await run(['block', '--repository', 'team-a/api', '--dry-run'], io)).toBe(2);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    expect(stderr()).toBe(
      'ecr-compliance: no region: pass --region R, set AWS_REGION, or configure one in your AWS profile\n',
    );
  });
});

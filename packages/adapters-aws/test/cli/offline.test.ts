import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { AsffFindingSchema, BLOCK_STATEMENT_SID } from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import { oneLine } from '../../src/cli/io.js';
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

describe('command-line contract (issue 11 §3)', () => {
  const main = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
  const manifest = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
  ) as { version: string; bin: Record<string, string> };

  it('builds dist/cli/main.js with its execute bit, so it runs as a program', () => {
    expect(manifest.bin['ecr-compliance']).toBe('./dist/cli/main.js');
    expect(statSync(main).mode & 0o111).toBe(0o111);
    expect(execFileSync(main, ['--version'], { encoding: 'utf8' })).toBe(`${manifest.version}\n`);
  });

  it('prints a JSON parse error whose text holds newlines as one line', async () => {
    const { io, stderr, stdout } = memoryIo({ stdin: '{\n  "Version": "2012-10-17",\n  oops\n}\n' });
    expect(await run(['policy', 'block', '--policy', '-'], io)).toBe(1);
    expect(stderr()).toMatch(/^ecr-compliance: standard input is not valid JSON: [^\n]+\n$/);
    expect(stdout()).toBe('');
  });

  it("prints an emulator's HTML error page as one line without its markup", async () => {
    const page =
      '<!DOCTYPE html>\n<html>\n<head><title>500 Internal Server Error</title></head>\n<body>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error.</p>\n</body>\n</html>\n';
    const server = createServer((_request, response) => {
      response.writeHead(400, { 'content-type': 'text/html' });
      response.end(page);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'testing';
    process.env.AWS_SECRET_ACCESS_KEY = 'testing';
    try {
      const { io, stderr, stdout } = memoryIo();
      const args = ['unblock', '--repository', 'team-a/api', '--region', 'us-east-1'];
      expect(await run([...args, '--endpoint-url', `http://127.0.0.1:${port}`], io)).toBe(1);
      expect(stderr()).toMatch(/^ecr-compliance: [^\n]+ \(HTTP 400\): [^\n]+\n$/);
      expect(stderr()).not.toMatch(/<\/?(html|head|title|body|h1|p)\b/i);
      expect(stdout()).toBe('');
    } finally {
      server.close();
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });

  it('folds any multi-line message, and drops markup only when there is some', () => {
    expect(oneLine('a\n  b\r\n\tc')).toBe('a b c');
    expect(oneLine('<html><body><h1>Bad Gateway</h1>\n</body></html>')).toBe('Bad Gateway');
    expect(oneLine('1 < 2 and 3 > 2')).toBe('1 < 2 and 3 > 2');
    expect(oneLine('x'.repeat(600))).toHaveLength(500);
  });

  it.each([
    [
      ['import', '--repository', 'r', '--image-tag', '1', '--region', 'mars-1'],
      '--region: not an AWS region: "mars-1"',
    ],
    [['block', '--repository', 'r', '--region', 'Europe'], '--region: not an AWS region: "Europe"'],
    [['unblock', '--repository', 'r', '--region', 'us-east'], '--region: not an AWS region: "us-east"'],
    [
      ['import', '--repository', 'r', '--image-digest', 'sha256:abc', '--region', 'us-east-1'],
      '--image-digest: not an image digest (sha256: and 64 hex digits): "sha256:abc"',
    ],
    [
      ['block', '--repository', 'r', '--region', 'us-east-1', '--endpoint-url', 'localhost:5000'],
      '--endpoint-url: needs an http:// or https:// URL, e.g. http://127.0.0.1:5000, not "localhost:5000"',
    ],
    [
      ['import', '--repository', 'r', '--image-tag', '1', '--endpoint-url', '127.0.0.1:5000'],
      '--endpoint-url: needs an http:// or https:// URL, e.g. http://127.0.0.1:5000, not "127.0.0.1:5000"',
    ],
  ])('%j is a usage error before any AWS call', async (args, message) => {
    const { io, stdout, stderr } = memoryIo();
    expect(await run(args, io)).toBe(2);
    expect(stderr()).toBe(`ecr-compliance: ${message}\n`);
    expect(stdout()).toBe('');
  });

  it('takes a region from the environment only when it is one', async () => {
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = 'Frankfurt';
    try {
      const { io, stderr } = memoryIo();
      expect(await run(['block', '--repository', 'r', '--dry-run'], io)).toBe(2);
      expect(stderr()).toBe('ecr-compliance: --region: not an AWS region: "Frankfurt"\n');
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });

  it('composes policy block and policy unblock in a pipe, back to the original policy', async () => {
    const original = JSON.parse(JSON.parse(readFileSync(POLICY, 'utf8')).policyText);
    const block = memoryIo();
    expect(await run(['policy', 'block', '--policy', POLICY], block.io)).toBe(0);
    expect(JSON.parse(block.stdout()).changed).toBe(true);
    const unblock = memoryIo({ stdin: block.stdout() });
    expect(await run(['policy', 'unblock', '--policy', '-'], unblock.io)).toBe(0);
    expect(JSON.parse(unblock.stdout())).toEqual({ changed: true, policy: original });
    // A repository without a policy: block creates one, unblock says to delete it.
    const fresh = memoryIo();
    expect(await run(['policy', 'block'], fresh.io)).toBe(0);
    const back = memoryIo({ stdin: fresh.stdout() });
    expect(await run(['policy', 'unblock', '--policy', '-'], back.io)).toBe(0);
    expect(JSON.parse(back.stdout())).toEqual({ changed: true, policy: null });
    const none = memoryIo({ stdin: back.stdout() });
    expect(await run(['policy', 'unblock', '--policy', '-'], none.io)).toBe(0);
    expect(JSON.parse(none.stdout())).toEqual({ changed: false, policy: null });
  });
});

/** `findings --format trivy|grype`: scanner reports to ASFF offline, and every refusal in one line. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AsffFindingSchema } from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { memoryIo } from '../support/cliIo.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../../core/test/fixtures/${name}`, import.meta.url));
const TRIVY = fixture('trivy/ecr-image.json');
const TRIVY_GOLDEN = fixture('trivy/alpine-310.json.golden');
const GRYPE = fixture('grype/ecr-image.json');
const GRYPE_GOLDEN = fixture('grype/TestJsonImgsPresenter.golden');
const DIGEST = `sha256:${'c3'.repeat(32)}`;

async function cli(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}) {
  const { io, stdout, stderr } = memoryIo(options);
  const code = await run(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

describe('ecr-compliance findings --format trivy|grype', () => {
  it('maps a Trivy report of an ECR image, named as a FILE argument, to valid findings of the trivy scanner', async () => {
    const { code, stdout, stderr } = await cli(['findings', '--format', 'trivy', TRIVY]);
    expect([code, stderr]).toEqual([0, '']);
    const findings = JSON.parse(stdout);
    expect(findings).toHaveLength(5);
    for (const f of findings) expect(AsffFindingSchema.safeParse(f).success).toBe(true);
    expect(findings[0].Id).toMatch(
      /^ecr-compliance\/trivy\/111122223333\/eu-west-1\/team-a\/payments-api\/sha256:9e8e9cd9/,
    );
    expect(findings[0].Region).toBe('eu-west-1');
  });

  it('reads a Grype report from standard input (-) and honours --granularity', async () => {
    const { code, stdout } = await cli(['findings', '--format', 'grype', '--granularity', 'image', '-'], {
      stdin: readFileSync(GRYPE, 'utf8'),
    });
    expect(code).toBe(0);
    const [image] = JSON.parse(stdout);
    expect(image.GeneratorId).toBe('ecr-compliance/grype/image');
    expect(image.ProductFields['ecr-compliance/Count/SUPPRESSED']).toBe('1');
  });

  it('takes what the report lacks from the flags, and the Region from AWS_REGION as the last resort', async () => {
    const { code, stdout, stderr } = await cli(
      ['findings', '--format', 'trivy', '--input', TRIVY_GOLDEN, '--repository', 'team-a/api'].concat([
        '--image-digest',
        DIGEST,
        '--account',
        '444455556666',
      ]),
      { env: { AWS_REGION: 'ap-southeast-2' } },
    );
    expect([code, stderr]).toEqual([0, '']);
    const findings = JSON.parse(stdout);
    expect(findings[0].Resources[0].Id).toBe(
      `arn:aws:ecr:ap-southeast-2:444455556666:repository/team-a/api/${DIGEST}`,
    );
    // The report's own Region wins over AWS_REGION.
    const own = await cli(['findings', '--format', 'trivy', TRIVY], {
      env: { AWS_REGION: 'ap-southeast-2' },
    });
    expect(JSON.parse(own.stdout)[0].Region).toBe('eu-west-1');
  });

  it.each([
    [
      ['findings', '--format', 'trivy', TRIVY_GOLDEN],
      'Metadata.RepoDigests: the report names no ECR image (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO@sha256:...); pass --repository, --image-digest, --account, --region',
    ],
    [
      [
        'findings',
        '--format',
        'grype',
        GRYPE_GOLDEN,
        '--repository',
        'team-a/api',
        '--account',
        '111122223333',
      ],
      'source.target.repoDigests: the report names no ECR image (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO@sha256:...); pass --image-digest, --region',
    ],
    [
      [
        'findings',
        '--format',
        'grype',
        GRYPE_GOLDEN,
        '--repository',
        'team-a/api',
        '--account',
        '111122223333',
      ].concat(['--image-digest', DIGEST, '--region', 'us-east-1']),
      'descriptor.timestamp: the report does not say when it was made, which orders reports; pass --scanned-at',
    ],
    [
      ['findings', '--format', 'trivy', TRIVY, '--repository', 'team-b/web'],
      'Metadata.RepoDigests: the report names no image of repository team-b/web; pass --image-digest, --account, --region',
    ],
    [
      ['findings', '--format', 'trivy', TRIVY, '--image-digest', 'sha256:abc'],
      '--image-digest: expected an image digest like sha256:<64 hex digits>, got "sha256:abc"',
    ],
    [
      ['findings', '--format', 'trivy', TRIVY, '--account', '42'],
      '--account: expected a 12-digit AWS account id, got "42"',
    ],
    [
      ['findings', '--format', 'grype', GRYPE, '--scanned-at', 'yesterday'],
      '--scanned-at: not a valid timestamp: "yesterday"',
    ],
    [['findings', '--format', 'trivy', TRIVY, '--region', 'Europe'], '--region: not an AWS region: "Europe"'],
    [['findings', '--format', 'sarif', TRIVY], '--format must be one of ecr, trivy, grype, not "sarif"'],
    [
      ['findings', '--region', 'us-east-1', '--repository', 'team-a/api', TRIVY],
      '--repository applies to --format trivy and grype only',
    ],
    [
      ['findings', '--format', 'trivy', '--input', TRIVY, TRIVY],
      'give the input once: --input FILE or a FILE argument, not both',
    ],
    [['findings', '--format', 'trivy', TRIVY, GRYPE], `unexpected argument ${JSON.stringify(GRYPE)}`],
    [['findings', '--format', 'trivy'], 'no trivy report: pass --input FILE or pipe it on standard input'],
    [['findings', '--bogus'], "Unknown option '--bogus'"],
  ])('%j is a usage error (exit 2, one line, nothing on stdout)', async (args, message) => {
    const { code, stdout, stderr } = await cli(args);
    expect(stderr).toBe(`ecr-compliance: ${message}\n`);
    expect([code, stdout]).toEqual([2, '']);
  });

  it.each([
    [
      'a Grype report read as Trivy',
      ['--format', 'trivy', GRYPE],
      /^ecr-compliance: SchemaVersion: .* \(in Trivy report\)\n$/,
    ],
    [
      'a Trivy report read as Grype',
      ['--format', 'grype', TRIVY],
      /^ecr-compliance: matches: .* \(in Grype report\)\n$/,
    ],
    [
      'a Trivy report read as ECR',
      ['--region', 'us-east-1', TRIVY],
      /^ecr-compliance: registryId: .*\(in DescribeImageScanFindings response\)\n$/,
    ],
  ])('refuses %s with exit 1 and the field path', async (_, args, message) => {
    const { code, stdout, stderr } = await cli(['findings', ...args]);
    expect(stderr).toMatch(message);
    expect([code, stdout]).toEqual([1, '']);
  });
});

import { fileURLToPath } from 'node:url';
import type { ExceptionCandidate, ExceptionRecord, ExceptionUpdate } from '@ecr-compliance/core';
import { parseTrivyIgnore, readOpenVex } from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import { type ExceptionCommandDeps, exceptionCommand } from '../../src/cli/exceptions.js';
import { run } from '../../src/cli/main.js';
import { memoryIo } from '../support/cliIo.js';

const vex = (name: string) =>
  fileURLToPath(new URL(`../../../core/test/fixtures/vex/${name}`, import.meta.url));
const NOW = '2026-12-02T12:00:00.000Z';
const ACCOUNT = '111122223333';
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** A Trivy finding of the image about `id` in `pkg`, as Security Hub holds it. */
function finding(id: string, pkg = 'openssl', version = '3.1.4-r0'): ExceptionCandidate {
  return {
    Id: `ecr-compliance/trivy/${ACCOUNT}/us-east-1/team-a/api/${DIGEST}/${id}`,
    ProductArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
    RecordState: 'ACTIVE',
    Workflow: { Status: 'NEW' },
    Resources: [{ Id: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-a/api/${DIGEST}` }],
    Vulnerabilities: [{ Id: id, VulnerablePackages: [{ Name: pkg, Version: version }] }],
  };
}

/** In-memory exceptions and findings behind the command. */
function world(findings: ExceptionCandidate[] = [], published?: ExceptionCommandDeps['maxExpiryDays']) {
  const records = new Map<string, ExceptionRecord>();
  const applied: ExceptionUpdate[] = [];
  const make = async (): Promise<ExceptionCommandDeps> => ({
    region: 'us-east-1',
    now: () => NOW,
    ...(published ? { maxExpiryDays: published } : {}),
    deps: {
      exceptions: {
        list: async () => [...records.values()],
        put: async (r) => void records.set(r.id, r),
        remove: async (id) => {
          const r = records.get(id);
          records.delete(id);
          return r;
        },
      },
      findings: {
        coveredBy: async () => findings,
        marked: async () =>
          findings
            .filter((f) => applied.some((u) => u.finding.id === f.Id && u.status === 'SUPPRESSED'))
            .map((f) => ({
              ...f,
              Workflow: { Status: 'SUPPRESSED' },
              UserDefinedFields: {
                'ecr-compliance/ExceptionId': applied.find((u) => u.finding.id === f.Id)?.exceptionId ?? '',
                'ecr-compliance/ExceptionState': 'active',
              },
            })),
      },
      workflow: {
        apply: async (updates) => {
          applied.push(...updates);
          return { failed: [] };
        },
      },
    },
  });
  return { records, applied, make };
}

const ADD = [
  'exception',
  'add',
  '--table',
  'exceptions',
  '--region',
  'us-east-1',
  '--vulnerability',
  'CVE-2026-1000',
  '--account',
  ACCOUNT,
  '--repository',
  'team-a/api',
  '--justification',
  'accepted_risk',
  '--statement',
  'fix scheduled for January',
  '--owner',
  'team-a@example.com',
];

describe('ecr-compliance exception add refuses, in one line, before any AWS call', () => {
  const refusal = async (args: string[]) => {
    const { io, stdout, stderr } = memoryIo();
    const code = await run(args, io);
    expect(stdout()).toBe('');
    expect(stderr().trimEnd().split('\n')).toHaveLength(1);
    return { code, message: stderr().trim() };
  };
  const without = (flag: string) => {
    const i = ADD.indexOf(flag);
    return [...ADD.slice(0, i), ...ADD.slice(i + 2)];
  };

  it('an exception without an expiry', async () => {
    expect(await refusal(ADD)).toEqual({
      code: 1,
      message:
        'ecr-compliance: expiresAt: is required: every exception ends (there is no exception without an end date) (in exception)',
    });
  });

  it('an expiry in the past', async () => {
    expect((await refusal([...ADD, '--expires', '2020-01-01'])).message).toMatch(
      /^ecr-compliance: expiresAt: is not in the future \(2020-01-01T00:00:00.000Z is not after /,
    );
  });

  it('an expiry beyond what any deployment allows, and beyond a --max-expiry-days', async () => {
    expect((await refusal([...ADD, '--expires', '2099-01-01'])).message).toMatch(
      /^ecr-compliance: expiresAt: is more than 366 days away \(2099-01-01T00:00:00.000Z\)/,
    );
    const soon = new Date(Date.now() + 10 * 24 * 3600 * 1000).toISOString();
    expect((await refusal([...ADD, '--expires', soon, '--max-expiry-days', '7'])).message).toMatch(
      /is more than 7 days away/,
    );
  });

  it('an unknown justification', async () => {
    const args = [
      ...without('--justification'),
      '--justification',
      'false_positive',
      '--expires',
      '2026-12-30',
    ];
    expect((await refusal(args)).message).toMatch(
      /^ecr-compliance: justification: must be one of component_not_present,/,
    );
  });

  it('a scope of every repository without --all-repositories', async () => {
    const args = [...without('--repository'), '--expires', new Date(Date.now() + 86400000).toISOString()];
    expect((await refusal(args)).message).toBe(
      'ecr-compliance: scope.repositoryName: name a repository or a repository prefix; an exception for every repository of the account needs allRepositories (--all-repositories) (in exception)',
    );
  });

  it('a wrong --output, and an unknown subcommand, as usage errors', async () => {
    expect(await refusal([...ADD, '--output', 'yaml'])).toEqual({
      code: 2,
      message: 'ecr-compliance: --output must be table or json, got "yaml"',
    });
    expect((await refusal(['exception', 'grant'])).code).toBe(2);
  });
});

describe('ecr-compliance exception add, list and remove', () => {
  const expires = '2026-12-30';
  it('with --dry-run prints the findings that would change and stores nothing', async () => {
    const w = world([finding('CVE-2026-1000'), finding('CVE-2026-2000')]);
    const { io, stdout } = memoryIo();
    await exceptionCommand(io, ['add'], { ...flags(), expires, 'dry-run': true }, w.make);
    expect(stdout()).toContain(
      'would be added: CVE-2026-1000 in 111122223333 team-a/api until 2026-12-30T00:00:00.000Z',
    );
    expect(stdout()).toContain('findings that would change: 1');
    expect(stdout()).toContain(`SUPPRESSED  ${finding('CVE-2026-1000').Id}`);
    expect(w.records.size).toBe(0);
    expect(w.applied).toEqual([]);
  });

  it('adds, lists (table and json) and removes with --output json', async () => {
    const w = world([finding('CVE-2026-1000')]);
    const add = memoryIo();
    await exceptionCommand(add.io, ['add'], { ...flags(), expires, id: 'exc-team-a-1' }, w.make);
    expect(w.applied.map((u) => u.status)).toEqual(['SUPPRESSED']);
    const list = memoryIo();
    await exceptionCommand(list.io, ['list'], {}, w.make);
    expect(list.stdout().split('\n')[0]).toMatch(
      /^ID\s+VULNERABILITY\s+SCOPE\s+JUSTIFICATION\s+OWNER\s+EXPIRES\s+STATE$/,
    );
    expect(list.stdout()).toMatch(
      /exc-team-a-1\s+CVE-2026-1000\s+111122223333 team-a\/api\s+accepted_risk\s+team-a@example.com\s+2026-12-30T00:00:00.000Z\s+active/,
    );
    const json = memoryIo();
    await exceptionCommand(json.io, ['list'], { output: 'json' }, w.make);
    expect(JSON.parse(json.stdout())).toMatchObject([{ id: 'exc-team-a-1', state: 'active' }]);
    const remove = memoryIo();
    await exceptionCommand(remove.io, ['remove', 'exc-team-a-1'], { output: 'json' }, w.make);
    expect(JSON.parse(remove.stdout())).toMatchObject({
      updates: [{ status: 'NEW', exceptionId: 'exc-team-a-1' }],
    });
    expect(w.records.size).toBe(0);
  });

  it('remove --dry-run prints the findings that would go back to NEW and keeps the exception', async () => {
    const w = world([finding('CVE-2026-1000')]);
    await exceptionCommand(memoryIo().io, ['add'], { ...flags(), expires, id: 'exc-1' }, w.make);
    const { io, stdout } = memoryIo();
    await exceptionCommand(io, ['remove', 'exc-1'], { 'dry-run': true }, w.make);
    expect(stdout()).toContain('exception exc-1 would be removed');
    expect(stdout()).toContain(`NEW       ${finding('CVE-2026-1000').Id}`);
    expect(w.records.has('exc-1')).toBe(true);
  });
});

describe("ecr-compliance exception add honours the deployment's longest expiry (the table's tag)", () => {
  const inDays = (days: number) => new Date(Date.parse(NOW) + days * 24 * 3600 * 1000).toISOString();
  const add = async (
    published: ExceptionCommandDeps['maxExpiryDays'],
    expires: string,
    extra: Record<string, string> = {},
    env: Record<string, string> = {},
  ) => {
    const w = world([], published);
    const { io, stderr } = memoryIo({ env });
    const outcome = await exceptionCommand(io, ['add'], { ...flags(), expires, ...extra }, w.make).then(
      () => 'added',
      (error: Error) => `${error.name}: ${error.message}`,
    );
    return { outcome, stderr: stderr(), stored: w.records.size };
  };

  it('refuses an expiry beyond the tag, in one line, and stores nothing', async () => {
    expect(await add(async () => 30, inDays(45))).toEqual({
      outcome: `InvalidInputError: expiresAt: is more than 30 days away (${inDays(45)}); the longest allowed expiry is 30 days (in exception)`,
      stderr: '',
      stored: 0,
    });
    expect((await add(async () => 30, inDays(29))).outcome).toBe('added');
  });

  it('allows what the tag allows beyond the default 90 days, and 90 days without a tag', async () => {
    expect((await add(async () => 180, inDays(120))).outcome).toBe('added');
    expect((await add(async () => undefined, inDays(120))).outcome).toMatch(/is more than 90 days away/);
  });

  it('lets --max-expiry-days or ECR_COMPLIANCE_MAX_EXPIRY_DAYS lower the limit but not raise it', async () => {
    expect((await add(async () => 30, inDays(20), { 'max-expiry-days': '14' })).outcome).toMatch(
      /is more than 14 days away/,
    );
    expect(
      (await add(async () => 30, inDays(20), {}, { ECR_COMPLIANCE_MAX_EXPIRY_DAYS: '14' })).outcome,
    ).toMatch(/is more than 14 days away/);
    expect((await add(async () => 30, inDays(20), { 'max-expiry-days': '60' })).outcome).toBe(
      "UsageError: --max-expiry-days 60 is more than the deployment allows: the table's tag ecr-compliance:max-expiry-days is 30",
    );
    expect(
      (await add(async () => 30, inDays(20), {}, { ECR_COMPLIANCE_MAX_EXPIRY_DAYS: 'ten' })).outcome,
    ).toBe('UsageError: ECR_COMPLIANCE_MAX_EXPIRY_DAYS must be a whole number of days, got "ten"');
  });

  it('says in one line when the tag cannot be read, and applies the default', async () => {
    const denied = async () => {
      throw new Error(
        'cannot read the tag ecr-compliance:max-expiry-days of table exceptions: AccessDeniedException',
      );
    };
    const out = await add(denied, inDays(100));
    expect(out.outcome).toMatch(/is more than 90 days away/);
    expect(out.stderr).toBe(
      'ecr-compliance: warning: cannot read the tag ecr-compliance:max-expiry-days of table exceptions: AccessDeniedException; the longest expiry is 90 days\n',
    );
  });

  it('import refuses the entries beyond the tag, each with its line', async () => {
    const w = world([], async () => 30);
    const { io, stderr } = memoryIo();
    await exceptionCommand(
      io,
      ['import', vex('.trivyignore')],
      {
        account: ACCOUNT,
        repository: 'team-a/api',
        owner: 'team-a@example.com',
        format: 'trivyignore',
        expires: inDays(45),
      },
      w.make,
    );
    expect(w.records.size).toBe(0);
    expect(stderr()).toMatch(/line 2 CVE-2019-0001: expiresAt: is more than 30 days away/);
  });
});

function flags() {
  return {
    vulnerability: 'CVE-2026-1000',
    account: ACCOUNT,
    repository: 'team-a/api',
    justification: 'accepted_risk',
    statement: 'fix scheduled for January',
    owner: 'team-a@example.com',
  };
}

describe('ecr-compliance exception import and export (files from Trivy and Grype)', () => {
  const scope = { account: ACCOUNT, repository: 'team-a/api', owner: 'team-a@example.com' };

  it("imports Trivy's OpenVEX document, needs --expires, and suppresses the Go module it names", async () => {
    const refused = memoryIo();
    expect(
      await run(
        [
          'exception',
          'import',
          '--format',
          'openvex',
          vex('trivy-openvex.json.golden'),
          '--table',
          't',
          '--region',
          'us-east-1',
        ],
        refused.io,
      ),
    ).toBe(2);
    expect(refused.stderr()).toBe(
      'ecr-compliance: --expires is required for openvex: OpenVEX statements have no end date\n',
    );
    const w = world([
      finding('CVE-2022-23628', 'github.com/open-policy-agent/opa', '0.35.0'),
      finding('CVE-2022-23628', 'other'),
    ]);
    const { io, stdout, stderr } = memoryIo();
    await exceptionCommand(
      io,
      ['import', vex('trivy-openvex.json.golden')],
      { ...scope, format: 'openvex', expires: '2026-12-30' },
      w.make,
    );
    const [record] = [...w.records.values()];
    expect(record).toMatchObject({
      vulnerabilityId: 'CVE-2022-23628',
      scope: {
        accountId: ACCOUNT,
        repositoryName: 'team-a/api',
        package: 'pkg:golang/github.com/open-policy-agent/opa@0.35.0',
      },
      justification: 'vulnerable_code_not_in_execute_path',
      statement: "The vulnerable code isn't called",
      expiresAt: '2026-12-30T00:00:00.000Z',
    });
    expect(w.applied).toHaveLength(1);
    expect(stdout()).toContain('1 exception(s) added, 0 skipped');
    expect(stderr()).toBe('');
    // The same file again adds nothing twice.
    const again = memoryIo();
    await exceptionCommand(
      again.io,
      ['import', vex('trivy-openvex.json.golden')],
      { ...scope, format: 'openvex', expires: '2026-12-30' },
      w.make,
    );
    expect(again.stdout()).toContain('0 exception(s) added, 1 skipped');
    expect(again.stderr()).toMatch(/imported already as exc-imp-/);
  });

  it("skips Grype's fixed statement with the reason", async () => {
    const w = world();
    const { io, stderr } = memoryIo();
    await exceptionCommand(
      io,
      ['import', vex('grype-openvex-demo1.json.golden')],
      { ...scope, format: 'openvex', expires: '2026-12-30' },
      w.make,
    );
    expect(stderr()).toBe(
      'ecr-compliance: skipped statements[0]: status fixed: only not_affected statements become exceptions\n',
    );
  });

  it("imports Trivy's .trivyignore.yaml: entries with paths, without an end, or ended are skipped with the reason", async () => {
    const w = world();
    const { io, stdout, stderr } = memoryIo();
    await exceptionCommand(
      io,
      ['import', vex('.trivyignore.yaml')],
      { ...scope, format: 'trivyignore' },
      w.make,
    );
    expect(stdout()).toContain('0 exception(s) added, 6 skipped');
    const lines = stderr().trimEnd().split('\n');
    expect(lines).toEqual([
      "ecr-compliance: skipped line 2 CVE-2019-0001: paths have no equivalent in an exception's scope (give a package name or PURL instead)",
      "ecr-compliance: skipped line 5 CVE-2019-0002: paths have no equivalent in an exception's scope (give a package name or PURL instead)",
      'ecr-compliance: skipped line 8 CVE-2019-0003: no expired_at and no --expires: every exception ends',
      "ecr-compliance: skipped line 9 CVE-2019-0004: paths have no equivalent in an exception's scope (give a package name or PURL instead)",
      expect.stringMatching(
        /^ecr-compliance: skipped line 12 CVE-2019-0005: expiresAt: is not in the future/,
      ),
      expect.stringMatching(
        /^ecr-compliance: skipped line 14 CVE-2019-0006: expiresAt: is not in the future/,
      ),
    ]);
  });

  it("imports Trivy's plain .trivyignore with --expires for lines without exp:, refusing ends beyond the limit", async () => {
    const w = world();
    const { io, stdout, stderr } = memoryIo();
    await exceptionCommand(
      io,
      ['import', vex('.trivyignore')],
      { ...scope, format: 'trivyignore', expires: '2026-12-30' },
      w.make,
    );
    expect([...w.records.values()].map((r) => r.vulnerabilityId).sort()).toEqual([
      'CVE-2019-0001',
      'CVE-2019-0002',
    ]);
    expect(stdout()).toContain('2 exception(s) added');
    expect(stderr()).toMatch(/line 4 CVE-2022-0001: expiresAt: is not in the future/);
    expect(stderr()).toMatch(/line 5 CVE-2022-0002: expiresAt: is more than 90 days away/);
    // Trivy's misconfiguration and secret ids are not advisories of an image.
    expect(stderr()).toContain('skipped line 9 ID100: not a vulnerability advisory id');
    expect(stderr()).toContain('skipped line 12 generic-unwanted-rule: not a vulnerability advisory id');
  });

  it('exports active exceptions as OpenVEX and .trivyignore.yaml that read back', async () => {
    const w = world();
    await exceptionCommand(
      memoryIo().io,
      ['add'],
      {
        ...flags(),
        expires: '2026-12-30',
        package: 'pkg:apk/alpine/openssl@3.1.4-r0',
        justification: 'vulnerable_code_not_present',
        id: 'exc-2',
      },
      w.make,
    );
    const openvex = memoryIo();
    await exceptionCommand(openvex.io, ['export'], { format: 'openvex' }, w.make);
    const doc = JSON.parse(openvex.stdout());
    expect(doc['@context']).toBe('https://openvex.dev/ns/v0.2.0');
    expect(readOpenVex(doc).claims).toMatchObject([
      {
        vulnerabilityId: 'CVE-2026-1000',
        package: 'pkg:apk/alpine/openssl@3.1.4-r0',
        justification: 'vulnerable_code_not_present',
      },
    ]);
    const trivy = memoryIo();
    await exceptionCommand(trivy.io, ['export'], { format: 'trivyignore' }, w.make);
    expect(parseTrivyIgnore(trivy.stdout())).toMatchObject([
      { id: 'CVE-2026-1000', purls: ['pkg:apk/alpine/openssl@3.1.4-r0'], expiredAt: '2026-12-30' },
    ]);
  });
});

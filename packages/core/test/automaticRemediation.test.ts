import {
  type AsffFinding,
  BLOCK_STATEMENT_SID,
  blockPolicy,
  blockRepository,
  type HolderSearch,
  type ImageReference,
  PolicyUnreadableError,
  type RepositoryFindings,
  type RepositoryIdentity,
  type RepositoryImages,
  type RepositoryReference,
  ResourceNotFoundError,
  remediateAutomatically,
  remediateImportedFindings,
  type ScanFindingsSource,
  ScanNotCompleteError,
  type ScannedImage,
  type SeverityLabel,
  type StoredFinding,
  toAsffFindings,
  unblockRepository,
} from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { describe, expect, it } from 'vitest';
import { InMemoryAudit, InMemoryPolicies } from './support/fakes.js';
import { asStoredBySecurityHub, clone, fixture } from './support/fixtures.js';

const account = '111122223333';
const context = { actor: 'ecr-compliance automatic remediation', now: '2026-11-21T08:00:00.000Z' };
const repositoryArn = 'arn:aws:ecr:us-east-1:111122223333:repository/team-a/payments-api';
const scanned = scannedImageFromEcr(fixture('ecr/basic-page.json'), { region: 'us-east-1' });
const findings = toAsffFindings(scanned).map(asStoredBySecurityHub) as Array<
  AsffFinding & Record<string, unknown>
>;
/** The image finding of the example scan: HIGH, active, naming the image and its repository. */
const imageFinding = findings.find((f) => f.GeneratorId.endsWith('/image')) as AsffFinding &
  Record<string, unknown>;
const inspectorFinding = fixture<Record<string, unknown>>('securityhub/inspector-finding.json');
const vulnerability = scanned.vulnerabilities[0] as ScannedImage['vulnerabilities'][number];

const foreign = {
  Sid: 'AllowCiPush',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:role/ci' },
  Action: ['ecr:PutImage'],
};
const foreignPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [foreign] });
const blockedPolicy = () => blockPolicy(foreignPolicy).policyText as string;

/**
 * A repository as automatic remediation sees it: the images ECR lists, ECR's scan of each, and the
 * findings in Security Hub that may hold a block. Every read is counted.
 */
class InMemoryRepository implements RepositoryFindings, RepositoryImages, ScanFindingsSource {
  readonly holderReads: Array<{ source: string; atOrAbove: string; limit: number }> = [];
  readonly scansRead: string[] = [];
  imageLimit: number | undefined;
  constructor(
    readonly state: {
      /** The images there are. */
      readonly digests?: readonly string[];
      /** ECR's scan of each image: the severities of its vulnerabilities, or an error. */
      readonly scans?: Readonly<Record<string, readonly SeverityLabel[] | Error>>;
      /** What the holder reads return, by source. */
      readonly ours?: readonly StoredFinding[];
      readonly inspector?: readonly StoredFinding[];
      /** The repository was deleted. */
      readonly gone?: boolean;
    } = {},
  ) {}
  async digestsOf(repository: RepositoryReference, options: { limit?: number } = {}) {
    this.imageLimit = options.limit;
    if (this.state.gone) {
      throw new ResourceNotFoundError('repository', `repository ${repository.repositoryName} not found`);
    }
    const all = this.state.digests ?? [DIGEST];
    return options.limit === undefined ? all : all.slice(0, options.limit + 1);
  }
  async getScan(image: ImageReference): Promise<ScannedImage> {
    const digest = image.imageDigest ?? '';
    this.scansRead.push(digest);
    const found = this.state.scans?.[digest];
    if (found === undefined) throw new ResourceNotFoundError('scan', `no scan of ${digest}`);
    if (found instanceof Error) throw found;
    return {
      ...scanned,
      imageDigest: digest,
      vulnerabilities: found.map((severity, i) => ({
        ...vulnerability,
        id: `CVE-2026-${1000 + i}`,
        severity,
      })),
    };
  }
  async firstHolder(
    _: RepositoryIdentity,
    options: {
      source: 'ours' | 'inspector';
      atOrAbove: string;
      limit: number;
      holds: (f: StoredFinding) => boolean;
    },
  ): Promise<HolderSearch> {
    this.holderReads.push({ source: options.source, atOrAbove: options.atOrAbove, limit: options.limit });
    const candidates = (options.source === 'ours' ? this.state.ours : this.state.inspector) ?? [];
    for (const [i, f] of candidates.entries()) {
      if (i >= options.limit) return { complete: false };
      if (options.holds(f)) return { holder: f };
    }
    return { complete: true };
  }
}

const DIGEST = scanned.imageDigest;
const OTHER_DIGEST = `sha256:${'b'.repeat(64)}`;
/** The image finding of another image of the same repository, with the given state. */
function otherImageFinding(patch: Record<string, unknown>): StoredFinding {
  return {
    ...JSON.parse(JSON.stringify(imageFinding).replaceAll(DIGEST, OTHER_DIGEST)),
    ...patch,
  } as StoredFinding;
}

/** A finding's severity as a re-scan sets it: the provider's, copied to the top level. */
const rated = (label: string) => ({
  Severity: { Label: label },
  FindingProviderFields: { Severity: { Label: label, Original: label } },
});

const at = (minutes: number) =>
  new Date(Date.parse('2026-11-21T07:00:00.000Z') + minutes * 60_000).toISOString();
const archived = { ...clone(imageFinding), RecordState: 'ARCHIVED', UpdatedAt: at(59) };
const belowThreshold = {
  ...clone(imageFinding),
  UpdatedAt: at(59),
  Severity: { Label: 'LOW', Normalized: 1 },
  FindingProviderFields: { Severity: { Label: 'LOW', Original: 'LOW' } },
};
const config = { accountId: account, region: 'us-east-1', block: true, unblock: true } as const;

describe('blocking from Amazon Inspector findings (enhanced scanning)', () => {
  it("blocks the repository of the image Inspector's finding names, and notes it on that finding", async () => {
    const policies = new InMemoryPolicies(foreignPolicy);
    const audit = new InMemoryAudit();
    const outcome = await blockRepository(
      { policies, audit },
      inspectorFinding,
      { accountId: account },
      context,
    );
    expect(outcome).toMatchObject({
      status: 'blocked',
      findingId: inspectorFinding.Id,
      repository: { accountId: account, region: 'us-east-1', repositoryName: 'team-a/payments-api' },
      repositoryArn,
      changed: true,
    });
    const statements = JSON.parse(policies.text ?? '').Statement;
    expect(statements[0]).toEqual(foreign);
    expect(statements[1].Sid).toBe(BLOCK_STATEMENT_SID);
    expect(audit.entries).toEqual([
      {
        id: inspectorFinding.Id,
        productArn: 'arn:aws:securityhub:us-east-1::product/aws/inspector',
        entry: expect.objectContaining({ action: 'block', outcome: 'pulls denied' }),
      },
    ]);
  });

  it('unblocks from an Inspector finding as well', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const outcome = await unblockRepository({ policies }, inspectorFinding, { accountId: account }, context);
    expect(outcome).toMatchObject({ status: 'unblocked', changed: true });
    expect(JSON.parse(policies.text ?? '').Statement).toEqual([foreign]);
  });

  it.each([
    ['below the threshold', { Severity: { Label: 'MEDIUM', Normalized: 40 } }, /MEDIUM is below/],
    ['of another account', { AwsAccountId: '444455556666' }, /belongs to account 444455556666/],
    [
      'of a product only named like Inspector',
      { ProductArn: 'arn:aws:securityhub:us-east-1:444455556666:product/aws/inspector' },
      /not a finding of ecr-compliance or Amazon Inspector/,
    ],
  ])('refuses an Inspector finding %s', async (_, patch, reason) => {
    const policies = new InMemoryPolicies();
    const outcome = await blockRepository(
      { policies },
      { ...clone(inspectorFinding), ...patch },
      { accountId: account },
      context,
    );
    expect(outcome.status === 'skipped' && outcome.reason).toMatch(reason);
    expect(policies.writes).toEqual([]);
  });
});

const THIRD_DIGEST = `sha256:${'c'.repeat(64)}`;
/** A finding of this tool's Trivy parser about the image (it cannot be checked against ECR). */
const trivyFinding = (patch: Record<string, unknown> = {}) =>
  ({
    ...clone(imageFinding),
    Id: imageFinding.Id.replace('ecr-compliance/ecr-basic/', 'ecr-compliance/trivy/'),
    GeneratorId: 'ecr-compliance/trivy/image',
    ...patch,
  }) as StoredFinding;

describe("remediateAutomatically: blocking rests on ECR's own scan", () => {
  it("blocks when ECR's scan of the image confirms a vulnerability at or above the threshold", async () => {
    const policies = new InMemoryPolicies();
    const audit = new InMemoryAudit();
    const repository = new InMemoryRepository({ scans: { [DIGEST]: ['HIGH', 'LOW'] } });
    const outcome = await remediateAutomatically(
      { policies, audit, scans: repository },
      imageFinding,
      config,
      context,
    );
    expect(outcome).toMatchObject({ status: 'blocked', changed: true, audit: { recorded: true } });
    expect(repository.scansRead).toEqual([DIGEST]);
    expect(audit.entries[0]?.entry.outcome).toBe(`pulls denied: ECR's scan of ${DIGEST} confirms HIGH`);
  });

  it('refuses a forged CRITICAL finding for an image ECR never scanned, and writes nothing', async () => {
    const policies = new InMemoryPolicies();
    const forged = { ...clone(imageFinding), ...rated('CRITICAL') };
    const outcome = await remediateAutomatically(
      { policies, scans: new InMemoryRepository() },
      forged,
      config,
      context,
    );
    expect(outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(/^ECR's scan of sha256:\w+ does not confirm the finding: no scan/),
    });
    expect(policies.reads).toBe(0);
    expect(policies.writes).toEqual([]);
  });

  it('refuses a finding whose image ECR rates below the threshold', async () => {
    const policies = new InMemoryPolicies();
    const outcome = await remediateAutomatically(
      { policies, scans: new InMemoryRepository({ scans: { [DIGEST]: ['MEDIUM'] } }) },
      imageFinding,
      config,
      context,
    );
    expect(outcome).toMatchObject({
      status: 'skipped',
      reason: `ECR's scan of ${DIGEST} shows nothing at or above HIGH (highest: MEDIUM), so the finding is not confirmed`,
    });
    expect(policies.writes).toEqual([]);
  });

  it('never blocks automatically from a Trivy finding, and reads no scan for it', async () => {
    const repository = new InMemoryRepository({ scans: { [DIGEST]: ['CRITICAL'] } });
    const policies = new InMemoryPolicies();
    const outcome = await remediateAutomatically(
      { policies, scans: repository },
      trivyFinding(),
      config,
      context,
    );
    expect(outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('findings of trivy cannot be checked against ECR'),
    });
    expect(repository.scansRead).toEqual([]);
    expect(policies.writes).toEqual([]);
  });

  it("blocks from an Amazon Inspector finding that ECR's scan confirms", async () => {
    const policies = new InMemoryPolicies(foreignPolicy);
    const outcome = await remediateAutomatically(
      { policies, scans: new InMemoryRepository({ scans: { [DIGEST]: ['HIGH'] } }) },
      inspectorFinding,
      config,
      context,
    );
    expect(outcome).toMatchObject({ status: 'blocked', changed: true });
    expect(JSON.parse(policies.text ?? '').Statement[0]).toEqual(foreign);
  });

  it('leaves such a finding alone when automatic blocking is off, reading nothing', async () => {
    const policies = new InMemoryPolicies();
    const repository = new InMemoryRepository({ scans: { [DIGEST]: ['HIGH'] } });
    const outcome = await remediateAutomatically(
      { policies, scans: repository },
      imageFinding,
      { ...config, block: false },
      context,
    );
    expect(outcome).toEqual({
      status: 'skipped',
      findingId: imageFinding.Id,
      reason: 'automatic blocking is off',
    });
    expect([policies.reads, repository.scansRead.length]).toEqual([0, 0]);
  });

  it('does not unblock while automatic unblock is off (the default of the construct)', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const outcome = await remediateAutomatically(
      { policies, scans: new InMemoryRepository() },
      archived,
      { ...config, unblock: false },
      context,
    );
    expect(outcome.status === 'skipped' && outcome.reason).toMatch(/automatic unblock is off/);
    expect(policies.reads).toBe(0);
  });

  it('refuses a finding it cannot check, before reading anything', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const outcome = await remediateAutomatically(
      { policies, scans: new InMemoryRepository() },
      { Id: 'x' },
      config,
      context,
    );
    expect(outcome.status === 'skipped' && outcome.reason).toMatch(/^invalid finding/);
    expect(policies.reads).toBe(0);
  });

  it('does not guess for a finding without any severity', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const { Severity: _, FindingProviderFields: __, ...noSeverity } = clone(imageFinding);
    const outcome = await remediateAutomatically(
      { policies, scans: new InMemoryRepository() },
      noSeverity,
      config,
      context,
    );
    expect(outcome).toMatchObject({ status: 'skipped', reason: 'the finding has no severity' });
    expect(policies.writes).toEqual([]);
  });
});

describe("automatic release rests on ECR's scans, the image list and Inspector", () => {
  const release = (
    repository: InMemoryRepository,
    finding: unknown = archived,
    options: { policies?: InMemoryPolicies; audit?: InMemoryAudit; threshold?: 'MEDIUM' | 'HIGH' } = {},
  ) => {
    const policies = options.policies ?? new InMemoryPolicies(blockedPolicy());
    return {
      policies,
      outcome: remediateAutomatically(
        {
          policies,
          scans: repository,
          findings: repository,
          images: repository,
          ...(options.audit ? { audit: options.audit } : {}),
        },
        finding,
        { ...config, ...(options.threshold ? { severityThreshold: options.threshold } : {}) },
        context,
      ),
    };
  };
  const clean = (digests: readonly string[]) =>
    Object.fromEntries(digests.map((d) => [d, ['MEDIUM', 'LOW'] as SeverityLabel[]]));

  it.each([
    ['archived (image deleted)', archived],
    ['below the threshold after a re-scan', belowThreshold],
  ])(
    "releases for a finding %s when every image's scan is below the threshold, and says why",
    async (_, trigger) => {
      const audit = new InMemoryAudit();
      const repository = new InMemoryRepository({
        digests: [DIGEST, OTHER_DIGEST],
        scans: clean([DIGEST, OTHER_DIGEST]),
      });
      const { outcome, policies } = release(repository, trigger, { audit });
      expect(await outcome).toEqual({
        status: 'unblocked',
        findingId: imageFinding.Id,
        repository: { accountId: account, region: 'us-east-1', repositoryName: 'team-a/payments-api' },
        repositoryArn,
        changed: true,
        policyDeleted: false,
        audit: { recorded: true },
      });
      expect(JSON.parse(policies.text ?? '').Statement).toEqual([foreign]);
      expect(audit.entries[0]?.entry.outcome).toBe(
        "pulls allowed: ECR's scans of the repository's 2 image(s) and Amazon Inspector show nothing at or above HIGH",
      );
      expect(repository.imageLimit).toBe(1000);
      expect(repository.holderReads).toEqual([
        { source: 'ours', atOrAbove: 'HIGH', limit: 1000 },
        { source: 'inspector', atOrAbove: 'HIGH', limit: 1000 },
      ]);
      expect(repository.scansRead).toEqual([DIGEST, OTHER_DIGEST]);
      // Once to decide whether to look at all, once by the write itself.
      expect(policies.reads).toBe(2);
    },
  );

  it("does not release on our own Ids re-imported LOW while ECR's scan still shows HIGH (a forged release)", async () => {
    const forgedLow = { ...clone(imageFinding), UpdatedAt: at(120), ...rated('LOW') };
    const { outcome, policies } = release(
      new InMemoryRepository({ digests: [DIGEST], scans: { [DIGEST]: ['HIGH'] } }),
      forgedLow,
    );
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: `ECR's scan of image ${DIGEST} shows CVE-2026-1000 at HIGH, at or above HIGH; the block stays`,
    });
    expect(policies.writes).toEqual([]);
  });

  it("no longer releases for a finding a person suppressed while ECR's scan shows HIGH", async () => {
    const { outcome, policies } = release(
      new InMemoryRepository({ digests: [DIGEST], scans: { [DIGEST]: ['HIGH'] } }),
      { ...clone(imageFinding), Workflow: { Status: 'SUPPRESSED' } },
    );
    expect((await outcome).status).toBe('skipped');
    expect(policies.writes).toEqual([]);
  });

  it('stops reading scans at the first image that holds the block', async () => {
    const repository = new InMemoryRepository({
      digests: [DIGEST, OTHER_DIGEST, THIRD_DIGEST],
      scans: { ...clean([DIGEST, THIRD_DIGEST]), [OTHER_DIGEST]: ['CRITICAL'] },
    });
    const { outcome } = release(repository);
    expect((await outcome).status).toBe('skipped');
    expect(repository.scansRead).toEqual([DIGEST, OTHER_DIGEST]);
  });

  it.each([
    ['never scanned', undefined, /has no usable ECR scan \(no scan: no scan of/],
    [
      'whose scan is not complete',
      new ScanNotCompleteError('IN_PROGRESS'),
      /image scan status is IN_PROGRESS/,
    ],
  ])('keeps the block while an image is %s', async (_, scan, reason) => {
    const { outcome, policies } = release(
      new InMemoryRepository({
        digests: [DIGEST, OTHER_DIGEST],
        scans: { ...clean([DIGEST]), ...(scan ? { [OTHER_DIGEST]: scan } : {}) },
      }),
    );
    expect(await outcome).toMatchObject({ status: 'skipped', reason: expect.stringMatching(reason) });
    expect(policies.writes).toEqual([]);
  });

  it('lets an active Trivy finding at or above the threshold hold the block, before reading any scan', async () => {
    const repository = new InMemoryRepository({ scans: clean([DIGEST]), ours: [trivyFinding()] });
    const { outcome, policies } = release(repository);
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: `an active finding of this tool at or above HIGH still holds the block: ${trivyFinding().Id}`,
    });
    expect(repository.scansRead).toEqual([]);
    expect(repository.holderReads.map((r) => r.source)).toEqual(['ours']);
    expect(policies.writes).toEqual([]);
  });

  it("lets one of Amazon Inspector's active findings at or above the threshold hold the block", async () => {
    const { outcome, policies } = release(
      new InMemoryRepository({ scans: clean([DIGEST]), inspector: [inspectorFinding as StoredFinding] }),
    );
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining(
        `an active finding of Amazon Inspector at or above HIGH still holds the block: ${inspectorFinding.Id}`,
      ),
    });
    expect(policies.writes).toEqual([]);
  });

  it.each([
    ['suppressed', trivyFinding({ Workflow: { Status: 'SUPPRESSED' } })],
    ['archived', trivyFinding({ RecordState: 'ARCHIVED' })],
    ['about an image the repository no longer holds', otherImageFinding({})],
    ['below the threshold by every field', trivyFinding(rated('MEDIUM'))],
  ])('does not let a finding %s hold the block', async (_, finding) => {
    const { outcome } = release(new InMemoryRepository({ scans: clean([DIGEST]), ours: [finding] }));
    expect((await outcome).status).toBe('unblocked');
  });

  it.each([
    ['an unreadable finding', { Id: 'ecr-compliance/x', GeneratorId: 'ecr-compliance/ecr-basic/image' }],
    [
      "a person's triage down that a later scan rates CRITICAL",
      trivyFinding({
        Severity: { Label: 'LOW', Original: 'CRITICAL' },
        FindingProviderFields: { Severity: { Label: 'CRITICAL', Original: 'CRITICAL' } },
      }),
    ],
  ])('lets %s hold the block (nothing is assumed fixed)', async (_, finding) => {
    const { outcome, policies } = release(
      new InMemoryRepository({ scans: clean([DIGEST]), ours: [finding as StoredFinding] }),
    );
    expect((await outcome).status).toBe('skipped');
    expect(policies.writes).toEqual([]);
  });

  it('keeps the block when a holder read stops at its limit', async () => {
    const many = Array.from({ length: 1001 }, () => otherImageFinding({}));
    const { outcome } = release(new InMemoryRepository({ scans: clean([DIGEST]), ours: many }));
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: 'more than 1000 findings of this tool to check; the block stays',
    });
  });

  it('refuses to verify a repository of more than 1,000 images, reading no finding and no scan', async () => {
    const digests = Array.from({ length: 1500 }, (_, i) => `sha256:${i.toString(16).padStart(64, '0')}`);
    const repository = new InMemoryRepository({ digests, scans: clean(digests) });
    const { outcome, policies } = release(repository);
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason:
        'the repository holds more than 1000 images, more than automatic unblock verifies; the block stays (a person may unblock)',
    });
    expect([repository.holderReads.length, repository.scansRead.length]).toEqual([0, 0]);
    expect(policies.writes).toEqual([]);
  });

  it('follows the threshold: a MEDIUM vulnerability holds a block at MEDIUM', async () => {
    const repository = new InMemoryRepository({ scans: clean([DIGEST]) });
    const { outcome } = release(repository, archived, { threshold: 'MEDIUM' });
    expect((await outcome).status).toBe('skipped');
    expect(repository.holderReads[0]?.atOrAbove).toBe('MEDIUM');
  });

  it('deletes the policy when our statement was all of it, and says so', async () => {
    const audit = new InMemoryAudit();
    const policies = new InMemoryPolicies(blockPolicy(null).policyText as string);
    const { outcome } = release(new InMemoryRepository({ digests: [] }), archived, { policies, audit });
    expect(await outcome).toMatchObject({ status: 'unblocked', policyDeleted: true });
    expect(policies.writes).toEqual(['delete']);
    expect(audit.entries[0]?.entry.outcome).toMatch(/, policy deleted$/);
  });

  it('reads no images, findings or scans for a repository it has not blocked', async () => {
    const repository = new InMemoryRepository({ scans: clean([DIGEST]) });
    const { outcome, policies } = release(repository, archived, {
      policies: new InMemoryPolicies(foreignPolicy),
    });
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: 'the repository is not blocked by this tool',
    });
    expect([repository.imageLimit, repository.holderReads.length, repository.scansRead.length]).toEqual([
      undefined,
      0,
      0,
    ]);
    expect(policies.writes).toEqual([]);
  });

  it('leaves an unreadable policy untouched', async () => {
    const policies = new InMemoryPolicies('{"Statement": ');
    await expect(release(new InMemoryRepository(), archived, { policies }).outcome).rejects.toBeInstanceOf(
      PolicyUnreadableError,
    );
    expect(policies.writes).toEqual([]);
  });

  it('skips, not fails, for a repository deleted since the finding was imported', async () => {
    const { outcome } = release(new InMemoryRepository({ gone: true }));
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: 'the repository no longer exists (repository team-a/payments-api not found)',
    });
  });
});

describe('remediateImportedFindings: the bounds of one event', () => {
  const deps = (repository: InMemoryRepository, policies = new InMemoryPolicies()) => ({
    policies,
    scans: repository,
    findings: repository,
    images: repository,
  });

  it('handles the first 10 findings of an event and skips the rest with a reason', async () => {
    const repository = new InMemoryRepository({ scans: { [DIGEST]: ['HIGH'] } });
    const many = Array.from({ length: 12 }, (_, i) => ({
      ...clone(imageFinding),
      Id: `${imageFinding.Id}-${i}`,
    }));
    const outcomes = await remediateImportedFindings(deps(repository), many, config, context);
    expect(outcomes).toHaveLength(12);
    expect(outcomes.slice(10)).toEqual([
      expect.objectContaining({
        status: 'skipped',
        reason: 'the event carries 12 findings; automatic remediation handles the first 10 of an event',
      }),
      expect.objectContaining({ status: 'skipped' }),
    ]);
  });

  it('handles each repository once per event', async () => {
    const repository = new InMemoryRepository({ scans: { [DIGEST]: ['HIGH'] } });
    const twice = [
      imageFinding,
      {
        ...clone(imageFinding),
        Id: imageFinding.Id.replace('/ecr-basic/', '/ecr-enhanced/'),
        GeneratorId: 'ecr-compliance/ecr-enhanced/image',
      },
    ];
    const outcomes = await remediateImportedFindings(deps(repository), twice, config, context);
    expect(outcomes.map((o) => o.status)).toEqual(['blocked', 'skipped']);
    expect(outcomes[1]).toMatchObject({ reason: expect.stringContaining('is handled once per event') });
    expect(repository.scansRead).toEqual([DIGEST]);
  });

  it('reports a finding whose handling broke as failed, and still handles the others', async () => {
    const repository = new InMemoryRepository({
      scans: { [DIGEST]: new Error('ECR is down'), [OTHER_DIGEST]: ['HIGH'] },
    });
    const other = JSON.parse(
      JSON.stringify(imageFinding)
        .replaceAll('team-a/payments-api', 'team-b/web')
        .replaceAll(DIGEST, OTHER_DIGEST),
    );
    const outcomes = await remediateImportedFindings(
      deps(repository),
      [imageFinding, other],
      config,
      context,
    );
    expect(outcomes[0]).toEqual({
      status: 'failed',
      findingId: imageFinding.Id,
      error: 'Error: ECR is down',
    });
    expect(outcomes[1]).toMatchObject({ status: 'blocked', findingId: other.Id });
  });
});

describe('the severity a block reads', () => {
  it.each([
    [
      'a label that is no ASFF label falls back to the provider label',
      { Severity: { Label: 'UNTRIAGED' }, FindingProviderFields: { Severity: { Label: 'CRITICAL' } } },
      'blocked',
    ],
    [
      'a top-level label wins over the provider label (a person raised it)',
      { Severity: { Label: 'HIGH' }, FindingProviderFields: { Severity: { Label: 'LOW' } } },
      'blocked',
    ],
    [
      'a person lowering it is followed for a block',
      { Severity: { Label: 'LOW' }, FindingProviderFields: { Severity: { Label: 'CRITICAL' } } },
      'skipped',
    ],
    [
      'Normalized alone is read',
      { Severity: { Normalized: 95 }, FindingProviderFields: undefined },
      'blocked',
    ],
    [
      'lower-case labels are read',
      { Severity: { Label: 'critical' }, FindingProviderFields: undefined },
      'blocked',
    ],
    [
      'nothing readable is unknown, and unknown does not block',
      { Severity: { Label: 'UNTRIAGED' }, FindingProviderFields: undefined },
      'skipped',
    ],
  ])('%s', async (_, patch, status) => {
    const policies = new InMemoryPolicies();
    const outcome = await blockRepository(
      { policies },
      { ...clone(imageFinding), ...patch },
      { accountId: account },
      context,
    );
    expect(outcome.status).toBe(status);
  });
});

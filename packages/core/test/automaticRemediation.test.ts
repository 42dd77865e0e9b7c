import {
  type AsffFinding,
  BLOCK_STATEMENT_SID,
  blockPolicy,
  blockRepository,
  PolicyUnreadableError,
  type RepositoryFindings,
  type RepositoryIdentity,
  type RepositoryImages,
  type RepositoryReference,
  ResourceNotFoundError,
  releaseRepository,
  remediateAutomatically,
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

const foreign = {
  Sid: 'AllowCiPush',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::111122223333:role/ci' },
  Action: ['ecr:PutImage'],
};
const foreignPolicy = JSON.stringify({ Version: '2012-10-17', Statement: [foreign] });
const blockedPolicy = () => blockPolicy(foreignPolicy).policyText as string;

/** A repository as automatic unblock sees it: the images it holds, and the findings about them. */
class InMemoryRepository implements RepositoryFindings, RepositoryImages {
  readonly asked: Array<{ repository: RepositoryIdentity; atOrAbove: string }> = [];
  readonly digests: string[];
  constructor(
    readonly state: {
      /** Active image findings of this tool, one per image unless said otherwise. */
      readonly imageFindings: readonly StoredFinding[];
      /** What the holders' read returns (this tool's and Inspector's findings at or above the threshold). */
      readonly holders?: readonly StoredFinding[];
      /** The images there are; default: those of the image findings. */
      readonly digests?: readonly string[];
      /** Stored copies in any state, found by Id before the lists above. */
      readonly stored?: readonly StoredFinding[];
      /** The repository was deleted. */
      readonly gone?: boolean;
    },
  ) {
    this.digests = [...(state.digests ?? state.imageFindings.map(digestOf))];
  }
  async activeFindingsOfRepository(repository: RepositoryIdentity, options: { atOrAbove: string }) {
    this.asked.push({ repository, atOrAbove: options.atOrAbove });
    return this.state.holders ?? [];
  }
  async activeImageFindingsOfRepository(_: RepositoryIdentity) {
    return this.state.imageFindings;
  }
  async digestsOf(repository: RepositoryReference) {
    if (this.state.gone) {
      throw new ResourceNotFoundError('repository', `repository ${repository.repositoryName} not found`);
    }
    return this.digests;
  }
  async findingById(finding: { id: string }) {
    return [...(this.state.stored ?? []), ...this.state.imageFindings, ...(this.state.holders ?? [])].find(
      (f) => f.Id === finding.id,
    );
  }
}

const DIGEST = scanned.imageDigest;
const OTHER_DIGEST = `sha256:${'b'.repeat(64)}`;
const digestOf = (finding: StoredFinding) =>
  /sha256:[a-f0-9]{64}/.exec(JSON.stringify((finding as { Resources?: unknown }).Resources))?.[0] ?? '';

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
      repository: { registryId: account, region: 'us-east-1', repositoryName: 'team-a/payments-api' },
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

describe('remediateAutomatically', () => {
  it('blocks for an active image finding at or above the threshold when automatic blocking is on', async () => {
    const policies = new InMemoryPolicies();
    const outcome = await remediateAutomatically({ policies }, imageFinding, config, context);
    expect(outcome).toMatchObject({ status: 'blocked', changed: true });
  });

  it('leaves such a finding alone when automatic blocking is off', async () => {
    const policies = new InMemoryPolicies();
    const outcome = await remediateAutomatically(
      { policies },
      imageFinding,
      { ...config, block: false },
      context,
    );
    expect(outcome).toEqual({
      status: 'skipped',
      findingId: imageFinding.Id,
      reason: 'automatic blocking is off',
    });
    expect(policies.reads).toBe(0);
  });

  it('does not unblock while automatic unblock is off (the default of the construct)', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const outcome = await remediateAutomatically(
      { policies },
      archived,
      { ...config, unblock: false },
      context,
    );
    expect(outcome.status === 'skipped' && outcome.reason).toMatch(/automatic unblock is off/);
    expect(policies.reads).toBe(0);
  });

  it('refuses a finding it cannot check, before reading anything', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const outcome = await remediateAutomatically({ policies }, { Id: 'x' }, config, context);
    expect(outcome.status === 'skipped' && outcome.reason).toMatch(/^invalid finding/);
    expect(policies.reads).toBe(0);
  });

  it('does not guess for a finding without any severity', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const { Severity: _, FindingProviderFields: __, ...noSeverity } = clone(imageFinding);
    const outcome = await remediateAutomatically({ policies }, noSeverity, config, context);
    expect(outcome).toMatchObject({ status: 'skipped', reason: 'the finding has no severity' });
    expect(policies.writes).toEqual([]);
  });

  it.each([
    ['archived (image deleted)', archived, []],
    ['below the threshold after a re-scan', belowThreshold, [DIGEST]],
    ['suppressed by a person', { ...clone(imageFinding), Workflow: { Status: 'SUPPRESSED' } }, [DIGEST]],
  ])('releases the repository for a finding %s when nothing else holds it', async (_, finding, digests) => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const audit = new InMemoryAudit();
    const repository = new InMemoryRepository({ imageFindings: [], digests });
    const outcome = await remediateAutomatically(
      { policies, audit, findings: repository, images: repository },
      finding,
      config,
      context,
    );
    expect(outcome).toMatchObject({ status: 'unblocked', changed: true, policyDeleted: false });
    expect(JSON.parse(policies.text ?? '').Statement).toEqual([foreign]);
    expect(repository.asked).toEqual([
      {
        repository: { accountId: account, region: 'us-east-1', repositoryName: 'team-a/payments-api' },
        atOrAbove: 'HIGH',
      },
    ]);
  });
});

describe('releaseRepository (automatic unblock)', () => {
  const release = (
    repository: InMemoryRepository,
    finding: unknown = archived,
    options: { policies?: InMemoryPolicies; audit?: InMemoryAudit; threshold?: 'MEDIUM' | 'HIGH' } = {},
  ) => {
    const policies = options.policies ?? new InMemoryPolicies(blockedPolicy());
    return {
      policies,
      outcome: releaseRepository(
        {
          policies,
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

  it('removes only our statement when every image left is below the threshold, and says why', async () => {
    const audit = new InMemoryAudit();
    const repository = new InMemoryRepository({
      imageFindings: [otherImageFinding(rated('MEDIUM'))],
      holders: [
        otherImageFinding({ RecordState: 'ARCHIVED' }),
        otherImageFinding({ Workflow: { Status: 'SUPPRESSED' } }),
      ],
    });
    const { outcome, policies } = release(repository, archived, { audit });
    expect(await outcome).toEqual({
      status: 'unblocked',
      findingId: imageFinding.Id,
      repository: { registryId: account, region: 'us-east-1', repositoryName: 'team-a/payments-api' },
      repositoryArn,
      changed: true,
      policyDeleted: false,
      audit: { recorded: true },
    });
    expect(JSON.parse(policies.text ?? '').Statement).toEqual([foreign]);
    expect(audit.entries).toEqual([
      {
        id: imageFinding.Id,
        productArn: imageFinding.ProductArn,
        entry: {
          action: 'unblock',
          outcome: 'pulls allowed: every image of the repository is below HIGH',
          repositoryArn,
          at: context.now,
          by: context.actor,
        },
      },
    ]);
  });

  it('deletes the policy when our statement was all of it, and says so', async () => {
    const audit = new InMemoryAudit();
    const policies = new InMemoryPolicies(blockPolicy(null).policyText as string);
    const { outcome } = release(new InMemoryRepository({ imageFindings: [] }), archived, { policies, audit });
    expect(await outcome).toMatchObject({ status: 'unblocked', policyDeleted: true });
    expect(policies.writes).toEqual(['delete']);
    expect(audit.entries[0]?.entry.outcome).toBe(
      'pulls allowed: every image of the repository is below HIGH, policy deleted',
    );
  });

  it('keeps the block while another image finding asks for it', async () => {
    const holder = otherImageFinding({});
    const { outcome, policies } = release(new InMemoryRepository({ imageFindings: [holder] }));
    expect(await outcome).toEqual({
      status: 'skipped',
      findingId: imageFinding.Id,
      reason: `1 active finding(s) at or above HIGH still hold the block, e.g. ${holder.Id}`,
    });
    expect(policies.writes).toEqual([]);
  });

  it('keeps the block while an image of the repository has no active image finding (never scanned, or expired)', async () => {
    const { outcome, policies } = release(
      new InMemoryRepository({ imageFindings: [], digests: [OTHER_DIGEST] }),
    );
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringMatching(
        /^1 image\(s\) of the repository have no active image finding of this tool .* e\.g\. sha256:b{64}; the block stays$/,
      ),
    });
    expect(policies.writes).toEqual([]);
  });

  it("keeps the block while one of Amazon Inspector's own findings is at or above the threshold", async () => {
    const inspectorHolder = {
      ...clone(inspectorFinding),
      Severity: { Label: 'CRITICAL' },
    } as unknown as StoredFinding;
    const { outcome, policies } = release(
      new InMemoryRepository({ imageFindings: [], holders: [inspectorHolder] }),
    );
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining(String(inspectorFinding.Id)),
    });
    expect(policies.writes).toEqual([]);
  });

  it("counts vulnerability findings too: a person's HIGH triage of one keeps the block", async () => {
    const vulnerability = findings.find((f) => !f.GeneratorId.endsWith('/image')) as StoredFinding;
    const { outcome, policies } = release(
      new InMemoryRepository({
        imageFindings: [],
        holders: [{ ...vulnerability, Severity: { Label: 'HIGH' } }],
      }),
    );
    expect((await outcome).status === 'skipped' && ((await outcome) as { reason: string }).reason).toContain(
      vulnerability.Id,
    );
    expect(policies.writes).toEqual([]);
  });

  it('follows the threshold: a MEDIUM image finding holds a block at MEDIUM', async () => {
    const repository = new InMemoryRepository({
      imageFindings: [otherImageFinding({ Severity: { Label: 'MEDIUM' } })],
    });
    const { outcome, policies } = release(repository, archived, { threshold: 'MEDIUM' });
    expect((await outcome).status).toBe('skipped');
    expect(repository.asked[0]?.atOrAbove).toBe('MEDIUM');
    expect(policies.writes).toEqual([]);
  });

  it('counts the triggering finding as the event has it when the stored copy is older', async () => {
    const staleSelf = { ...clone(imageFinding), UpdatedAt: at(0) } as StoredFinding;
    const { outcome } = release(
      new InMemoryRepository({ imageFindings: [staleSelf], holders: [staleSelf] }),
      belowThreshold,
    );
    expect((await outcome).status).toBe('unblocked');
  });

  it('never releases on a stale event: a newer stored copy of the same finding that asks for the block wins', async () => {
    // The finding went LOW (event delayed), then HIGH; the LOW event arrives last.
    const newerSelf = { ...clone(imageFinding), UpdatedAt: at(90) } as StoredFinding;
    const { outcome, policies } = release(
      new InMemoryRepository({ imageFindings: [newerSelf], holders: [newerSelf] }),
      belowThreshold,
    );
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('a newer state of the finding'),
    });
    expect(policies.writes).toEqual([]);
  });

  it('breaks a tie of UpdatedAt on ProcessedAt (a person un-suppressed the finding after the event)', async () => {
    const suppressedEvent = {
      ...clone(imageFinding),
      Workflow: { Status: 'SUPPRESSED' },
      ProcessedAt: at(10),
    };
    const stored = {
      ...clone(imageFinding),
      Workflow: { Status: 'NEW' },
      ProcessedAt: at(20),
    } as StoredFinding;
    const { outcome, policies } = release(
      new InMemoryRepository({ imageFindings: [stored], holders: [stored] }),
      suppressedEvent,
    );
    expect((await outcome).status).toBe('skipped');
    expect(policies.writes).toEqual([]);
  });

  it('keeps the block when a stored finding cannot be read (nothing is assumed fixed)', async () => {
    const unreadable = {
      Id: 'ecr-compliance/x',
      GeneratorId: 'ecr-compliance/ecr-basic/image',
    } as StoredFinding;
    const { outcome, policies } = release(
      new InMemoryRepository({ imageFindings: [], holders: [unreadable] }),
    );
    expect((await outcome).status).toBe('skipped');
    expect(policies.writes).toEqual([]);
  });

  it('reads no findings and no images for a repository it has not blocked', async () => {
    const repository = new InMemoryRepository({ imageFindings: [] });
    const { outcome, policies } = release(repository, archived, {
      policies: new InMemoryPolicies(foreignPolicy),
    });
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: 'the repository is not blocked by this tool',
    });
    expect(repository.asked).toEqual([]);
    expect(policies.writes).toEqual([]);
  });

  it('never releases for a finding that itself still asks for the block', async () => {
    const { outcome, policies } = release(new InMemoryRepository({ imageFindings: [] }), imageFinding);
    expect((await outcome).status === 'skipped' && ((await outcome) as { reason: string }).reason).toMatch(
      /itself is active at or above HIGH/,
    );
    expect(policies.reads).toBe(0);
  });

  it('leaves an unreadable policy untouched', async () => {
    const policies = new InMemoryPolicies('{"Statement": ');
    await expect(
      release(new InMemoryRepository({ imageFindings: [] }), archived, { policies }).outcome,
    ).rejects.toBeInstanceOf(PolicyUnreadableError);
    expect(policies.writes).toEqual([]);
  });

  it('keeps the block when the stored copy is newer and ARCHIVED while its image stays (a tag deleted)', async () => {
    const lowEvent = { ...belowThreshold, UpdatedAt: at(10) };
    const archivedLater = {
      ...clone(imageFinding),
      RecordState: 'ARCHIVED',
      UpdatedAt: at(30),
    } as StoredFinding;
    const { outcome, policies } = release(
      new InMemoryRepository({ imageFindings: [], digests: [DIGEST], stored: [archivedLater] }),
      lowEvent,
    );
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('have no active image finding of this tool'),
    });
    expect(policies.writes).toEqual([]);
  });

  it('keeps the block when only the holders read has a newer copy of the finding that asks for it', async () => {
    const critical = {
      ...clone(imageFinding),
      UpdatedAt: at(90),
      Severity: { Label: 'CRITICAL' },
    } as StoredFinding;
    const { outcome, policies } = release(
      new InMemoryRepository({ imageFindings: [], digests: [DIGEST], holders: [critical] }),
      belowThreshold,
    );
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('a newer state of the finding'),
    });
    expect(policies.writes).toEqual([]);
  });

  it('fails closed on an event whose times cannot be read: the stored copy decides', async () => {
    const { UpdatedAt: _u, ProcessedAt: _p, ...timeless } = clone(belowThreshold) as Record<string, unknown>;
    const storedHigh = clone(imageFinding) as StoredFinding;
    const { outcome, policies } = release(
      new InMemoryRepository({ imageFindings: [storedHigh], digests: [DIGEST] }),
      { ...timeless, UpdatedAt: 'yesterday' },
    );
    expect((await outcome).status).toBe('skipped');
    expect(policies.writes).toEqual([]);
  });

  it.each([
    ['an Inspector finding', () => ({ ...clone(inspectorFinding), ...rated('LOW') })],
    [
      'a vulnerability finding of this tool',
      () => ({
        ...(findings.find((f) => !f.GeneratorId.endsWith('/image')) as object),
        ...rated('LOW'),
      }),
    ],
  ])('does not take %s as proof that its image is clean', async (_, trigger) => {
    const { outcome, policies } = release(
      new InMemoryRepository({ imageFindings: [], digests: [DIGEST] }),
      trigger(),
    );
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('have no active image finding of this tool'),
    });
    expect(policies.writes).toEqual([]);
  });

  it('keeps the block for a label that is no ASFF label when the provider says CRITICAL', async () => {
    const odd = otherImageFinding({
      Severity: { Label: 'UNTRIAGED' },
      FindingProviderFields: { Severity: { Label: 'CRITICAL' } },
    });
    const { outcome, policies } = release(new InMemoryRepository({ imageFindings: [odd] }));
    expect((await outcome).status).toBe('skipped');
    expect(policies.writes).toEqual([]);
  });

  it("does not let a person's triage down outlive a later scan the provider rates CRITICAL", async () => {
    const triaged = otherImageFinding({
      Severity: { Label: 'LOW', Original: 'CRITICAL' },
      FindingProviderFields: { Severity: { Label: 'CRITICAL', Original: 'CRITICAL' } },
    });
    const { outcome, policies } = release(new InMemoryRepository({ imageFindings: [triaged] }));
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining(String(triaged.Id)),
    });
    expect(policies.writes).toEqual([]);
  });

  it('skips, not fails, for a repository deleted since the finding was imported', async () => {
    const policies = new InMemoryPolicies(blockedPolicy());
    const repository = new InMemoryRepository({ imageFindings: [], gone: true });
    const outcome = await remediateAutomatically(
      { policies, findings: repository, images: repository },
      archived,
      config,
      context,
    );
    expect(outcome).toMatchObject({
      status: 'skipped',
      reason: 'the repository no longer exists (repository team-a/payments-api not found)',
    });
  });

  it('lets a newer copy that a later read returns hold the block, even after the Id read agreed with the event', async () => {
    const sameAsEvent = { ...belowThreshold } as StoredFinding;
    const criticalLater = {
      ...clone(imageFinding),
      UpdatedAt: at(90),
      ...rated('CRITICAL'),
    } as StoredFinding;
    const { outcome, policies } = release(
      new InMemoryRepository({ imageFindings: [criticalLater], stored: [sameAsEvent], digests: [DIGEST] }),
      belowThreshold,
    );
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason: expect.stringContaining('still hold the block'),
    });
    expect(policies.writes).toEqual([]);
  });

  it('does not trust an event without a readable UpdatedAt that Security Hub cannot confirm', async () => {
    const { outcome, policies } = release(new InMemoryRepository({ imageFindings: [], digests: [] }), {
      ...archived,
      UpdatedAt: 'yesterday',
    });
    expect(await outcome).toMatchObject({
      status: 'skipped',
      reason:
        'the event has no readable UpdatedAt and Security Hub holds no copy of the finding to confirm it',
    });
    expect(policies.writes).toEqual([]);
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

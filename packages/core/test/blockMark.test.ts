import {
  type AsffFinding,
  AsffFindingSchema,
  BLOCK_MARK_FIELD,
  blockMarkingPublisher,
  blockPolicy,
  blockRepository,
  blockStateForScan,
  type FindingsPublisher,
  marksToWrite,
  type RepositoryIdentity,
  type StoredFinding,
  toAsffFindings,
  unblockRepository,
  withBlockMark,
} from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { describe, expect, it } from 'vitest';
import { InMemoryAudit, InMemoryBlockMarks, InMemoryPolicies } from './support/fakes.js';
import { asStoredBySecurityHub, fixture } from './support/fixtures.js';

const account = '111122223333';
const repository: RepositoryIdentity = {
  accountId: account,
  region: 'us-east-1',
  repositoryName: 'team-a/payments-api',
};
const person = {
  actor: 'arn:aws:securityhub:us-east-1:111122223333:action/custom/ECR1',
  now: '2026-11-20T11:02:41.000Z',
};
const page = fixture<Record<string, unknown>>('ecr/basic-page.json');
const scanOf = (digest: string, repositoryName = repository.repositoryName) =>
  toAsffFindings(
    scannedImageFromEcr({ ...page, repositoryName, imageId: { imageDigest: digest } } as never, {
      region: 'us-east-1',
    }),
  ).map(asStoredBySecurityHub) as Array<AsffFinding & StoredFinding>;
const digest = (c: string) => `sha256:${c.repeat(64)}`;
const [high, , imageA] = scanOf(digest('a')) as [
  AsffFinding & StoredFinding,
  unknown,
  AsffFinding & StoredFinding,
];
const imageB = scanOf(digest('b')).find((f) => f.GeneratorId.endsWith('/image')) as AsffFinding &
  StoredFinding;
const otherRepository = scanOf(digest('c'), 'team-b/web').find((f) =>
  f.GeneratorId.endsWith('/image'),
) as StoredFinding;
const marked = (f: StoredFinding, value: string): StoredFinding => ({
  ...f,
  UserDefinedFields: { 'ecr-compliance/LastAction': 'block', [BLOCK_MARK_FIELD]: value },
});

describe('marksToWrite', () => {
  it("selects this tool's active image findings of the repository whose mark differs, and counts the others marked already", () => {
    const archived = { ...imageB, Id: `${imageB.Id}-old`, RecordState: 'ARCHIVED' };
    const foreign = {
      ...imageB,
      Id: `${imageB.Id}-x`,
      ProductArn: 'arn:aws:securityhub:us-east-1:444455556666:product/444455556666/default',
    };
    const stored = [high, imageA, marked(imageB, 'true'), archived, foreign, otherRepository, imageA];
    expect(marksToWrite(stored, repository, true)).toEqual({
      write: [{ id: imageA.Id, productArn: imageA.ProductArn }],
      unchanged: 1,
    });
    expect(marksToWrite(stored, repository, false)).toEqual({
      write: [
        { id: imageA.Id, productArn: imageA.ProductArn },
        { id: imageB.Id, productArn: imageB.ProductArn },
      ],
      unchanged: 0,
    });
  });
});

describe('the mark of a block', () => {
  it("marks every image finding of the repository on a person's block and clears it on the unblock", async () => {
    const policies = new InMemoryPolicies();
    const marks = new InMemoryBlockMarks([imageA, imageB, otherRepository]);
    const blocked = await blockRepository({ policies, marks }, high, { accountId: account }, person);
    expect(blocked).toMatchObject({
      status: 'blocked',
      changed: true,
      mark: { value: 'true', written: 2, unchanged: 0, failed: [] },
    });
    expect(marks.reads).toEqual([repository]);
    expect(marks.marks()).toEqual({
      [imageA.Id]: 'true',
      [imageB.Id]: 'true',
      [otherRepository.Id]: undefined,
    });

    const unblocked = await unblockRepository({ policies, marks }, high, { accountId: account }, person);
    expect(unblocked).toMatchObject({
      status: 'unblocked',
      changed: true,
      mark: { value: 'false', written: 2 },
    });
    expect(marks.marks()).toEqual({
      [imageA.Id]: 'false',
      [imageB.Id]: 'false',
      [otherRepository.Id]: undefined,
    });
  });

  it('writes only what is missing when a person blocks a blocked repository again, and nothing when all are marked', async () => {
    const policies = new InMemoryPolicies(blockPolicy(null).policyText);
    const marks = new InMemoryBlockMarks([marked(imageA, 'true'), imageB]);
    const again = await blockRepository({ policies, marks }, high, { accountId: account }, person);
    expect(again).toMatchObject({ changed: false, mark: { written: 1, unchanged: 1 } });
    expect(marks.writes).toEqual([{ ids: [imageB.Id], value: 'true' }]);
    await blockRepository({ policies, marks }, high, { accountId: account }, person);
    expect(marks.writes).toHaveLength(1);
  });

  it('leaves the mark alone when a rule finds the repository blocked already, and writes it when the rule blocks', async () => {
    const automatic = { ...person, automatic: true };
    const marks = new InMemoryBlockMarks([imageA]);
    const unchanged = await blockRepository(
      { policies: new InMemoryPolicies(blockPolicy(null).policyText), marks },
      high,
      { accountId: account },
      automatic,
    );
    expect(unchanged).toMatchObject({ status: 'blocked', changed: false });
    expect(unchanged).not.toHaveProperty('mark');
    expect(marks.reads).toEqual([]);
    const changed = await blockRepository(
      { policies: new InMemoryPolicies(), marks },
      high,
      { accountId: account },
      automatic,
    );
    expect(changed).toMatchObject({ changed: true, mark: { value: 'true', written: 1 } });
  });

  it('reports a mark that could not be read or written, and blocks all the same', async () => {
    const down = await blockRepository(
      {
        policies: new InMemoryPolicies(),
        audit: new InMemoryAudit(),
        marks: new InMemoryBlockMarks([imageA], { failReads: true }),
      },
      high,
      { accountId: account },
      person,
    );
    expect(down).toMatchObject({
      status: 'blocked',
      changed: true,
      audit: { recorded: true },
      mark: { value: 'true', error: 'GetFindings is down' },
    });
    const partly = await blockRepository(
      {
        policies: new InMemoryPolicies(),
        marks: new InMemoryBlockMarks([imageA, imageB], { failIds: [imageB.Id] }),
      },
      high,
      { accountId: account },
      person,
    );
    expect(partly).toMatchObject({
      mark: { written: 1, failed: [{ id: imageB.Id, error: 'FindingNotFound: Finding Not Found' }] },
    });
  });

  it('has no mark without the port, nor for a refused finding', async () => {
    const policies = new InMemoryPolicies();
    expect(await blockRepository({ policies }, high, { accountId: account }, person)).not.toHaveProperty(
      'mark',
    );
    const marks = new InMemoryBlockMarks([imageA]);
    const refused = await blockRepository({ policies, marks }, high, { accountId: '444455556666' }, person);
    expect(refused.status).toBe('skipped');
    expect(marks.reads).toEqual([]);
  });
});

describe('the mark on what a scan imports', () => {
  const scan = scanOf(digest('d')).map(({ WorkflowState, Workflow, ProcessedAt, ...f }) => ({
    ...f,
    ProductFields: Object.fromEntries(Object.entries(f.ProductFields).filter(([k]) => !k.startsWith('aws/'))),
  })) as AsffFinding[];

  it('marks the active image finding of a blocked repository, within the ASFF limits, and nothing else', () => {
    const out = withBlockMark(scan, true);
    const image = out.find((f) => f.GeneratorId.endsWith('/image'));
    expect(image?.UserDefinedFields).toEqual({ [BLOCK_MARK_FIELD]: 'true' });
    expect(out.filter((f) => f.UserDefinedFields !== undefined)).toHaveLength(1);
    for (const f of out) expect(AsffFindingSchema.safeParse(f).success).toBe(true);
    const archivedImage = {
      ...(scan.find((f) => f.GeneratorId.endsWith('/image')) as AsffFinding),
      RecordState: 'ARCHIVED' as const,
    };
    expect(withBlockMark([archivedImage], true)[0]?.UserDefinedFields).toBeUndefined();
  });

  it('changes nothing when the repository is not blocked', () => {
    expect(withBlockMark(scan, false)).toBe(scan);
  });

  it('sends the marked findings through the publisher', async () => {
    const sent: AsffFinding[] = [];
    const publisher: FindingsPublisher = {
      publish: async (findings) => {
        sent.push(...findings);
        return { sent: findings.length, succeeded: findings.length, failed: [], requests: 1 };
      },
    };
    await blockMarkingPublisher(publisher, true).publish(scan);
    expect(sent.filter((f) => f.UserDefinedFields?.[BLOCK_MARK_FIELD] === 'true')).toHaveLength(1);
  });

  it('reads the block state from the policy, and says why when it cannot', async () => {
    expect(await blockStateForScan(new InMemoryPolicies(blockPolicy(null).policyText), repository)).toEqual({
      blocked: true,
    });
    expect(await blockStateForScan(new InMemoryPolicies(), repository)).toEqual({ blocked: false });
    expect(await blockStateForScan(new InMemoryPolicies('{not json'), repository)).toMatchObject({
      unknown: expect.any(String),
    });
    const broken = { get: async () => Promise.reject(new Error('AccessDenied: ecr:GetRepositoryPolicy')) };
    expect(await blockStateForScan(broken, repository)).toEqual({
      unknown: 'AccessDenied: ecr:GetRepositoryPolicy',
    });
  });
});

import '../support/mockMatchers.js';
import {
  AwsSecurityFindingFilters$,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  InternalException,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SecurityHubBlockMarks } from '../../src/securityhub/SecurityHubBlockMarks.js';
import { ACCOUNT, DIGEST, REPOSITORY, sdkError } from './helpers.js';

const securityHub = mockClient(SecurityHubClient);
const marks = new SecurityHubBlockMarks({ client: new SecurityHubClient({ region: 'us-east-1' }) });
const repository = { accountId: ACCOUNT, region: 'us-east-1', repositoryName: REPOSITORY };
const product = `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`;
const imageFinding = (n: number) => ({
  Id: `ecr-compliance/ecr-basic/${ACCOUNT}/us-east-1/${REPOSITORY}/${DIGEST}/image/${n}`,
  ProductArn: product,
});

beforeEach(() => {
  securityHub.reset();
});

afterAll(() => {
  securityHub.restore();
});

describe('SecurityHubBlockMarks', () => {
  it("reads the repository's active image findings of this tool, page by page, with filters the API model knows", async () => {
    securityHub
      .on(GetFindingsCommand)
      .resolvesOnce({ Findings: [imageFinding(1) as never], NextToken: 'page-2' })
      .resolvesOnce({ Findings: [imageFinding(2) as never] });
    const found = await marks.imageFindingsOf(repository);
    expect(found.map((f) => f.Id)).toEqual([imageFinding(1).Id, imageFinding(2).Id]);
    const calls = securityHub.commandCalls(GetFindingsCommand).map((c) => c.args[0].input);
    expect(calls[0]).toEqual({
      Filters: {
        ProductArn: [{ Value: product, Comparison: 'EQUALS' }],
        GeneratorId: [{ Value: 'ecr-compliance/', Comparison: 'PREFIX' }],
        ProductFields: [{ Key: 'ecr-compliance/FindingType', Value: 'image', Comparison: 'EQUALS' }],
        ResourceId: [
          { Value: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${REPOSITORY}/`, Comparison: 'PREFIX' },
        ],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
      },
      MaxResults: 100,
    });
    expect(calls[1]).toMatchObject({ NextToken: 'page-2' });
    // Every filter field is a member of AwsSecurityFindingFilters in the SDK's schema.
    const members = (
      AwsSecurityFindingFilters$ as unknown as [unknown, unknown, unknown, unknown, string[]]
    )[4];
    for (const field of Object.keys(calls[0]?.Filters ?? {})) expect(members).toContain(field);
  });

  it('names the repository when the read fails', async () => {
    securityHub.on(GetFindingsCommand).rejects(sdkError(InternalException, 'InternalException', 500));
    await expect(marks.imageFindingsOf(repository)).rejects.toThrow(
      `could not read the image findings of arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${REPOSITORY}`,
    );
  });

  it('stops after 100 pages instead of reading without end', async () => {
    securityHub.on(GetFindingsCommand).resolves({ Findings: [], NextToken: 'more' });
    await expect(marks.imageFindingsOf(repository)).rejects.toThrow('more than 10000 active image findings');
    expect(securityHub.commandCalls(GetFindingsCommand)).toHaveLength(100);
  });

  it('writes only the mark, 100 findings a request, and reports what Security Hub did not update', async () => {
    const findings = Array.from({ length: 150 }, (_, n) => ({ id: imageFinding(n).Id, productArn: product }));
    securityHub
      .on(BatchUpdateFindingsCommand)
      .resolvesOnce({
        ProcessedFindings: [],
        UnprocessedFindings: [
          {
            FindingIdentifier: { Id: imageFinding(7).Id, ProductArn: product },
            ErrorCode: 'FindingNotFound',
            ErrorMessage: 'Finding Not Found',
          },
        ],
      })
      .rejectsOnce(sdkError(InternalException, 'InternalException', 500));
    const { failed } = await marks.write(findings, 'true');
    const calls = securityHub.commandCalls(BatchUpdateFindingsCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.FindingIdentifiers?.length)).toEqual([100, 50]);
    expect(calls[0]).toEqual({
      FindingIdentifiers: findings.slice(0, 100).map((f) => ({ Id: f.id, ProductArn: f.productArn })),
      UserDefinedFields: { 'ecr-compliance/RepositoryBlocked': 'true' },
    });
    expect(failed[0]).toEqual({ id: imageFinding(7).Id, error: 'FindingNotFound: Finding Not Found' });
    expect(failed.slice(1).map((f) => f.id)).toEqual(findings.slice(100).map((f) => f.id));
    expect(failed[1]?.error).toContain('InternalException');
  });
});

import {
  type AwsSecurityFindingFilters,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  type GetFindingsCommandOutput,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import {
  BLOCK_MARK_FIELD,
  type BlockMarks,
  EcrComplianceError,
  FINDING_TYPE_FIELD,
  type FindingIdentifier,
  PRODUCT_PREFIX,
  productArn,
  type RepositoryIdentity,
  repositoryArn,
  type StoredFinding,
} from '@ecr-compliance/core';
import { describeError } from '../awsErrors.js';

/** GetFindings' largest page, and the most pages one read follows (10,000 image findings). */
const PAGE_SIZE = 100;
const MAX_PAGES = 100;
/** BatchUpdateFindings takes up to 100 findings per request. */
const BATCH = 100;

/**
 * The block mark in Security Hub: GetFindings reads this tool's ACTIVE image findings of a
 * repository (its account's default product, GeneratorId under `ecr-compliance/`, ProductFields
 * `ecr-compliance/FindingType` = `image`, a resource under the repository's ARN), and
 * BatchUpdateFindings sets UserDefinedFields {@link BLOCK_MARK_FIELD} on them, 100 a request,
 * sending only that key (Security Hub merges it into the finding's fields, as the audit note's).
 * Give it the client the audit trail uses: in an organization, the administrator's, which may
 * read and update member findings. The core checks again what comes back (moto ignores filters).
 */
export class SecurityHubBlockMarks implements BlockMarks {
  readonly #client: SecurityHubClient;

  constructor(options: { readonly client: SecurityHubClient }) {
    this.#client = options.client;
  }

  async imageFindingsOf(repository: RepositoryIdentity): Promise<readonly StoredFinding[]> {
    const arn = repositoryArn(repository.region, repository.accountId, repository.repositoryName);
    const filters: AwsSecurityFindingFilters = {
      ProductArn: [{ Value: productArn(repository.region, repository.accountId), Comparison: 'EQUALS' }],
      GeneratorId: [{ Value: `${PRODUCT_PREFIX}/`, Comparison: 'PREFIX' }],
      ProductFields: [{ Key: FINDING_TYPE_FIELD, Value: 'image', Comparison: 'EQUALS' }],
      ResourceId: [{ Value: `${arn}/`, Comparison: 'PREFIX' }],
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
    };
    const out: StoredFinding[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      let response: Partial<GetFindingsCommandOutput>;
      try {
        response =
          (await this.#client.send(
            new GetFindingsCommand({
              Filters: filters,
              MaxResults: PAGE_SIZE,
              ...(token ? { NextToken: token } : {}),
            }),
          )) ?? {};
      } catch (error) {
        throw new EcrComplianceError(`could not read the image findings of ${arn}: ${describeError(error)}`, {
          cause: error,
        });
      }
      out.push(...((response.Findings ?? []) as unknown as StoredFinding[]));
      token = response.NextToken || undefined;
      if (!token) return out;
    }
    throw new EcrComplianceError(`${arn} has more than ${MAX_PAGES * PAGE_SIZE} active image findings`);
  }

  async write(findings: readonly FindingIdentifier[], value: string) {
    const failed: Array<{ id: string; error: string }> = [];
    for (let i = 0; i < findings.length; i += BATCH) {
      const batch = findings.slice(i, i + BATCH);
      try {
        const out = await this.#client.send(
          new BatchUpdateFindingsCommand({
            FindingIdentifiers: batch.map((f) => ({ Id: f.id, ProductArn: f.productArn })),
            UserDefinedFields: { [BLOCK_MARK_FIELD]: value },
          }),
        );
        for (const u of out?.UnprocessedFindings ?? [])
          failed.push({
            id: u.FindingIdentifier?.Id ?? '',
            error: `${u.ErrorCode ?? 'unknown'}: ${u.ErrorMessage ?? ''}`.trim(),
          });
      } catch (error) {
        for (const f of batch) failed.push({ id: f.id, error: describeError(error) });
      }
    }
    return { failed };
  }
}

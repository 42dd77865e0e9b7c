import {
  type AwsSecurityFindingFilters,
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import {
  EcrComplianceError,
  EXCEPTION_ID_FIELD,
  EXCEPTION_STATE_FIELD,
  type ExceptionCandidate,
  type ExceptionFindings,
  type ExceptionScope,
  type ExceptionUpdate,
  type FindingsWorkflow,
  inspectorProductArn,
  markedException,
  productArn,
  truncate,
} from '@ecr-compliance/core';
import { describeError } from '../awsErrors.js';

/** Who Security Hub shows as the author of the note. */
const UPDATED_BY = 'ecr-compliance exceptions';
/** GetFindings' largest page, and the most pages one read follows (10,000 findings). */
const PAGE_SIZE = 100;
const MAX_PAGES = 100;
/** BatchUpdateFindings takes up to 100 findings per request. */
const BATCH = 100;

/**
 * The findings exceptions read and write in Security Hub: ACTIVE findings of this tool and of
 * Amazon Inspector about a scope's images (GetFindings), and their workflow, note and
 * UserDefinedFields (BatchUpdateFindings, the only fields the construct's grant allows). What
 * GetFindings returns is checked again, because moto ignores the filters.
 */
export class SecurityHubExceptionFindings implements ExceptionFindings, FindingsWorkflow {
  readonly #client: SecurityHubClient;
  readonly #region: string;

  constructor(options: { readonly client: SecurityHubClient; readonly region: string }) {
    this.#client = options.client;
    this.#region = options.region;
  }

  #products(accountId: string): string[] {
    return [productArn(this.#region, accountId), inspectorProductArn(this.#region)];
  }

  async #read(filters: AwsSecurityFindingFilters, keep: (f: ExceptionCandidate) => boolean) {
    const out: ExceptionCandidate[] = [];
    let token: string | undefined;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const response = await this.#client.send(
        new GetFindingsCommand({
          Filters: filters,
          MaxResults: PAGE_SIZE,
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const f of (response.Findings ?? []) as unknown as ExceptionCandidate[]) if (keep(f)) out.push(f);
      token = response.NextToken;
      if (!token) return out;
    }
    throw new EcrComplianceError(
      `more than ${MAX_PAGES * PAGE_SIZE} findings to read; narrow the exception's scope`,
    );
  }

  async coveredBy(scope: ExceptionScope, _vulnerabilityId: string): Promise<readonly ExceptionCandidate[]> {
    const products = this.#products(scope.accountId);
    const base = `arn:aws:ecr:${this.#region}:${scope.accountId}:repository/`;
    const prefix =
      scope.repositoryName !== undefined
        ? `${base}${scope.repositoryName}/`
        : `${base}${scope.repositoryPrefix ?? ''}`;
    return this.#read(
      {
        ProductArn: products.map((Value) => ({ Value, Comparison: 'EQUALS' })),
        AwsAccountId: [{ Value: scope.accountId, Comparison: 'EQUALS' }],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
        ResourceId: [{ Value: prefix, Comparison: 'PREFIX' }],
      },
      (f) =>
        products.includes(f.ProductArn) &&
        f.RecordState !== 'ARCHIVED' &&
        (f.Resources ?? []).some((r) => r.Id.startsWith(prefix)),
    );
  }

  async marked(accountId: string): Promise<readonly ExceptionCandidate[]> {
    const products = this.#products(accountId);
    return this.#read(
      {
        ProductArn: products.map((Value) => ({ Value, Comparison: 'EQUALS' })),
        AwsAccountId: [{ Value: accountId, Comparison: 'EQUALS' }],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
        UserDefinedFields: [{ Key: EXCEPTION_STATE_FIELD, Value: 'active', Comparison: 'EQUALS' }],
      },
      (f) =>
        products.includes(f.ProductArn) &&
        f.RecordState !== 'ARCHIVED' &&
        markedException(f)?.active === true,
    );
  }

  async apply(updates: readonly ExceptionUpdate[]) {
    // One request carries one note, status and fields for all its findings: group the same ones.
    const groups = new Map<string, ExceptionUpdate[]>();
    for (const u of updates) {
      const key = `${u.status}\u0000${u.exceptionId}\u0000${u.note}`;
      groups.set(key, [...(groups.get(key) ?? []), u]);
    }
    const failed: Array<{ id: string; error: string }> = [];
    for (const group of groups.values()) {
      const first = group[0] as ExceptionUpdate;
      for (let i = 0; i < group.length; i += BATCH) {
        const batch = group.slice(i, i + BATCH);
        try {
          const out = await this.#client.send(
            new BatchUpdateFindingsCommand({
              FindingIdentifiers: batch.map((u) => ({ Id: u.finding.id, ProductArn: u.finding.productArn })),
              Workflow: { Status: first.status },
              Note: { Text: truncate(first.note, 512), UpdatedBy: UPDATED_BY },
              UserDefinedFields: {
                [EXCEPTION_ID_FIELD]: first.exceptionId,
                [EXCEPTION_STATE_FIELD]: first.status === 'SUPPRESSED' ? 'active' : 'ended',
              },
            }),
          );
          for (const u of out.UnprocessedFindings ?? [])
            failed.push({
              id: u.FindingIdentifier?.Id ?? '',
              error: `${u.ErrorCode ?? 'unknown'}: ${u.ErrorMessage ?? ''}`.trim(),
            });
        } catch (error) {
          for (const u of batch) failed.push({ id: u.finding.id, error: describeError(error) });
        }
      }
    }
    return { failed };
  }
}

import {
  type AwsSecurityFindingFilters,
  GetFindingsCommand,
  type GetFindingsCommandInput,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import {
  EcrComplianceError,
  type FindingsStore,
  type ImageIdentity,
  imageArn,
  isAtOrAbove,
  PRODUCT_PREFIX,
  parseEcrArn,
  productArn,
  type RepositoryFindings,
  type RepositoryIdentity,
  repositoryArn,
  SEVERITY_LABELS,
  type SeverityLabel,
  type StoredFinding,
} from '@ecr-compliance/core';
import { describeError, isRetriable } from '../awsErrors.js';
import { systemTimer, type Timer, TokenBucket } from './TokenBucket.js';

/** Options of {@link SecurityHubFindingsStore}; every field but `client` has a default. */
export interface SecurityHubFindingsStoreOptions {
  /** A Security Hub client; give it `maxAttempts: 1` so that this store's retries are the only ones. */
  readonly client: SecurityHubClient;
  /** Sustained requests per second. @default 3 (the GetFindings quota) */
  readonly ratePerSecond?: number;
  /** Requests allowed at once. @default 6 (the quota's burst) */
  readonly burst?: number;
  /** Attempts per page, the first included. @default 8 */
  readonly maxAttempts?: number;
  /** First backoff ceiling; doubles on each retry ("full jitter"). @default 200 ms */
  readonly baseDelayMs?: number;
  /** Highest backoff ceiling. @default 10,000 ms */
  readonly maxDelayMs?: number;
  readonly timer?: Timer;
  /** Random numbers in [0, 1) for the jitter. @default Math.random */
  readonly random?: () => number;
}

/** GetFindings' largest page. */
const PAGE_SIZE = 100;

/**
 * Reads this tool's findings of an image (all) or of a repository (the active ones) back from
 * Security Hub with GetFindings: filtered on the product ARN, the resource Id and the GeneratorId
 * prefix `ecr-compliance/`, 100 per
 * page, within the GetFindings quota of 3 requests/s (burst 6) and retrying throttling and
 * server faults with backoff. The same criteria are applied again to what comes back, so that a
 * store that ignores the filters (moto does) still yields only the findings asked for.
 */
export class SecurityHubFindingsStore implements FindingsStore, RepositoryFindings {
  readonly #client: SecurityHubClient;
  readonly #bucket: TokenBucket;
  readonly #maxAttempts: number;
  readonly #baseDelay: number;
  readonly #maxDelay: number;
  readonly #timer: Timer;
  readonly #random: () => number;
  /** GetFindings requests made, retries included (for logs and the benchmark). */
  requests = 0;

  constructor(options: SecurityHubFindingsStoreOptions) {
    this.#client = options.client;
    this.#timer = options.timer ?? systemTimer;
    this.#bucket = new TokenBucket({
      ratePerSecond: options.ratePerSecond ?? 3,
      burst: options.burst ?? 6,
      timer: this.#timer,
    });
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 8);
    this.#baseDelay = options.baseDelayMs ?? 200;
    this.#maxDelay = options.maxDelayMs ?? 10_000;
    this.#random = options.random ?? Math.random;
  }

  async findingsOf(image: ImageIdentity): Promise<readonly StoredFinding[]> {
    const resource = imageArn(image);
    return this.#all(
      productArn(image.region, image.accountId),
      { ResourceId: [{ Value: resource, Comparison: 'EQUALS' }] },
      (f) => (f.Resources ?? []).some((r) => r.Id === resource),
      "the image's",
    );
  }

  async activeFindingsOfRepository(
    repository: RepositoryIdentity,
    options: { readonly atOrAbove: SeverityLabel },
  ): Promise<readonly StoredFinding[]> {
    const arn = repositoryArn(repository.region, repository.accountId, repository.repositoryName);
    // Every finding of this tool names an image of the repository first (`<repository ARN>/sha256:...`),
    // so a prefix on the resource Id finds them whichever resources the filter looks at.
    const inRepository = (id: string | undefined) => {
      if (id === undefined) return false;
      const parts = parseEcrArn(id);
      return id === arn || (parts?.imageDigest !== undefined && id === `${arn}/${parts.imageDigest}`);
    };
    return this.#all(
      productArn(repository.region, repository.accountId),
      {
        ResourceId: [{ Value: `${arn}/`, Comparison: 'PREFIX' }],
        RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
        SeverityLabel: SEVERITY_LABELS.filter((label) => isAtOrAbove(label, options.atOrAbove)).map(
          (label) => ({ Value: label, Comparison: 'EQUALS' as const }),
        ),
        WorkflowStatus: [{ Value: 'SUPPRESSED', Comparison: 'NOT_EQUALS' }],
      },
      (f) => f.RecordState !== 'ARCHIVED' && (f.Resources ?? []).some((r) => inRepository(r.Id)),
      "the repository's",
    );
  }

  /** Every page of this tool's findings of `product` matching `filters`, kept only where `keep` agrees. */
  async #all(
    product: string,
    filters: AwsSecurityFindingFilters,
    keep: (finding: StoredFinding & { Resources?: ReadonlyArray<{ Id?: string }> }) => boolean,
    whose: string,
  ): Promise<readonly StoredFinding[]> {
    const prefix = `${PRODUCT_PREFIX}/`;
    const allFilters: AwsSecurityFindingFilters = {
      ...filters,
      ProductArn: [{ Value: product, Comparison: 'EQUALS' }],
      GeneratorId: [{ Value: prefix, Comparison: 'PREFIX' }],
    };
    const out: StoredFinding[] = [];
    let token: string | undefined;
    do {
      const page = await this.#page({ Filters: allFilters, MaxResults: PAGE_SIZE, NextToken: token }, whose);
      for (const finding of page.Findings ?? []) {
        const f = finding as unknown as StoredFinding & {
          ProductArn?: string;
          Resources?: ReadonlyArray<{ Id?: string }>;
        };
        if (
          f.ProductArn === product &&
          typeof f.GeneratorId === 'string' &&
          f.GeneratorId.startsWith(prefix) &&
          keep(f)
        )
          out.push(f);
      }
      token = page.NextToken || undefined;
    } while (token);
    return out;
  }

  async #page(input: GetFindingsCommandInput, whose: string) {
    for (let attempt = 1; ; attempt += 1) {
      await this.#bucket.take();
      this.requests += 1;
      try {
        return (await this.#client.send(new GetFindingsCommand(input))) ?? {};
      } catch (error) {
        if (!isRetriable(error) || attempt >= this.#maxAttempts) {
          throw new EcrComplianceError(`could not read ${whose} findings: ${describeError(error)}`, {
            cause: error,
          });
        }
        const ceiling = Math.min(this.#maxDelay, this.#baseDelay * 2 ** (attempt - 1));
        await this.#timer.sleep(Math.floor(this.#random() * ceiling));
      }
    }
  }
}

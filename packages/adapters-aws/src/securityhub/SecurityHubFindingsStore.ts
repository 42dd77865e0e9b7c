import {
  GetFindingsCommand,
  type GetFindingsCommandInput,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import {
  EcrComplianceError,
  type FindingsStore,
  type ImageIdentity,
  imageArn,
  PRODUCT_PREFIX,
  productArn,
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
 * Reads an image's findings of this tool back from Security Hub with GetFindings: filtered on
 * the product ARN, the image's resource Id and the GeneratorId prefix `ecr-compliance/`, 100 per
 * page, within the GetFindings quota of 3 requests/s (burst 6) and retrying throttling and
 * server faults with backoff. The same criteria are applied again to what comes back, so that a
 * store that ignores the filters (moto does) still yields only this image's findings.
 */
export class SecurityHubFindingsStore implements FindingsStore {
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
    const product = productArn(image.region, image.accountId);
    const resource = imageArn(image);
    const prefix = `${PRODUCT_PREFIX}/`;
    const filters = {
      ProductArn: [{ Value: product, Comparison: 'EQUALS' as const }],
      ResourceId: [{ Value: resource, Comparison: 'EQUALS' as const }],
      GeneratorId: [{ Value: prefix, Comparison: 'PREFIX' as const }],
    };
    const out: StoredFinding[] = [];
    let token: string | undefined;
    do {
      const page = await this.#page({ Filters: filters, MaxResults: PAGE_SIZE, NextToken: token });
      for (const finding of page.Findings ?? []) {
        const f = finding as unknown as StoredFinding & {
          ProductArn?: string;
          Resources?: ReadonlyArray<{ Id?: string }>;
        };
        if (
          f.ProductArn === product &&
          typeof f.GeneratorId === 'string' &&
          f.GeneratorId.startsWith(prefix) &&
          (f.Resources ?? []).some((r) => r.Id === resource)
        )
          out.push(f);
      }
      token = page.NextToken || undefined;
    } while (token);
    return out;
  }

  async #page(input: GetFindingsCommandInput) {
    for (let attempt = 1; ; attempt += 1) {
      await this.#bucket.take();
      this.requests += 1;
      try {
        return (await this.#client.send(new GetFindingsCommand(input))) ?? {};
      } catch (error) {
        if (!isRetriable(error) || attempt >= this.#maxAttempts) {
          throw new EcrComplianceError(`could not read the image's findings: ${describeError(error)}`, {
            cause: error,
          });
        }
        const ceiling = Math.min(this.#maxDelay, this.#baseDelay * 2 ** (attempt - 1));
        await this.#timer.sleep(Math.floor(this.#random() * ceiling));
      }
    }
  }
}

import { BatchImportFindingsCommand, type SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  type AsffFinding,
  type FindingsPublisher,
  type PublishResult,
  toBatches,
} from '@ecr-compliance/core';
import { describeError, errorName, isRetriable } from '../awsErrors.js';
import { systemTimer, type Timer, TokenBucket } from './TokenBucket.js';

/** Options of {@link SecurityHubFindingsPublisher}; every field but `client` has a default. */
export interface SecurityHubFindingsPublisherOptions {
  /** A Security Hub client; give it `maxAttempts: 1` so that this publisher's retries are the only ones. */
  readonly client: SecurityHubClient;
  /** Sustained requests per second. @default 10 (the BatchImportFindings quota) */
  readonly ratePerSecond?: number;
  /** Requests allowed at once. @default 30 (the quota's burst) */
  readonly burst?: number;
  /** Requests in flight at once. @default 4 */
  readonly concurrency?: number;
  /** Attempts per finding, the first included. @default 8 */
  readonly maxAttempts?: number;
  /** First backoff ceiling; doubles on each retry ("full jitter"). @default 200 ms */
  readonly baseDelayMs?: number;
  /** Highest backoff ceiling. @default 10,000 ms */
  readonly maxDelayMs?: number;
  /** Called after each request with the findings settled so far. */
  readonly onProgress?: (progress: { readonly settled: number; readonly total: number }) => void;
  readonly timer?: Timer;
  /** Random numbers in [0, 1) for the jitter. @default Math.random */
  readonly random?: () => number;
}

/** FailedFindings error codes that a later attempt can clear; any other code is final. */
const RETRIABLE_CODES = new Set([
  'InternalFailure',
  'InternalException',
  'InternalError',
  'ServiceUnavailable',
  'LimitExceeded',
  'LimitExceededException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequests',
  'ConcurrentUpdateError',
]);

type Failure = { id: string; errorCode: string; errorMessage: string };

/**
 * Imports findings with BatchImportFindings: in the core's batches (100 findings, 6 MB), within
 * the quota (client-side token bucket), retrying throttling and server faults with backoff and
 * jitter, and re-sending only the findings listed in `FailedFindings` whose error a retry can
 * clear. Whatever still fails is returned in `failed`, never dropped.
 */
export class SecurityHubFindingsPublisher implements FindingsPublisher {
  readonly #client: SecurityHubClient;
  readonly #bucket: TokenBucket;
  readonly #concurrency: number;
  readonly #maxAttempts: number;
  readonly #baseDelay: number;
  readonly #maxDelay: number;
  readonly #timer: Timer;
  readonly #random: () => number;
  readonly #onProgress: SecurityHubFindingsPublisherOptions['onProgress'];

  constructor(options: SecurityHubFindingsPublisherOptions) {
    this.#client = options.client;
    this.#timer = options.timer ?? systemTimer;
    this.#bucket = new TokenBucket({
      ratePerSecond: options.ratePerSecond ?? 10,
      burst: options.burst ?? 30,
      timer: this.#timer,
    });
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 8);
    this.#baseDelay = options.baseDelayMs ?? 200;
    this.#maxDelay = options.maxDelayMs ?? 10_000;
    this.#random = options.random ?? Math.random;
    this.#onProgress = options.onProgress;
  }

  async publish(findings: readonly AsffFinding[]): Promise<PublishResult> {
    const queue = toBatches(findings).map((batch) => ({ batch, attempt: 1 }));
    const failed: Failure[] = [];
    let succeeded = 0;
    let requests = 0;

    const worker = async () => {
      for (let job = queue.shift(); job; job = queue.shift()) {
        const { batch, attempt } = job;
        if (attempt > 1) await this.#timer.sleep(this.#backoff(attempt - 1));
        await this.#bucket.take();
        requests += 1;
        let retry: AsffFinding[] = [];
        try {
          const out = await this.#client.send(new BatchImportFindingsCommand({ Findings: batch as never }));
          const failures = new Map((out.FailedFindings ?? []).map((f) => [f.Id ?? '', f]));
          // Security Hub may count more failures than it names (an entry without or with another
          // Id): then no finding of the batch that it did not name is known to have landed.
          const named = batch.filter((f) => failures.has(f.Id)).length;
          const unnamed = Math.max(0, (out.FailedCount ?? 0) - named);
          for (const finding of batch) {
            const failure = failures.get(finding.Id);
            const code = failure
              ? (failure.ErrorCode ?? 'Unknown')
              : unnamed > 0
                ? 'UnidentifiedFailure'
                : undefined;
            if (code === undefined) {
              succeeded += 1;
              continue;
            }
            // Re-sending a finding that did land is harmless: the same UpdatedAt changes nothing.
            const retriable = failure ? RETRIABLE_CODES.has(code) : true;
            if (retriable && attempt < this.#maxAttempts) retry.push(finding);
            else {
              const message = failure
                ? (failure.ErrorMessage ?? '')
                : `Security Hub counted ${out.FailedCount} failed findings but named ${named}`;
              failed.push({ id: finding.Id, errorCode: code, errorMessage: message });
            }
          }
        } catch (error) {
          if (isRetriable(error) && attempt < this.#maxAttempts) retry = batch;
          else
            for (const f of batch)
              failed.push({ id: f.Id, errorCode: errorName(error), errorMessage: describeError(error) });
        }
        if (retry.length > 0) queue.push({ batch: retry, attempt: attempt + 1 });
        this.#onProgress?.({ settled: succeeded + failed.length, total: findings.length });
      }
    };
    // Workers pull from one queue; a retried batch goes to its end, so the others proceed
    // meanwhile. The worker that queues a retry is still looping, so the queue always drains.
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, queue.length) }, worker));
    return { sent: findings.length, succeeded, failed, requests };
  }

  #backoff(retry: number): number {
    const ceiling = Math.min(this.#maxDelay, this.#baseDelay * 2 ** (retry - 1));
    return Math.floor(this.#random() * ceiling);
  }
}

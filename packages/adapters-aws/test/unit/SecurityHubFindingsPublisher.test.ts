import '../support/mockMatchers.js';
import {
  AccessDeniedException,
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandInput,
  InternalException,
  InvalidAccessException,
  InvalidInputException,
  LimitExceededException,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  SecurityHubFindingsPublisher,
  type SecurityHubFindingsPublisherOptions,
} from '../../src/securityhub/SecurityHubFindingsPublisher.js';
import { asffFindings, FakeTimer, idsOf, nextTurn, sdkError } from './helpers.js';

const securityHub = mockClient(SecurityHubClient);
const client = new SecurityHubClient({ region: 'us-east-1', maxAttempts: 1 });

/** A publisher on the mocked client, a virtual clock and a fixed jitter (half the ceiling). */
function publisher(options: Partial<SecurityHubFindingsPublisherOptions> = {}) {
  const timer = new FakeTimer();
  return {
    timer,
    publisher: new SecurityHubFindingsPublisher({ client, timer, random: () => 0.5, ...options }),
  };
}

/** What Security Hub answers when every finding of the request was imported. */
const allImported = (input: BatchImportFindingsCommandInput) => ({
  FailedCount: 0,
  SuccessCount: input.Findings?.length ?? 0,
  FailedFindings: [],
  $metadata: { httpStatusCode: 200 },
});

const throttled = () => sdkError(LimitExceededException, 'Rate exceeded', 429);
const calls = () => securityHub.commandCalls(BatchImportFindingsCommand).map((c) => c.args[0].input);

beforeEach(() => {
  securityHub.reset();
});

afterAll(() => {
  securityHub.restore();
});

describe('SecurityHubFindingsPublisher batching', () => {
  it('sends 250 findings in 3 requests of 100, 100 and 50 findings, in order', async () => {
    securityHub.on(BatchImportFindingsCommand).callsFake(allImported);
    const findings = asffFindings(250);
    const { publisher: p } = publisher();

    const result = await p.publish(findings);

    expect(result).toEqual({ sent: 250, succeeded: 250, failed: [], requests: 3 });
    expect(securityHub).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 3);
    const sent = calls();
    expect(sent.map((input) => input.Findings?.length).sort()).toEqual([100, 100, 50].sort());
    expect(sent.flatMap(idsOf).sort()).toEqual(findings.map((f) => f.Id).sort());
  });

  it('sends the findings themselves, unchanged', async () => {
    securityHub.on(BatchImportFindingsCommand).callsFake(allImported);
    const findings = asffFindings(2);

    await publisher().publisher.publish(findings);

    expect(securityHub).toHaveReceivedCommandExactlyOnceWith(BatchImportFindingsCommand, {
      Findings: findings as never,
    });
  });

  it('makes no request for no findings', async () => {
    const result = await publisher().publisher.publish([]);

    expect(result).toEqual({ sent: 0, succeeded: 0, failed: [], requests: 0 });
    expect(securityHub).not.toHaveReceivedAnyCommand();
  });
});

describe('SecurityHubFindingsPublisher retries', () => {
  it('retries a throttled request (LimitExceededException, HTTP 429) and counts both requests', async () => {
    securityHub.on(BatchImportFindingsCommand).rejectsOnce(throttled()).callsFake(allImported);
    const findings = asffFindings(40);
    const { publisher: p, timer } = publisher();

    const result = await p.publish(findings);

    expect(result).toEqual({ sent: 40, succeeded: 40, failed: [], requests: 2 });
    const [first, second] = calls();
    expect(second && idsOf(second)).toEqual(first && idsOf(first));
    expect(timer.sleeps).toEqual([100]);
  });

  it('retries a request that failed with InternalException (HTTP 500)', async () => {
    securityHub
      .on(BatchImportFindingsCommand)
      .rejectsOnce(sdkError(InternalException, 'Internal service error', 500))
      .callsFake(allImported);

    const result = await publisher().publisher.publish(asffFindings(3));

    expect(result).toEqual({ sent: 3, succeeded: 3, failed: [], requests: 2 });
  });

  it('retries a network failure that has no HTTP status', async () => {
    securityHub
      .on(BatchImportFindingsCommand)
      .rejectsOnce(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))
      .callsFake(allImported);

    const result = await publisher().publisher.publish(asffFindings(3));

    expect(result).toMatchObject({ succeeded: 3, failed: [], requests: 2 });
  });

  it('re-sends only the findings listed in FailedFindings with a retriable code', async () => {
    const findings = asffFindings(10);
    const retriable = [findings[3]?.Id, findings[7]?.Id] as string[];
    securityHub
      .on(BatchImportFindingsCommand)
      .resolvesOnce({
        FailedCount: 2,
        SuccessCount: 8,
        FailedFindings: retriable.map((Id) => ({
          Id,
          ErrorCode: 'InternalFailure',
          ErrorMessage: 'Internal failure, please retry',
        })),
      })
      .callsFake(allImported);

    const result = await publisher().publisher.publish(findings);

    expect(result).toEqual({ sent: 10, succeeded: 10, failed: [], requests: 2 });
    expect(securityHub).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 2);
    expect(securityHub).toHaveReceivedNthCommandWith(BatchImportFindingsCommand, 2, {
      Findings: [findings[3], findings[7]] as never,
    });
    expect(calls()[1] && idsOf(calls()[1] as never)).toEqual(retriable);
  });

  it('does not retry findings that failed with InvalidInput and reports them with code and message', async () => {
    const findings = asffFindings(5);
    const message =
      'Finding does not adhere to Amazon Finding Format. data.Title should NOT be longer than 256 characters';
    securityHub.on(BatchImportFindingsCommand).resolves({
      FailedCount: 1,
      SuccessCount: 4,
      FailedFindings: [{ Id: findings[2]?.Id, ErrorCode: 'InvalidInput', ErrorMessage: message }],
    });

    const result = await publisher().publisher.publish(findings);

    expect(securityHub).toHaveReceivedCommandOnce(BatchImportFindingsCommand);
    expect(result).toEqual({
      sent: 5,
      succeeded: 4,
      failed: [{ id: findings[2]?.Id, errorCode: 'InvalidInput', errorMessage: message }],
      requests: 1,
    });
  });

  it('retries the retriable failures of one response and reports its final ones at the same time', async () => {
    const findings = asffFindings(4);
    securityHub
      .on(BatchImportFindingsCommand)
      .resolvesOnce({
        FailedCount: 2,
        SuccessCount: 2,
        FailedFindings: [
          { Id: findings[0]?.Id, ErrorCode: 'InvalidAccess', ErrorMessage: 'Product not enabled' },
          { Id: findings[1]?.Id, ErrorCode: 'LimitExceeded', ErrorMessage: 'Throttled' },
        ],
      })
      .callsFake(allImported);

    const result = await publisher().publisher.publish(findings);

    expect(result).toEqual({
      sent: 4,
      succeeded: 3,
      failed: [{ id: findings[0]?.Id, errorCode: 'InvalidAccess', errorMessage: 'Product not enabled' }],
      requests: 2,
    });
    expect(idsOf(calls()[1] as never)).toEqual([findings[1]?.Id]);
  });

  it('reports a failed finding without code or message as Unknown rather than dropping it', async () => {
    const findings = asffFindings(2);
    securityHub
      .on(BatchImportFindingsCommand)
      .resolves({ FailedCount: 1, SuccessCount: 1, FailedFindings: [{ Id: findings[1]?.Id } as never] });

    const result = await publisher().publisher.publish(findings);

    expect(result.failed).toEqual([{ id: findings[1]?.Id, errorCode: 'Unknown', errorMessage: '' }]);
    expect(result.succeeded).toBe(1);
  });

  it('re-sends the batch when Security Hub counts more failures than it names, and reports them if they persist', async () => {
    const findings = asffFindings(5);
    securityHub
      .on(BatchImportFindingsCommand)
      .resolvesOnce({
        FailedCount: 2,
        SuccessCount: 3,
        FailedFindings: [{ ErrorCode: 'InternalFailure' } as never],
      })
      .resolves({ FailedCount: 1, SuccessCount: 4, FailedFindings: [{ Id: 'someone-else' } as never] });

    const result = await publisher({ maxAttempts: 2 }).publisher.publish(findings);

    expect(calls()[1]?.Findings?.map((f) => f.Id)).toEqual(findings.map((f) => f.Id));
    expect(result.succeeded).toBe(0);
    expect(result.failed).toHaveLength(5);
    expect(result.failed[0]).toEqual({
      id: findings[0]?.Id,
      errorCode: 'UnidentifiedFailure',
      errorMessage: 'Security Hub counted 1 failed findings but named 0',
    });
  });

  it.each([
    [
      'InvalidAccessException (HTTP 401)',
      () => sdkError(InvalidAccessException, 'Security Hub is not enabled', 401),
    ],
    ['AccessDeniedException (HTTP 403)', () => sdkError(AccessDeniedException, 'not authorized', 403)],
    ['InvalidInputException (HTTP 400)', () => sdkError(InvalidInputException, 'Invalid ProductArn', 400)],
  ])('fails every finding of the batch on %s, without retrying', async (label, make) => {
    const error = make();
    securityHub.on(BatchImportFindingsCommand).rejects(error);
    const findings = asffFindings(120);
    const { publisher: p, timer } = publisher();

    const result = await p.publish(findings);

    expect(result.requests).toBe(2);
    expect(result.succeeded).toBe(0);
    expect(result.failed).toHaveLength(120);
    expect(result.failed.map((f) => f.id).sort()).toEqual(findings.map((f) => f.Id).sort());
    const [name, status] = label.split(' (');
    for (const failure of result.failed) {
      expect(failure.errorCode).toBe(name);
      expect(failure.errorMessage).toBe(`${name} (${status}: ${error.message}`);
    }
    expect(timer.sleeps).toEqual([]);
  });

  it('gives up after maxAttempts on a throttle that never clears and reports every finding', async () => {
    securityHub.on(BatchImportFindingsCommand).rejects(throttled());
    const findings = asffFindings(7);

    const result = await publisher({ maxAttempts: 3 }).publisher.publish(findings);

    expect(securityHub).toHaveReceivedCommandTimes(BatchImportFindingsCommand, 3);
    expect(result).toMatchObject({ sent: 7, succeeded: 0, requests: 3 });
    expect(result.failed).toHaveLength(7);
    expect(result.failed[0]).toEqual({
      id: findings[0]?.Id,
      errorCode: 'LimitExceededException',
      errorMessage: 'LimitExceededException (HTTP 429): Rate exceeded',
    });
  });

  it('gives up after maxAttempts on a FailedFindings code that never clears and reports it', async () => {
    const findings = asffFindings(3);
    securityHub.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => ({
      FailedCount: 1,
      SuccessCount: (input.Findings?.length ?? 0) - 1,
      FailedFindings: [{ Id: findings[1]?.Id, ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
    }));

    const result = await publisher({ maxAttempts: 4 }).publisher.publish(findings);

    expect(result).toEqual({
      sent: 3,
      succeeded: 2,
      failed: [{ id: findings[1]?.Id, errorCode: 'InternalFailure', errorMessage: 'try again' }],
      requests: 4,
    });
    expect(calls().slice(1).map(idsOf)).toEqual([[findings[1]?.Id], [findings[1]?.Id], [findings[1]?.Id]]);
  });

  it('makes a single attempt when maxAttempts is 1', async () => {
    securityHub.on(BatchImportFindingsCommand).rejects(throttled());

    const result = await publisher({ maxAttempts: 1 }).publisher.publish(asffFindings(2));

    expect(result).toMatchObject({ requests: 1, succeeded: 0 });
    expect(result.failed).toHaveLength(2);
  });
});

describe('SecurityHubFindingsPublisher backoff', () => {
  it('doubles the backoff ceiling on each retry up to maxDelayMs (full jitter)', async () => {
    securityHub.on(BatchImportFindingsCommand).rejects(throttled());
    const { publisher: p, timer } = publisher({ maxAttempts: 8, maxDelayMs: 1000, random: () => 0.5 });

    await p.publish(asffFindings(1));

    // Ceilings 200, 400, 800, then capped at 1000; half of each with random() = 0.5.
    expect(timer.sleeps).toEqual([100, 200, 400, 500, 500, 500, 500]);
  });

  it('sleeps the whole ceiling minus rounding when random() is just below 1, and nothing when it is 0', async () => {
    securityHub.on(BatchImportFindingsCommand).rejects(throttled());
    const high = publisher({ maxAttempts: 5, random: () => 0.999_999 });
    const low = publisher({ maxAttempts: 5, random: () => 0 });

    await high.publisher.publish(asffFindings(1));
    await low.publisher.publish(asffFindings(1));

    expect(high.timer.sleeps).toEqual([199, 399, 799, 1599]);
    expect(low.timer.sleeps).toEqual([0, 0, 0, 0]);
  });

  it('keeps every backoff within [0, min(maxDelayMs, baseDelayMs * 2^(n-1)))', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
          minLength: 1,
          maxLength: 9,
        }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 20_000 }),
        async (randoms, baseDelayMs, maxDelayMs) => {
          securityHub.reset();
          securityHub.on(BatchImportFindingsCommand).rejects(throttled());
          let i = 0;
          const random = () => randoms[i++ % randoms.length] as number;
          const { publisher: p, timer } = publisher({ maxAttempts: 10, baseDelayMs, maxDelayMs, random });

          await p.publish(asffFindings(1));

          expect(timer.sleeps).toHaveLength(9);
          timer.sleeps.forEach((ms, n) => {
            const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** n);
            expect(Number.isInteger(ms)).toBe(true);
            expect(ms).toBeGreaterThanOrEqual(0);
            expect(ms).toBeLessThan(ceiling);
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('SecurityHubFindingsPublisher quota', () => {
  it('keeps to 10 requests/s with a burst of 30: 50 requests take 2 s of virtual time', async () => {
    const timer = new FakeTimer();
    const sentAt: number[] = [];
    securityHub.on(BatchImportFindingsCommand).callsFake((input: BatchImportFindingsCommandInput) => {
      sentAt.push(timer.now());
      return allImported(input);
    });
    const p = new SecurityHubFindingsPublisher({ client, timer, random: () => 0.5 });

    const result = await p.publish(asffFindings(5000));

    expect(result).toMatchObject({ sent: 5000, succeeded: 5000, requests: 50 });
    expect(sentAt).toHaveLength(50);
    expect(sentAt.slice(0, 30)).toEqual(Array(30).fill(0));
    const gaps = sentAt.slice(30).map((t, i) => t - (sentAt[29 + i] as number));
    for (const gap of gaps) expect(gap).toBeCloseTo(100, 5);
    expect(timer.now()).toBeCloseTo(2000, 5);
  });

  it('follows another rate and burst when given', async () => {
    securityHub.on(BatchImportFindingsCommand).callsFake(allImported);
    const { publisher: p, timer } = publisher({ ratePerSecond: 2, burst: 1 });

    await p.publish(asffFindings(300));

    // One request at once, then one every 500 ms.
    expect(timer.now()).toBeCloseTo(1000, 5);
  });
});

describe('SecurityHubFindingsPublisher progress and concurrency', () => {
  it('reports progress after each request, never decreasing, ending at the total', async () => {
    const findings = asffFindings(250);
    securityHub
      .on(BatchImportFindingsCommand)
      .rejectsOnce(throttled())
      .resolvesOnce({
        FailedCount: 1,
        SuccessCount: 99,
        FailedFindings: [{ Id: findings[120]?.Id, ErrorCode: 'InvalidInput', ErrorMessage: 'bad' }],
      })
      .callsFake(allImported);
    const progress: Array<{ settled: number; total: number }> = [];

    const result = await publisher({ concurrency: 1, onProgress: (p) => progress.push(p) }).publisher.publish(
      findings,
    );

    expect(result).toMatchObject({ succeeded: 249, requests: 4 });
    expect(progress).toHaveLength(4);
    expect(progress.every((p) => p.total === 250)).toBe(true);
    const settled = progress.map((p) => p.settled);
    for (let i = 1; i < settled.length; i++)
      expect(settled[i]).toBeGreaterThanOrEqual(settled[i - 1] as number);
    expect(settled.at(-1)).toBe(250);
    // Throttled first batch settles nothing; then 100 (one of them failed), 50, and the retried 100.
    expect(settled).toEqual([0, 100, 150, 250]);
  });

  it('never has more requests in flight than the concurrency option', async () => {
    let inFlight = 0;
    let peak = 0;
    securityHub.on(BatchImportFindingsCommand).callsFake(async (input: BatchImportFindingsCommandInput) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await nextTurn();
      await nextTurn();
      inFlight -= 1;
      return allImported(input);
    });

    const result = await publisher({ concurrency: 3 }).publisher.publish(asffFindings(1000));

    expect(result).toMatchObject({ succeeded: 1000, requests: 10 });
    expect(peak).toBe(3);
  });

  it('sends one request at a time with concurrency 1', async () => {
    let inFlight = 0;
    let peak = 0;
    securityHub.on(BatchImportFindingsCommand).callsFake(async (input: BatchImportFindingsCommandInput) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await nextTurn();
      inFlight -= 1;
      return allImported(input);
    });

    await publisher({ concurrency: 1 }).publisher.publish(asffFindings(500));

    expect(peak).toBe(1);
  });

  it('finishes the retry of a slow batch after the other worker has run out of work', async () => {
    // Batch 1 is slow and fails retriably; by then batch 2's worker has found the queue empty.
    const findings = asffFindings(150);
    let first = true;
    securityHub.on(BatchImportFindingsCommand).callsFake(async (input: BatchImportFindingsCommandInput) => {
      if (first && input.Findings?.length === 100) {
        first = false;
        await nextTurn();
        await nextTurn();
        throw throttled();
      }
      return allImported(input);
    });

    const result = await publisher({ concurrency: 2 }).publisher.publish(findings);

    expect(result).toEqual({ sent: 150, succeeded: 150, failed: [], requests: 3 });
  });
});

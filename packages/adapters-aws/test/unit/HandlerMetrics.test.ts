import { Readable } from 'node:stream';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { METRIC_NAMESPACE, METRIC_SERVICE, METRICS } from '../../src/lambda/metricNames.js';
import { HandlerMetrics } from '../../src/lambda/observability.js';
import { captureLogs } from '../support/world.js';

let logs: ReturnType<typeof captureLogs>;
beforeEach(() => {
  logs = captureLogs();
});
afterEach(() => logs.restore());

const metricsWith = (accounts: string[] = []) =>
  new HandlerMetrics(
    new Metrics({ namespace: METRIC_NAMESPACE, serviceName: METRIC_SERVICE }),
    new Set(accounts),
  );
const emf = () => logs.lines().filter((line) => '_aws' in line);
const dimensionsOf = (line: Record<string, unknown>) => (line._aws as any).CloudWatchMetrics[0].Dimensions[0];

/** A client whose every answer is HTTP 429 ThrottlingException, without a network. */
function throttledClient() {
  return new SecurityHubClient({
    region: 'us-east-1',
    maxAttempts: 2,
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: 429,
          reason: 'Too Many Requests',
          headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' },
          body: Readable.from([Buffer.from('{"message":"Rate exceeded","Code":"TooManyRequestsException"}')]),
        },
      }),
    } as never,
  });
}

describe('HandlerMetrics', () => {
  it('writes nothing when nothing was counted', () => {
    metricsWith().publish();
    expect(logs.lines()).toEqual([]);
  });

  it('writes the counts in one EMF line under the namespace with the service dimension', () => {
    const metrics = metricsWith();
    metrics.count(METRICS.findingsImported, 3);
    metrics.count(METRICS.findingsArchived, 1);
    metrics.publish();

    const lines = emf();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ service: METRIC_SERVICE, FindingsImported: 3, FindingsArchived: 1 });
    expect((lines[0]?._aws as any)?.CloudWatchMetrics[0]?.Namespace).toBe('EcrCompliance');
  });

  it('writes a refusal under its reason code, never the free text', () => {
    metricsWith().refusal('finding belongs to account 444455556666, not to this account 111122223333');

    const [line] = emf();
    expect(dimensionsOf(line as never)).toEqual(['service', 'reason']);
    expect(line).toMatchObject({ reason: 'other-account', Refusals: 1 });
  });

  it('writes an account series only for the accounts of a bounded allow-list', () => {
    const metrics = metricsWith(['444455556666']);
    metrics.count(METRICS.repositoriesBlocked, 1, '444455556666');
    metrics.count(METRICS.repositoriesBlocked, 1, '777788889999');
    metrics.publish();

    const perAccount = emf().filter((line) => dimensionsOf(line).includes('account'));
    expect(perAccount).toEqual([
      expect.objectContaining({ account: '444455556666', RepositoriesBlocked: 1 }),
    ]);
    const totals = emf().filter((line) => !dimensionsOf(line).includes('account'));
    expect(totals).toEqual([expect.objectContaining({ RepositoriesBlocked: [1, 1] })]);
  });

  it('counts every throttled answer a watched client receives, retries included', async () => {
    const metrics = metricsWith();
    const client = metrics.watchThrottling(throttledClient());

    await expect(client.send(new GetFindingsCommand({}))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 429 },
    });
    metrics.publish();

    expect(emf()).toEqual([expect.objectContaining({ ThrottledCalls: [1, 1] })]);
  });
});

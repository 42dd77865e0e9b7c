/**
 * A handler's metrics and domain events, built once at cold start: Powertools Metrics in the
 * embedded metric format (namespace `EcrCompliance`, dimension `service`), the throttling counter
 * on the SDK clients, and the domain events on the event bus named by `EVENT_BUS_NAME`. Neither
 * ever fails an invocation: an event that could not be put is logged and counted.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type DomainEvent, type DomainEvents, refusalReasonOf } from '@ecr-compliance/core';
import { isThrottling } from '../awsErrors.js';
import { EventBridgeDomainEvents } from '../eventbridge/EventBridgeDomainEvents.js';
import {
  ACCOUNT_DIMENSION,
  MAX_ACCOUNT_SERIES,
  METRIC_NAMESPACE,
  METRIC_SERVICE,
  METRICS,
  type MetricName,
  REASON_DIMENSION,
} from './metricNames.js';
import type { OrganizationConfig } from './organizationConfig.js';

/** An SDK client whose middleware stack can take the throttling counter. */
interface MiddlewareClient {
  readonly middlewareStack: { add(middleware: never, options: never): void };
}

/** The counts a handler writes; see {@link METRICS}. */
export class HandlerMetrics {
  readonly #metrics: Metrics;
  readonly #accounts: ReadonlySet<string>;

  /** @param accountSeries the accounts that get their own series (bounded; empty for none) */
  constructor(metrics: Metrics, accountSeries: ReadonlySet<string>) {
    this.#metrics = metrics;
    this.#accounts = accountSeries;
  }

  /** Adds `value` to the metric `name`, and to `account`'s series when that account has one. */
  count(name: MetricName, value: number, account?: string): void {
    this.#metrics.addMetric(name, MetricUnit.Count, value);
    if (account !== undefined && this.#accounts.has(account)) {
      const single = this.#metrics.singleMetric();
      single.addDimension(ACCOUNT_DIMENSION, account);
      single.addMetric(name, MetricUnit.Count, value);
    }
  }

  /** Counts one refusal under its reason code (a fixed set, never the free text). */
  refusal(reason: string, account?: string): void {
    const single = this.#metrics.singleMetric();
    single.addDimension(REASON_DIMENSION, refusalReasonOf(reason));
    single.addMetric(METRICS.refusals, MetricUnit.Count, 1);
    if (account !== undefined && this.#accounts.has(account)) {
      const perAccount = this.#metrics.singleMetric();
      perAccount.addDimension(ACCOUNT_DIMENSION, account);
      perAccount.addMetric(METRICS.refusals, MetricUnit.Count, 1);
    }
  }

  /** Counts every throttled answer the client receives (each attempt, before any retry). */
  watchThrottling<T extends MiddlewareClient>(client: T): T {
    client.middlewareStack.add(
      ((next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        try {
          return await next(args);
        } catch (error) {
          if (isThrottling(error)) this.#metrics.addMetric(METRICS.throttledCalls, MetricUnit.Count, 1);
          throw error;
        }
      }) as never,
      // Above the deserializer (which turns the answer into the error) and below the retries (each attempt).
      {
        step: 'deserialize',
        priority: 'high',
        name: 'ecrComplianceThrottlingCounter',
        override: true,
      } as never,
    );
    return client;
  }

  /** Writes the stored metrics as one EMF line (nothing when there are none). */
  publish(): void {
    if (this.#metrics.hasStoredMetrics()) this.#metrics.publishStoredMetrics();
  }
}

/** What {@link loadObservability} builds. */
export interface Observability {
  readonly metrics: HandlerMetrics;
  /** Puts the events; a failure is logged (WARN) and counted, never thrown. */
  putEvents(events: readonly DomainEvent[]): Promise<void>;
}

/**
 * The metrics and the event sink of one handler. Per-account series only in the organization shape
 * with an allow-list of at most {@link MAX_ACCOUNT_SERIES} accounts.
 */
export function loadObservability(
  env: Record<string, string | undefined>,
  logger: Logger,
  organization: OrganizationConfig | undefined,
  region: string,
): Observability {
  const allowed = organization?.ALLOWED_ACCOUNTS ?? [];
  const metrics = new HandlerMetrics(
    new Metrics({ namespace: METRIC_NAMESPACE, serviceName: METRIC_SERVICE }),
    new Set(allowed.length <= MAX_ACCOUNT_SERIES ? allowed : []),
  );
  const bus = env.EVENT_BUS_NAME?.trim();
  const sink: DomainEvents | undefined = bus
    ? new EventBridgeDomainEvents({
        client: metrics.watchThrottling(new EventBridgeClient({ region })),
        eventBusName: bus,
      })
    : undefined;
  return {
    metrics,
    async putEvents(events) {
      if (!sink || events.length === 0) return;
      const result = await sink.put(events);
      if (result.failed.length > 0) {
        metrics.count(METRICS.eventsNotPut, result.failed.length);
        logger.warn('domain events not put', {
          failed: result.failed.slice(0, 10),
          count: result.failed.length,
        });
      }
    },
  };
}

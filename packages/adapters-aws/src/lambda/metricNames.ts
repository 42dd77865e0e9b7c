/**
 * The one list of the handlers' CloudWatch metrics: the handlers write them (Powertools Metrics,
 * embedded metric format) and the construct's dashboard and alarm read them, both from here. A
 * test checks that the dashboard shows every name and only these names.
 *
 * This module imports nothing at run time but the core, so the construct can load it without the SDK.
 */
import { REFUSAL_REASONS } from '@ecr-compliance/core';

/** The metric namespace of every handler. */
export const METRIC_NAMESPACE = 'EcrCompliance';

/** The `service` dimension of every metric (one value for all functions, so one series per name). */
export const METRIC_SERVICE = 'ecr-compliance';

/** The dimension that carries a refusal's reason code ({@link REFUSAL_REASON_CODES}). */
export const REASON_DIMENSION = 'reason';
/** The dimension of the per-account series in the organization shape (see {@link MAX_ACCOUNT_SERIES}). */
export const ACCOUNT_DIMENSION = 'account';
/**
 * Per-account series are written only when the organization's allow-list (`ALLOWED_ACCOUNTS`)
 * names at most this many accounts: the number of series then has a known bound. Without an
 * allow-list the accounts of an organization are unbounded, and only the totals are written (the
 * log lines still name each account).
 */
export const MAX_ACCOUNT_SERIES = 20;

/** The metrics, by purpose. Each value is the metric's name in CloudWatch. */
export const METRICS = {
  /** Findings imported into Security Hub (created, updated, re-activated; on-image-scan). */
  findingsImported: 'FindingsImported',
  /** Findings archived (fixed vulnerabilities, deleted images; on-image-scan, on-image-action). */
  findingsArchived: 'FindingsArchived',
  /** Findings of a scan that Security Hub already held the same (not imported again). */
  findingsUnchanged: 'FindingsUnchanged',
  /** Findings Security Hub still refused after the retries. */
  findingsFailed: 'FindingsFailed',
  /** Repositories whose policy a block changed (on-custom-action, on-finding-imported). */
  repositoriesBlocked: 'RepositoriesBlocked',
  /** Repositories whose policy an unblock changed. */
  repositoriesUnblocked: 'RepositoriesUnblocked',
  /** Refused findings and events, with the dimension `reason`. */
  refusals: 'Refusals',
  /** AWS calls answered with throttling (each attempt, retries included). */
  throttledCalls: 'ThrottledCalls',
  /** Domain events that could not be put on the event bus. */
  eventsNotPut: 'EventsNotPut',
} as const;

/** One metric name. */
export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** Every metric name. */
export const METRIC_NAMES: readonly MetricName[] = Object.values(METRICS);

/** The values of the `reason` dimension of {@link METRICS.refusals}. */
export const REFUSAL_REASON_CODES = REFUSAL_REASONS;

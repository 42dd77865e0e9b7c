/**
 * The construct's CloudWatch dashboard and the alarm on failed imports. Every metric of the
 * handlers comes from the one list they write (`METRICS` of the environment contract), so the
 * dashboard cannot show a name no handler writes; a test checks that it shows them all.
 */
import {
  METRIC_NAMESPACE,
  METRIC_SERVICE,
  METRICS,
  type MetricName,
  REASON_DIMENSION,
  REFUSAL_REASON_CODES,
} from '@ecr-compliance/adapters-aws/environment';
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmRule,
  AlarmStatusWidget,
  ComparisonOperator,
  CompositeAlarm,
  Dashboard,
  GraphWidget,
  type IWidget,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

const PERIOD = Duration.minutes(5);

/** A handler metric, summed over five minutes. */
export function handlerMetric(name: MetricName, dimensions: Record<string, string> = {}): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: METRIC_SERVICE, ...dimensions },
    statistic: 'Sum',
    period: PERIOD,
  });
}

/** What the dashboard shows. */
export interface ObservabilityInputs {
  /** The functions, by a short name. */
  readonly functions: Readonly<Record<string, IFunction>>;
  /** Every dead-letter and failure queue, by a short name. */
  readonly queues: Readonly<Record<string, Queue>>;
  /** The alarm on those queues. */
  readonly deadLetterAlarm: Alarm;
  /** Create the dashboard (the alarms are always created). */
  readonly dashboard: boolean;
}

/** The dashboard, the alarm on failed imports, and the alarm that joins it with the dead-letter alarm. */
export class Observability extends Construct {
  /** Fires when Security Hub refused findings after the retries (FindingsFailed >= 1 in 5 minutes). */
  public readonly failedImportsAlarm: Alarm;
  /** Fires when either the dead-letter alarm or the failed-imports alarm does: one to subscribe to. */
  public readonly failureAlarm: CompositeAlarm;
  /** The dashboard, unless turned off. */
  public readonly dashboard: Dashboard | undefined;

  constructor(scope: Construct, id: string, inputs: ObservabilityInputs) {
    super(scope, id);
    this.failedImportsAlarm = new Alarm(this, 'FailedImportsAlarm', {
      alarmDescription:
        'ecr-compliance: Security Hub refused findings after the retries (imports or archives); see the on-image-scan and on-image-action logs',
      metric: handlerMetric(METRICS.findingsFailed),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.failureAlarm = new CompositeAlarm(this, 'FailureAlarm', {
      alarmDescription: 'ecr-compliance: a failed event or invocation, or findings Security Hub refused',
      alarmRule: AlarmRule.anyOf(inputs.deadLetterAlarm, this.failedImportsAlarm),
    });
    this.dashboard = inputs.dashboard ? this.buildDashboard(inputs) : undefined;
  }

  private buildDashboard(inputs: ObservabilityInputs): Dashboard {
    const graph = (title: string, left: Metric[] | ReturnType<IFunction['metricErrors']>[]) =>
      new GraphWidget({ title, left, width: 12, height: 6 });
    const functions = Object.entries(inputs.functions);
    const widgets: IWidget[][] = [
      [
        new TextWidget({
          markdown:
            '# ecr-compliance\nFindings imported into Security Hub, repositories blocked and released, refusals by reason, and what failed. Metrics: namespace `EcrCompliance` (docs/metrics.md).',
          width: 24,
          height: 2,
        }),
      ],
      [
        graph(
          'Findings',
          [
            METRICS.findingsImported,
            METRICS.findingsArchived,
            METRICS.findingsUnchanged,
            METRICS.findingsFailed,
          ].map((name) => handlerMetric(name)),
        ),
        graph(
          'Repositories blocked and released',
          [METRICS.repositoriesBlocked, METRICS.repositoriesUnblocked].map((name) => handlerMetric(name)),
        ),
      ],
      [
        graph(
          'Refusals by reason',
          REFUSAL_REASON_CODES.map((reason) =>
            handlerMetric(METRICS.refusals, { [REASON_DIMENSION]: reason }).with({ label: reason }),
          ),
        ),
        graph(
          'Throttled calls and events not put',
          [METRICS.throttledCalls, METRICS.eventsNotPut].map((name) => handlerMetric(name)),
        ),
      ],
      [
        graph(
          'Function errors',
          functions.map(([name, fn]) => fn.metricErrors({ period: PERIOD, label: name })),
        ),
        graph(
          'Function durations (p99)',
          functions.map(([name, fn]) => fn.metricDuration({ period: PERIOD, statistic: 'p99', label: name })),
        ),
      ],
      [
        graph(
          'Messages in the dead-letter and failure queues',
          Object.entries(inputs.queues).map(([name, queue]) =>
            queue.metricApproximateNumberOfMessagesVisible({
              period: PERIOD,
              statistic: 'Maximum',
              label: name,
            }),
          ),
        ),
        new AlarmStatusWidget({
          title: 'Alarms',
          alarms: [this.failureAlarm, inputs.deadLetterAlarm, this.failedImportsAlarm],
          width: 12,
          height: 6,
        }),
      ],
    ];
    return new Dashboard(this, 'Dashboard', { widgets, defaultInterval: Duration.hours(24) });
  }
}

/**
 * The dashboard, the alarms, the domain events' grant, and the notification topic with its rules:
 * template assertions, the metric names against the handlers' list, every new rule's pattern
 * matched by AWS Event Ruler, and cdk-nag and cfn-lint on the template with notifications on.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  METRIC_NAMES,
  METRIC_NAMESPACE,
  REFUSAL_REASON_CODES,
} from '@ecr-compliance/adapters-aws/environment';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EcrContinuousCompliance } from '../src/index.js';
import { cfnLint, withoutDependsOnWarning } from './support/cfnLint.js';
import { matchWithEventRuler, resolvedPatterns } from './support/ruler.js';
import { type Synthesized, synthesize } from './support/synth.js';
import { resourcesOfType } from './support/template.js';

const env = { account: '111122223333', region: 'us-east-1' } as const;
let synthesized: Synthesized;
let template: Template;

beforeAll(() => {
  synthesized = synthesize({
    nag: true,
    props: { autoRemediation: true, autoUnblock: true, notifications: true },
  });
  template = synthesized.template;
});
afterAll(() => rmSync(synthesized.outdir, { recursive: true, force: true }));

/** The dashboard body as text, its tokens written as `{token}`. */
function dashboardBody(t: Template): string {
  const [dashboard] = resourcesOfType(t, 'AWS::CloudWatch::Dashboard');
  const body = (dashboard?.Properties as { DashboardBody: unknown } | undefined)?.DashboardBody;
  const flatten = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const join = (node as Record<string, unknown>)['Fn::Join'] as [string, unknown[]] | undefined;
    if (join) return join[1].map(flatten).join(join[0]);
    return '{token}';
  };
  return flatten(body);
}
/** The widgets of the dashboard, parsed (tokens replaced). */
const widgets = (t: Template) =>
  (JSON.parse(dashboardBody(t)) as { widgets: Array<{ properties: Record<string, any> }> }).widgets;
/** Names of the handler metrics the dashboard shows. */
function handlerMetricNames(t: Template): Set<string> {
  const names = new Set<string>();
  for (const widget of widgets(t))
    for (const metric of widget.properties.metrics ?? [])
      if (metric[0] === METRIC_NAMESPACE) names.add(metric[1]);
  return names;
}

describe('the dashboard', () => {
  it('shows every metric the handlers write, and no other name of their namespace', () => {
    expect([...handlerMetricNames(template)].sort()).toEqual([...METRIC_NAMES].sort());
  });

  it('shows refusals by each reason code', () => {
    const refusals = widgets(template).find((w) => w.properties.title === 'Refusals by reason');
    const reasons = (refusals?.properties.metrics ?? []).map((m: unknown[]) => m[m.indexOf('reason') + 1]);
    expect(reasons).toEqual([...REFUSAL_REASON_CODES]);
  });

  it("shows each function's errors and durations, and the depth of every failure queue", () => {
    const byTitle = Object.fromEntries(widgets(template).map((w) => [w.properties.title, w.properties]));
    const metricNames = (title: string) =>
      (byTitle[title]?.metrics ?? []).map((m: string[]) => `${m[0]} ${m[1]}`);
    expect(metricNames('Function errors')).toEqual(Array(4).fill('AWS/Lambda Errors'));
    expect(metricNames('Function durations (p99)')).toEqual(Array(4).fill('AWS/Lambda Duration'));
    // Four rule dead-letter queues, the notification rules' queue and the failure queue.
    expect(metricNames('Messages in the dead-letter and failure queues')).toEqual(
      Array(6).fill('AWS/SQS ApproximateNumberOfMessagesVisible'),
    );
    expect(resourcesOfType(template, 'AWS::SQS::Queue')).toHaveLength(6);
    expect(byTitle.Alarms?.alarms).toHaveLength(3);
  });

  it('is left out with dashboard: false, the alarms kept', () => {
    const off = synthesize({ props: { dashboard: false } });
    try {
      off.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
      off.template.resourceCountIs('AWS::CloudWatch::CompositeAlarm', 1);
    } finally {
      rmSync(off.outdir, { recursive: true, force: true });
    }
  });
});

describe('the alarms', () => {
  it('alarm on failed imports, and join it with the dead-letter alarm in one composite alarm', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'EcrCompliance',
      MetricName: 'FindingsFailed',
      Dimensions: [{ Name: 'service', Value: 'ecr-compliance' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    const compliance = synthesized.stack.compliance;
    const id = (c: { node: { defaultChild?: unknown } }) =>
      synthesized.stack.getLogicalId(c.node.defaultChild as never);
    const [composite] = resourcesOfType(template, 'AWS::CloudWatch::CompositeAlarm');
    const rule = JSON.stringify((composite?.Properties as { AlarmRule: unknown } | undefined)?.AlarmRule);
    expect(rule).toContain(id(compliance.deadLetterAlarm));
    expect(rule).toContain(id(compliance.failedImportsAlarm));
    expect(rule).toMatch(/OR/);
  });
});

describe('the domain events', () => {
  it('set EVENT_BUS_NAME=default on every function', () => {
    for (const fn of resourcesOfType(template, 'AWS::Lambda::Function'))
      expect((fn.Properties as any).Environment.Variables.EVENT_BUS_NAME).toBe('default');
  });

  it('grant events:PutEvents on the default bus only, with the source ecr-compliance, to every function', () => {
    const grants = resourcesOfType(template, 'AWS::IAM::Policy').flatMap((policy) =>
      ((policy.Properties as any).PolicyDocument.Statement as any[]).filter((s) =>
        [s.Action].flat().includes('events:PutEvents'),
      ),
    );
    expect(grants).toHaveLength(4);
    for (const grant of grants) {
      expect(grant).toEqual({
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':events:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':event-bus/default',
            ],
          ],
        },
        Condition: { StringEquals: { 'events:source': 'ecr-compliance' } },
      });
    }
  });
});

describe('the notifications', () => {
  it('are off by default: no topic, no key, no rule of our events', () => {
    const plain = synthesize();
    try {
      plain.template.resourceCountIs('AWS::SNS::Topic', 0);
      plain.template.resourceCountIs('AWS::KMS::Key', 0);
      expect(JSON.stringify(plain.template.findResources('AWS::Events::Rule'))).not.toContain(
        '"ecr-compliance"',
      );
    } finally {
      rmSync(plain.outdir, { recursive: true, force: true });
    }
  });

  it('create a topic encrypted with a rotated customer managed key that EventBridge may use, TLS only', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    const [key] = resourcesOfType(template, 'AWS::KMS::Key');
    expect(key?.Properties).toMatchObject({ EnableKeyRotation: true });
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0] as string;
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    expect((key?.Properties as any)?.KeyPolicy.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      ]),
    );
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          Match.objectLike({
            Effect: 'Allow',
            Action: 'sns:Publish',
            Principal: { Service: 'events.amazonaws.com' },
          }),
        ]),
      },
    });
  });

  it("deliver to the user's topic instead, creating no topic or key", () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new Stack(app, 'Own', { env });
    const topic = new Topic(stack, 'TheirTopic');
    new EcrContinuousCompliance(stack, 'Compliance', {
      notifications: { topic, newCriticalFindings: false },
    });
    const own = Template.fromStack(stack);
    own.resourceCountIs('AWS::SNS::Topic', 1);
    own.resourceCountIs('AWS::KMS::Key', 0);
    const targets = Object.values(own.findResources('AWS::Events::Rule'))
      .filter((rule) => JSON.stringify(rule).includes('"ecr-compliance"'))
      .map((rule) => (rule as any).Properties.Targets[0]);
    expect(targets).toHaveLength(2);
    for (const target of targets) {
      expect(target.Arn).toEqual({ Ref: Object.keys(own.findResources('AWS::SNS::Topic'))[0] });
      expect(target.DeadLetterConfig).toBeDefined();
    }
  });

  describe('rules, matched by AWS Event Ruler', () => {
    const repositoryArn = `arn:aws:ecr:${env.region}:${env.account}:repository/team-a/payments-api`;
    const event = (
      detailType: string,
      detail: Record<string, unknown>,
      extra: Record<string, unknown> = {},
    ) => ({
      version: '0',
      id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
      'detail-type': detailType,
      source: 'ecr-compliance',
      account: env.account,
      time: '2026-11-20T10:17:00Z',
      region: env.region,
      resources: [repositoryArn],
      detail,
      ...extra,
    });
    const imported = (critical: number) =>
      event('Image Findings Imported', { version: '1', newCounts: { CRITICAL: critical, HIGH: 2 } });
    const events = {
      blocked: event('Repository Blocked', { version: '1', trigger: 'person' }),
      unblocked: event('Repository Unblocked', { version: '1', trigger: 'automatic' }),
      refused: event('Block Refused', { version: '1', reasonCode: 'below-threshold' }),
      'new-critical': imported(1),
      'new-high-only': imported(0),
      'blocked-elsewhere': event('Repository Blocked', { version: '1' }, { account: '444455556666' }),
      'blocked-by-someone-else': event(
        'Repository Blocked',
        { version: '1' },
        { source: 'acme.ecr-compliance' },
      ),
    };
    let result: Record<string, string[]>;
    beforeAll(() => {
      const rules = resolvedPatterns(template, env);
      const names = Object.fromEntries(
        Object.keys(rules).map((logicalId) => [logicalId, logicalId.replace(/[0-9A-F]{8}$/, '')]),
      );
      result = Object.fromEntries(
        Object.entries(matchWithEventRuler(rules, events)).map(([name, matched]) => [
          name,
          matched.map((logicalId) => names[logicalId] ?? logicalId).sort(),
        ]),
      );
    });

    it.each([
      ['blocked', ['EcrComplianceNotificationsRepositoryBlockedRule']],
      ['unblocked', ['EcrComplianceNotificationsRepositoryUnblockedRule']],
      ['refused', []],
      ['new-critical', ['EcrComplianceNotificationsNewCriticalFindingsRule']],
      ['new-high-only', []],
      ['blocked-elsewhere', []],
      ['blocked-by-someone-else', []],
    ])('deliver %s to %j', (name, rules) => {
      expect(result[name]).toEqual(rules);
    });
  });
});

describe('compliance with notifications on', () => {
  it('reports no open cdk-nag finding', () => {
    const report = JSON.parse(readFileSync(join(synthesized.outdir, 'validation-report.json'), 'utf8'));
    const open = report.pluginReports.flatMap((plugin: any) =>
      plugin.violations.map((v: any) => `${plugin.pluginName} ${v.severity} ${v.ruleName}`),
    );
    expect(open).toEqual([]);
  });

  it('passes cfn-lint', () => {
    expect(withoutDependsOnWarning(cfnLint(synthesized.templatePath).findings)).toEqual([]);
  });
});

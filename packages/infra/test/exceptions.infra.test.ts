import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SecurityHubExceptionFindings } from '@ecr-compliance/adapters-aws';
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  EcrContinuousCompliance,
  type EcrContinuousComplianceProps,
  EXCEPTION_WORKFLOW_DENIED_FIELDS,
} from '../src/index.js';
import { cfnLint, errorsOf } from './support/cfnLint.js';
import { type Synthesized, synthesizeInThisFile } from './support/synth.js';
import { policyStatements, resourcesOfType } from './support/template.js';

const synthesizeHere = synthesizeInThisFile();
const synth = (props: EcrContinuousComplianceProps, nag = false): Synthesized =>
  synthesizeHere({ nag, props });

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}
const actions = (s: Statement) => [s.Action].flat();
function logicalId(s: Synthesized, path: string): string {
  let node = s.stack.compliance.node;
  for (const part of path.split('/')) node = node.findChild(part).node;
  const element = node.defaultChild instanceof CfnElement ? node.defaultChild : undefined;
  if (!element) throw new Error(`${path} has no CloudFormation resource`);
  return s.stack.getLogicalId(element);
}
const statementsOf = (s: Synthesized, rolePath: string) =>
  policyStatements(s.template, logicalId(s, rolePath)) as Statement[];

describe('exceptions in the template', () => {
  const s = synth({ exceptions: {}, autoRemediation: true, autoUnblock: true });

  it('are off unless asked for: no table, no schedule', () => {
    const off = synth({});
    // The idempotency table and the state of record only.
    expect(resourcesOfType(off.template, 'AWS::DynamoDB::Table')).toHaveLength(2);
    expect(off.stack.compliance.exceptions).toBeUndefined();
    expect(JSON.stringify(off.json)).not.toContain('EXCEPTIONS_TABLE_NAME');
  });

  it('create a table encrypted with a rotated customer managed key, with point-in-time recovery and deletion protection', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: Match.anyValue() },
      DeletionProtectionEnabled: true,
    });
    s.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('run the expiry daily at 06:00 UTC, with a dead-letter queue the alarm watches', () => {
    s.template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      State: 'ENABLED',
      Targets: [
        Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: { MaximumRetryAttempts: 2 } }),
      ],
    });
    const alarm = resourcesOfType(s.template, 'AWS::CloudWatch::Alarm')[0];
    expect(JSON.stringify(alarm?.Properties)).toContain('exceptionSchedule');
  });

  it('publish the longest expiry as a tag of the table, for the command line', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      Tags: Match.arrayWith([{ Key: 'ecr-compliance:max-expiry-days', Value: '90' }]),
    });
    synth({ exceptions: { maxExpiryDays: 30 } }).template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      Tags: Match.arrayWith([{ Key: 'ecr-compliance:max-expiry-days', Value: '30' }]),
    });
  });

  it("send Amazon Inspector's arriving NEW findings of ECR images to the schedule function", () => {
    const rule = s.stack.compliance.exceptions?.inspectorFindingRule;
    expect(rule).toBeDefined();
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.securityhub'],
        'detail-type': ['Security Hub Findings - Imported'],
        detail: {
          findings: {
            ProductArn: [
              {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':securityhub:',
                    { Ref: 'AWS::Region' },
                    '::product/aws/inspector',
                  ],
                ],
              },
            ],
            RecordState: ['ACTIVE'],
            Workflow: { Status: ['NEW'] },
            Resources: { Type: ['AwsEcrContainerImage'] },
          },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(s, 'OnExceptionSchedule'), 'Arn'] },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
  });

  it('give the schedule function only what it calls', () => {
    const statements = statementsOf(s, 'OnExceptionScheduleRole');
    const allowed = statements
      .filter((x) => x.Effect === 'Allow')
      .flatMap(actions)
      .sort();
    expect(allowed).toEqual(
      [
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:Scan',
        'dynamodb:UpdateItem',
        'ecr:DescribeImageScanFindings',
        'events:PutEvents',
        'inspector2:ListFindings',
        'kms:Decrypt',
        'kms:Encrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'securityhub:BatchImportFindings',
        'securityhub:BatchUpdateFindings',
        'securityhub:GetFindings',
        'sqs:SendMessage',
      ].sort(),
    );
    const putEvents = statements.find((x) => actions(x).includes('events:PutEvents'));
    expect(JSON.stringify(putEvents?.Resource)).toContain(':event-bus/default');
    expect(JSON.stringify(statements.find((x) => actions(x).includes('dynamodb:Scan'))?.Resource)).toContain(
      'Table',
    );
  });

  it('let the scan function read exceptions and write only the exception workflow; remediation only reads', () => {
    const scan = statementsOf(s, 'OnImageScanRole');
    expect(scan.some((x) => actions(x).includes('dynamodb:Scan'))).toBe(true);
    expect(
      scan.some((x) => x.Effect === 'Allow' && actions(x).includes('securityhub:BatchUpdateFindings')),
    ).toBe(true);
    const remediation = statementsOf(s, 'OnFindingImportedRole');
    expect(
      remediation
        .filter((x) =>
          actions(x).some(
            (a) =>
              a.startsWith('dynamodb:') &&
              a !== 'dynamodb:GetItem' &&
              a !== 'dynamodb:PutItem' &&
              a !== 'dynamodb:UpdateItem' &&
              a !== 'dynamodb:DeleteItem',
          ),
        )
        .flatMap(actions),
    ).toEqual(['dynamodb:Scan']);
    const fn = (path: string) =>
      resourcesOfType(s.template, 'AWS::Lambda::Function').find((f) =>
        JSON.stringify(f.Properties.Role).includes(logicalId(s, path)),
      );
    for (const path of ['OnImageScanRole', 'OnFindingImportedRole']) {
      const env = (fn(path)?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)
        ?.Variables;
      expect(env).toBeDefined();
      expect(env?.EXCEPTIONS_TABLE_NAME).toEqual({ Ref: expect.stringMatching(/ExceptionsTable/) });
      expect(env?.MAX_EXCEPTION_DAYS).toBe('90');
    }
    expect(JSON.stringify(statementsOf(s, 'OnCustomActionRole'))).not.toContain('dynamodb:Scan');
  });

  /** The ASFF field paths of a request, as condition keys name them. */
  function fieldPaths(input: Record<string, unknown>, prefix = ''): string[] {
    return Object.entries(input).flatMap(([key, value]) => {
      if (prefix === '' && key === 'FindingIdentifiers') return [];
      const path = `${prefix}${key}`;
      if (path === 'UserDefinedFields') return [path];
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? [path, ...fieldPaths(value as Record<string, unknown>, `${path}.`)]
        : [path];
    });
  }
  /** The Deny statements of the grant that apply to a request (Null "false" on a present key, StringNotEquals on its value). */
  function deniedBy(statements: Statement[], request: Record<string, unknown>): number {
    const paths = new Set(fieldPaths(request).map((p) => `securityhub:ASFFSyntaxPath/${p}`));
    const status = (request.Workflow as { Status?: string } | undefined)?.Status;
    return statements
      .filter((x) => x.Effect === 'Deny' && x.Action === 'securityhub:BatchUpdateFindings')
      .filter((x) => {
        const nulls = Object.entries(x.Condition?.Null ?? {});
        const present = nulls.every(([key, value]) => value === 'false' && paths.has(key));
        const notEquals = x.Condition?.StringNotEquals as Record<string, string[]> | undefined;
        if (!notEquals) return present;
        return present && status !== undefined && !Object.values(notEquals)[0]?.includes(status);
      }).length;
  }
  async function workflowRequests(): Promise<Record<string, unknown>[]> {
    const sent: Record<string, unknown>[] = [];
    const client = {
      send: async (c: { input: Record<string, unknown> }) => {
        sent.push(c.input);
        return { UnprocessedFindings: [] };
      },
    } as unknown as SecurityHubClient;
    const findings = new SecurityHubExceptionFindings({ client, region: 'us-east-1' });
    const finding = {
      id: 'f',
      productArn: 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default',
    };
    await findings.apply([
      { finding, status: 'SUPPRESSED', exceptionId: 'exc-1', note: 'Suppressed by exception exc-1' },
      {
        finding: { ...finding, id: 'g' },
        status: 'NEW',
        exceptionId: 'exc-1',
        note: 'Exception exc-1 expired',
      },
    ]);
    return sent;
  }

  it('deny every BatchUpdateFindings field but Workflow.Status, Note and UserDefinedFields, and every status but SUPPRESSED and NEW', async () => {
    for (const path of ['OnImageScanRole', 'OnExceptionScheduleRole']) {
      const statements = statementsOf(s, path);
      const nulls = statements
        .filter((x) => x.Effect === 'Deny' && !x.Condition?.StringNotEquals)
        .map((x) => Object.keys(x.Condition?.Null ?? {})[0]);
      expect(nulls).toEqual(EXCEPTION_WORKFLOW_DENIED_FIELDS.map((f) => `securityhub:ASFFSyntaxPath/${f}`));
      for (const request of await workflowRequests()) {
        expect(
          fieldPaths(request)
            .filter((p) => p !== 'Note' && p !== 'Workflow')
            .sort(),
        ).toEqual(['Note.Text', 'Note.UpdatedBy', 'UserDefinedFields', 'Workflow.Status']);
        expect(deniedBy(statements, request)).toBe(0);
      }
      const [suppress = {}] = await workflowRequests();
      expect(deniedBy(statements, { ...suppress, Workflow: { Status: 'RESOLVED' } })).toBe(1);
      expect(deniedBy(statements, { ...suppress, Severity: { Label: 'LOW' } })).toBeGreaterThan(0);
      expect(deniedBy(statements, { ...suppress, VerificationState: 'FALSE_POSITIVE' })).toBe(1);
    }
  });

  it('keep cdk-nag and cfn-lint clean', () => {
    const nagged = synth({ exceptions: { maxExpiryDays: 30 }, autoRemediation: true }, true);
    const report = JSON.parse(readFileSync(join(nagged.outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { violations: { ruleName: string }[] }[];
    };
    expect(report.pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName))).toEqual([]);
    expect(errorsOf(cfnLint(nagged.templatePath).findings)).toEqual([]);
  });

  it.each([0, 400, 12.5])('refuse maxExpiryDays %s before anything joins the tree', (maxExpiryDays) => {
    const stack = new Stack(new App(), 'Invalid');
    expect(
      () => new EcrContinuousCompliance(stack, 'EcrCompliance', { exceptions: { maxExpiryDays } }),
    ).toThrow(
      `EcrContinuousCompliance: invalid exceptions.maxExpiryDays: must be a whole number of days from 1 to 366, got ${maxExpiryDays}`,
    );
    expect(stack.node.children).toHaveLength(0);
  });
});

describe('the schedule handler bundle', () => {
  it('builds with esbuild like the other handlers', () => {
    const s = synthesizeHere({ props: { exceptions: {} } });
    const fn = resourcesOfType(s.template, 'AWS::Lambda::Function').find((f) =>
      String(f.Properties.Description).includes('daily'),
    );
    expect(fn?.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
    });
    const asset = JSON.stringify(fn?.Properties.Code);
    expect(asset).toContain('S3Key');
  }, 120_000);
});

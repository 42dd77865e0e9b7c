/**
 * Exceptions that expire, as the construct deploys them (opt-in with the `exceptions` prop): the
 * encrypted exceptions table, the daily schedule and its function, and the grants the scan and
 * remediation functions need to read exceptions and to suppress the findings they cover.
 */
import { MAX_EXPIRY_DAYS_TAG, resolveMaxExceptionDays } from '@ecr-compliance/core';
import { Aws, Duration, type RemovalPolicy, Tags, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Effect, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IDestination, Function as LambdaFn } from 'aws-cdk-lib/aws-lambda';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { InvalidPropsError } from './errors.js';
import { DENIED_FINDING_FIELDS } from './grants.js';
import type { FunctionOptions } from './handlers.js';

/** Options of exceptions (the construct's `exceptions` prop). */
export interface ExceptionsOptions {
  /**
   * The longest an exception may last, in whole days from 1 to 366. The table carries it as the
   * tag `ecr-compliance:max-expiry-days`, which the command line reads to refuse a longer one, and
   * the functions ignore a record that lasts longer (one written into the table around the command
   * line suppresses nothing).
   *
   * @default 90
   */
  readonly maxExpiryDays?: number;
  /**
   * When the daily expiry runs (UTC).
   *
   * @default Schedule.cron({ minute: '0', hour: '6' }) (06:00 UTC every day)
   */
  readonly schedule?: Schedule;
}

/**
 * Checks the `exceptions` prop: the construct calls it before it joins the tree, so a refused
 * setting leaves nothing half-built.
 *
 * @returns the longest expiry in days
 * @throws InvalidPropsError naming `exceptions.maxExpiryDays`
 */
export function resolveExceptionsOptions(options: ExceptionsOptions): number {
  try {
    return resolveMaxExceptionDays(options.maxExpiryDays, 'exceptions.maxExpiryDays');
  } catch (error) {
    throw new InvalidPropsError(
      'exceptions.maxExpiryDays',
      (error as Error).message.replace(/^exceptions\.maxExpiryDays: /, ''),
    );
  }
}

/**
 * The fields the exception workflow writes with BatchUpdateFindings: the workflow status (only
 * SUPPRESSED and NEW), the note and UserDefinedFields. Every other customer field is denied.
 */
export const EXCEPTION_WORKFLOW_DENIED_FIELDS = DENIED_FINDING_FIELDS.filter(
  (f) => f !== 'Workflow' && f !== 'Workflow.Status',
);

/**
 * `securityhub:BatchUpdateFindings` as the exception workflow needs it: allowed on the account's
 * hub; denied when a request sets any other field than Workflow.Status, Note and UserDefinedFields,
 * and denied when it sets a status other than SUPPRESSED or NEW (so it can neither resolve a
 * finding nor mark it notified).
 */
export function exceptionWorkflowStatements(hubArn: string): PolicyStatement[] {
  const key = (field: string) => `securityhub:ASFFSyntaxPath/${field}`;
  return [
    new PolicyStatement({ actions: ['securityhub:BatchUpdateFindings'], resources: [hubArn] }),
    ...EXCEPTION_WORKFLOW_DENIED_FIELDS.map(
      (field) =>
        new PolicyStatement({
          effect: Effect.DENY,
          actions: ['securityhub:BatchUpdateFindings'],
          resources: ['*'],
          conditions: { Null: { [key(field)]: 'false' } },
        }),
    ),
    new PolicyStatement({
      effect: Effect.DENY,
      actions: ['securityhub:BatchUpdateFindings'],
      resources: ['*'],
      conditions: {
        Null: { [key('Workflow.Status')]: 'false' },
        StringNotEquals: { [key('Workflow.Status')]: ['SUPPRESSED', 'NEW'] },
      },
    }),
  ];
}

/** How the construct builds a function (its own `lambdaFunction`, from a prebuilt bundle), so that every function is built alike. */
export type MakeFunction = (id: string, options: FunctionOptions) => LambdaFn;

/** What {@link EcrComplianceExceptions} needs from the construct. */
export interface EcrComplianceExceptionsProps {
  readonly options: ExceptionsOptions;
  readonly removalPolicy: RemovalPolicy;
  readonly makeFunction: MakeFunction;
  readonly logGroup: (id: string) => LogGroup;
  readonly deadLetterQueue: Queue;
  readonly onFailure: IDestination;
  readonly runtime: Record<string, string>;
  readonly failureStatement: PolicyStatement;
  readonly blockAction: { readonly id: string; readonly name: string };
  /** Reads exceptions and suppresses the findings of a later scan. */
  readonly onImageScan: LambdaFn;
  /** Reads exceptions (automatic remediation). */
  readonly onFindingImported: LambdaFn | undefined;
  /**
   * The organization shape: the administrator's feed carries every member's Amazon Inspector
   * findings, of every linked Region, so the Inspector rule follows them all.
   */
  readonly organization: boolean;
}

/** The exceptions table, its key, the schedule and its function. */
export class EcrComplianceExceptions extends Construct {
  /** The exceptions, encrypted with {@link key}, with point-in-time recovery. */
  public readonly table: Table;
  /** The customer managed key of the table (rotated yearly). */
  public readonly key: Key;
  /** The daily expiry. */
  public readonly scheduleFunction: LambdaFn;
  public readonly scheduleRule: Rule;
  /**
   * Amazon Inspector's findings of ECR images that arrive NEW and ACTIVE ("Security Hub Findings -
   * Imported") -> {@link scheduleFunction}, which suppresses those an active exception covers.
   */
  public readonly inspectorFindingRule: Rule;
  /** The longest an exception may last, in days. */
  public readonly maxExpiryDays: number;

  constructor(scope: Construct, id: string, props: EcrComplianceExceptionsProps) {
    const maxExpiryDays = resolveExceptionsOptions(props.options);
    super(scope, id);
    this.maxExpiryDays = maxExpiryDays;
    this.key = new Key(this, 'TableKey', {
      description: 'ecr-compliance: encrypts the exceptions table',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      deletionProtection: true,
      removalPolicy: props.removalPolicy,
    });
    // Published for the command line (`exception add` reads it with ListTagsOfResource).
    Tags.of(this.table).add(MAX_EXPIRY_DAYS_TAG, String(maxExpiryDays));
    const arn = (service: string, resource: string) =>
      `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const hub = arn('securityhub', 'hub/default');
    const environment = {
      EXCEPTIONS_TABLE_NAME: this.table.tableName,
      MAX_EXCEPTION_DAYS: String(maxExpiryDays),
    };
    const readTable = new PolicyStatement({ actions: ['dynamodb:Scan'], resources: [this.table.tableArn] });

    const logGroup = props.logGroup('OnExceptionScheduleLogGroup');
    this.scheduleFunction = props.makeFunction('OnExceptionSchedule', {
      handler: 'on-exception-schedule',
      description:
        "ecr-compliance: daily, gives the findings of ended exceptions back to NEW and announces those ending within 7 days; suppresses Inspector's arriving findings an exception covers",
      memorySize: 256,
      timeout: Duration.minutes(10),
      reservedConcurrentExecutions: 1,
      logGroup,
      environment: {
        ...props.runtime,
        ACCOUNT_ID: Aws.ACCOUNT_ID,
        ...environment,
        BLOCK_ACTION_ID: props.blockAction.id,
        BLOCK_ACTION_NAME: props.blockAction.name,
        EVENT_BUS_NAME: 'default',
      },
      statements: [
        props.failureStatement,
        new PolicyStatement({
          actions: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          resources: [this.table.tableArn],
        }),
        new PolicyStatement({ actions: ['securityhub:GetFindings'], resources: [hub] }),
        ...exceptionWorkflowStatements(hub),
        // The image findings count again: re-mapped from ECR's scan and imported.
        new PolicyStatement({
          actions: ['securityhub:BatchImportFindings'],
          resources: [arn('securityhub', `product/${Aws.ACCOUNT_ID}/default`)],
        }),
        new PolicyStatement({
          actions: ['ecr:DescribeImageScanFindings'],
          resources: [arn('ecr', 'repository/*')],
        }),
        new PolicyStatement({ actions: ['inspector2:ListFindings'], resources: ['*'] }),
        new PolicyStatement({
          actions: ['events:PutEvents'],
          resources: [arn('events', 'event-bus/default')],
        }),
      ],
      anyRepository: true,
      onFailure: props.onFailure,
      maxEventAge: Duration.hours(6),
    });
    // DynamoDB encrypts with the table key on the caller's behalf: data keys to write, Decrypt to read.
    this.scheduleFunction.addToRolePolicy(
      new PolicyStatement({
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
      }),
    );
    Validations.of(this.scheduleFunction.role as Role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only inspector2:ListFindings, which DescribeImageScanFindings needs for enhanced scanning: it has no resource type, so no narrower resource exists. It reads findings; it changes nothing.',
    });

    this.scheduleRule = new Rule(this, 'ScheduleRule', {
      description: 'ecr-compliance: daily expiry of exceptions',
      schedule: props.options.schedule ?? Schedule.cron({ minute: '0', hour: '6' }),
      targets: [
        new LambdaFunction(this.scheduleFunction, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });

    // Amazon Inspector imports its findings itself: the moment one arrives in Security Hub is the
    // moment to suppress it (its "Inspector2 Scan" event may come before the findings, and the
    // rescans of continuous scanning send none). Only NEW ones: the event of the suppression
    // itself (SUPPRESSED) does not come back, and a person's later change is left alone.
    const inspector = `arn:${Aws.PARTITION}:securityhub:${props.organization ? '*' : Aws.REGION}::product/aws/inspector`;
    this.inspectorFindingRule = new Rule(this, 'InspectorFindingRule', {
      description:
        'ecr-compliance: an Amazon Inspector finding of an ECR image arrives NEW -> suppress it if an exception covers it',
      eventPattern: {
        source: ['aws.securityhub'],
        detailType: ['Security Hub Findings - Imported'],
        detail: {
          findings: {
            ProductArn: props.organization ? [{ wildcard: inspector }] : [inspector],
            RecordState: ['ACTIVE'],
            Workflow: { Status: ['NEW'] },
            Resources: { Type: ['AwsEcrContainerImage'] },
          },
        },
      },
      targets: [
        new LambdaFunction(this.scheduleFunction, {
          deadLetterQueue: props.deadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    this.grantRead(props.onImageScan, readTable, environment);
    for (const statement of exceptionWorkflowStatements(hub)) props.onImageScan.addToRolePolicy(statement);
    if (props.onFindingImported) this.grantRead(props.onFindingImported, readTable, environment);
  }

  private grantRead(fn: LambdaFn, readTable: PolicyStatement, environment: Record<string, string>): void {
    fn.addToRolePolicy(readTable);
    fn.addToRolePolicy(new PolicyStatement({ actions: ['kms:Decrypt'], resources: [this.key.keyArn] }));
    for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
  }
}

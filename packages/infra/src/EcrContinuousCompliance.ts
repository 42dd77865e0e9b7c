import {
  CENTRAL_FUNCTIONS,
  type CentralFunction,
  centralRoleName,
  observabilityEnvironment,
  onCustomActionEnvironment,
  onFindingImportedEnvironment,
  onImageActionEnvironment,
  onImageScanEnvironment,
} from '@ecr-compliance/adapters-aws/environment';
import { DOMAIN_EVENT_SOURCE } from '@ecr-compliance/core';
import { Annotations, Aws, Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type CompositeAlarm,
  type Dashboard,
  MathExpression,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, type IDestination, Function as LambdaFn, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnActionTarget, type CfnInsight } from 'aws-cdk-lib/aws-securityhub';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Observability } from './dashboard.js';
import {
  type EcrContinuousComplianceProps,
  type ResolvedEcrContinuousComplianceProps,
  resolveProps,
  SEVERITY_THRESHOLDS,
} from './EcrContinuousComplianceProps.js';
import { EcrComplianceExceptions, resolveExceptionsOptions } from './exceptions.js';
import { auditTrailStatements, repositoryPolicyStatements } from './grants.js';
import { builtHandlerBundleDir, type FunctionOptions } from './handlers.js';
import { addInsights, type INSIGHTS } from './insights.js';
import { Notifications } from './notifications.js';
import { centralEventBus, grantMemberAccess } from './organization/centralWiring.js';
import { type ResolvedOrganizationOptions, resolveOrganization } from './organization/OrganizationOptions.js';

/** Powertools service name of the functions. */
export const SERVICE_NAME = 'ecr-compliance';

// Attribute names of Powertools' DynamoDB idempotency persistence layer (its defaults).
const IDEMPOTENCY_KEY = 'id';
const IDEMPOTENCY_TTL = 'expiration';

/**
 * Continuous compliance of the Amazon ECR images of one account and Region.
 *
 * - Every completed basic scan ("ECR Image Scan", scan-status COMPLETE) and every initial enhanced
 *   scan ("Inspector2 Scan", INITIAL_SCAN_COMPLETE) runs `on-image-scan`, which imports the scan's
 *   findings into Security Hub (ASFF, product `<account>/default`) and archives those of the image's
 *   vulnerabilities that the scan no longer reports (read back with GetFindings).
 * - Every successful image deletion ("ECR Image Action", DELETE, SUCCESS) runs `on-image-action`,
 *   which archives the image's findings.
 * - Two Security Hub custom actions (block, unblock) run `on-custom-action`, which adds or removes a
 *   Deny-pull statement in the repository policy of the selected finding's repository. It runs one
 *   invocation at a time (reserved concurrency 1) so that two policy writes never race.
 * - With `autoRemediation` and/or `autoUnblock`, a rule sends this tool's image findings as
 *   Security Hub imports them to `on-finding-imported`, a function of its own (so people's clicks
 *   never wait behind automatic work), which blocks only when ECR's own scan of the image confirms
 *   the finding and releases only when ECR's scans of every image and Amazon Inspector agree.
 * - The functions are idempotent through a DynamoDB table; events EventBridge cannot deliver land in
 *   a dead-letter queue per rule, invocations that fail after Lambda's retries in a failure queue, and
 *   one alarm fires when any of those queues holds a message.
 *
 * @example
 * const stack = new Stack(app, 'Compliance');
 * const compliance = new EcrContinuousCompliance(stack, 'EcrCompliance', {
 *   severityThreshold: 'CRITICAL',
 *   exemptPrincipalArns: [breakGlassRole.roleArn],
 * });
 * compliance.deadLetterAlarm.addAlarmAction(new SnsAction(opsTopic));
 */
export class EcrContinuousCompliance extends Construct {
  /** The settings in effect, with defaults applied. */
  public readonly settings: ResolvedEcrContinuousComplianceProps;
  /** Idempotency records of both functions (Powertools layout: key `id`, TTL `expiration`). */
  public readonly idempotencyTable: Table;
  /**
   * The lifecycle's state of record: per image, the findings imported, their fingerprints, record
   * states and times (keys `pk`, `sk`; TTL `ttl`). See docs/lifecycle.md#the-state-of-record.
   */
  public readonly stateTable: Table;
  /** The custom action that blocks pulls. */
  public readonly blockAction: CfnActionTarget;
  /** The custom action that removes the block. */
  public readonly unblockAction: CfnActionTarget;
  /** The Security Hub insights over this tool's findings (unless `insights` is false). */
  public readonly insights: Record<keyof typeof INSIGHTS, CfnInsight> | undefined;
  /** Imports the findings of a completed scan into Security Hub. */
  public readonly onImageScanFunction: LambdaFn;
  /** Blocks or unblocks pulls from the repository of the selected findings. */
  public readonly onCustomActionFunction: LambdaFn;
  /** Archives the findings of a deleted image. */
  public readonly onImageActionFunction: LambdaFn;
  /**
   * With `autoRemediation` or `autoUnblock`: blocks or releases repositories on imported findings,
   * on the evidence of ECR's scans and Amazon Inspector; otherwise undefined.
   */
  public readonly onFindingImportedFunction: LambdaFn | undefined;
  /** Log group of {@link onFindingImportedFunction}, when there is one. */
  public readonly onFindingImportedLogGroup: LogGroup | undefined;
  /** Events of {@link autoRemediationRule} that EventBridge could not deliver, when there is one. */
  public readonly findingImportedDeadLetterQueue: Queue | undefined;
  /** Log group of {@link onImageScanFunction}. */
  public readonly onImageScanLogGroup: LogGroup;
  /** Log group of {@link onCustomActionFunction}. */
  public readonly onCustomActionLogGroup: LogGroup;
  /** Log group of {@link onImageActionFunction}. */
  public readonly onImageActionLogGroup: LogGroup;
  /** "ECR Image Scan" with scan-status COMPLETE -> {@link onImageScanFunction}. */
  public readonly imageScanRule: Rule;
  /** "Inspector2 Scan" with scan-status INITIAL_SCAN_COMPLETE (enhanced scanning) -> {@link onImageScanFunction}. */
  public readonly enhancedScanRule: Rule;
  /** "Security Hub Findings - Custom Action" of the two actions -> {@link onCustomActionFunction}. */
  public readonly customActionRule: Rule;
  /** "ECR Image Action" with action-type DELETE and result SUCCESS -> {@link onImageActionFunction}. */
  public readonly imageDeleteRule: Rule;
  /**
   * With `autoRemediation` or `autoUnblock`: the rule that sends this tool's image findings as
   * Security Hub imports them ("Security Hub Findings - Imported") to {@link onFindingImportedFunction}
   * (with `autoRemediation` alone, only active ones at or above the threshold); otherwise undefined.
   */
  public readonly autoRemediationRule: Rule | undefined;
  /** Events of {@link imageScanRule} and {@link enhancedScanRule} that EventBridge could not deliver. */
  public readonly imageScanDeadLetterQueue: Queue;
  /** Events of {@link customActionRule} that EventBridge could not deliver. */
  public readonly customActionDeadLetterQueue: Queue;
  /** Events of {@link imageDeleteRule} that EventBridge could not deliver. */
  public readonly imageDeleteDeadLetterQueue: Queue;
  /** Invocations of any function that still failed after Lambda's asynchronous retries. */
  public readonly failedInvocationQueue: Queue;
  /** In alarm while any of the dead-letter and failure queues above holds a message. */
  public readonly deadLetterAlarm: Alarm;
  /** The organization shape's settings, checked; undefined in the single-account shape. */
  public readonly organization: ResolvedOrganizationOptions | undefined;
  /**
   * The organization shape: the bus the member footprint forwards scans and deletions to, which
   * the scan and deletion rules listen on; undefined in the single-account shape (the default bus).
   */
  public readonly centralEventBus: EventBus | undefined;
  /** Exceptions that expire: the table, its key and the daily schedule; undefined without the `exceptions` prop. */
  public readonly exceptions: EcrComplianceExceptions | undefined;
  /** Events of the exception schedule that could not be delivered; undefined without exceptions. */
  public readonly exceptionScheduleDeadLetterQueue: Queue | undefined;
  /** The notification topic and its rules (the `notifications` prop); undefined without it. */
  public readonly notifications: Notifications | undefined;
  /** Dead-letter queue of the notification rules' target; undefined without `notifications`. */
  public readonly notificationDeadLetterQueue: Queue | undefined;
  /** Fires when Security Hub refused findings after the retries. */
  public readonly failedImportsAlarm: Alarm;
  /** Fires when the dead-letter alarm or the failed-imports alarm does. */
  public readonly failureAlarm: CompositeAlarm;
  /** The CloudWatch dashboard; undefined with `dashboard: false`. */
  public readonly dashboard: Dashboard | undefined;

  constructor(scope: Construct, id: string, props: EcrContinuousComplianceProps = {}) {
    // Checked before the construct joins the tree, so a refused setting leaves nothing half-built.
    const settings = resolveProps(props, { region: Stack.of(scope).region });
    const organization = props.organization ? resolveOrganization(props.organization) : undefined;
    if (props.exceptions) resolveExceptionsOptions(props.exceptions);
    super(scope, id);
    this.settings = settings;
    this.organization = organization;
    this.centralEventBus = organization ? centralEventBus(this, organization.organizationId) : undefined;
    if (settings.allowBroadExemptions) {
      const broad = settings.exemptPrincipalArns.filter((arn) => /[*?]/.test(arn));
      Annotations.of(this).addWarningV2(
        'ecr-compliance:broadExemptions',
        broad.length > 0
          ? `allowBroadExemptions is on: every role matching ${broad.join(', ')} keeps pull access to blocked repositories`
          : 'allowBroadExemptions is on, but no exempt principal has a wildcard; turn it off',
      );
    }

    this.idempotencyTable = new Table(this, 'IdempotencyTable', {
      partitionKey: { name: IDEMPOTENCY_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: IDEMPOTENCY_TTL,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: settings.removalPolicy,
    });

    // Read strongly consistent by every scan and deletion; written after Security Hub accepted.
    this.stateTable = new Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      // Archived records leave 30 days after archiving, active ones 90 days after their last
      // update: when Security Hub deletes the findings.
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: settings.removalPolicy,
    });

    this.blockAction = new CfnActionTarget(this, 'BlockAction', settings.blockAction);
    this.unblockAction = new CfnActionTarget(this, 'UnblockAction', settings.unblockAction);
    this.insights = settings.insights ? addInsights(this) : undefined;

    this.imageScanDeadLetterQueue = this.encryptedQueue('ImageScanDeadLetterQueue');
    this.customActionDeadLetterQueue = this.encryptedQueue('CustomActionDeadLetterQueue');
    this.imageDeleteDeadLetterQueue = this.encryptedQueue('ImageDeleteDeadLetterQueue');
    this.failedInvocationQueue = this.encryptedQueue('FailedInvocationQueue');
    // Not SqsDestination: it also grants sqs:GetQueueAttributes and sqs:GetQueueUrl, which Lambda
    // does not need to deliver a failed invocation record.
    const failedQueueArn = this.failedInvocationQueue.queueArn;
    const onFailure: IDestination = { bind: () => ({ destination: failedQueueArn }) };
    const sendFailures = new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [failedQueueArn] });

    // Pseudo parameters rather than Stack.formatArn: the same template is right in any account and
    // Region it is deployed to, even when the app was synthesized with a concrete environment.
    const arn = (service: string, resource: string) =>
      `arn:${Aws.PARTITION}:${service}:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
    const repositories = arn('ecr', 'repository/*');
    const idempotency = new PolicyStatement({
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      resources: [this.idempotencyTable.tableArn],
    });
    // The state's reads (Query, BatchGetItem), its forward-only writes and the per-image lease.
    const stateOfRecord = new PolicyStatement({
      actions: [
        'dynamodb:Query',
        'dynamodb:BatchGetItem',
        'dynamodb:PutItem',
        'dynamodb:BatchWriteItem',
        'dynamodb:DeleteItem',
      ],
      resources: [this.stateTable.tableArn],
    });
    // One place (the single-account shape): one instance at a time, whose limiter then holds the
    // quota. An organization: several places in parallel, each image one run at a time (the lease).
    const importConcurrency = organization ? organization.concurrency : 1;
    const importFindings = new PolicyStatement({
      actions: ['securityhub:BatchImportFindings'],
      resources: [arn('securityhub', `product/${Aws.ACCOUNT_ID}/default`)],
    });
    // GetFindings authorizes on the hub (Service Authorization Reference: resource type `hub`,
    // arn:...:hub/default), not on findings or products: the narrowest resource it accepts.
    const readFindings = new PolicyStatement({
      actions: ['securityhub:GetFindings'],
      resources: [arn('securityhub', 'hub/default')],
    });
    // What Powertools and Node read; the handlers' own settings come from the environment contract
    // (adapters-aws `environment.ts`), which their loaders read back.
    const runtime = {
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_LOG_LEVEL: settings.logLevel,
      NODE_OPTIONS: '--enable-source-maps',
      // The domain events go to this account's default bus, in every shape (docs/events.md).
      ...observabilityEnvironment({ eventBusName: 'default' }),
    };
    const common = { accountId: Aws.ACCOUNT_ID, idempotencyTableName: this.idempotencyTable.tableName };

    this.onImageScanLogGroup = this.logGroup('OnImageScanLogGroup', settings);
    this.onImageScanFunction = this.lambdaFunction('OnImageScan', {
      handler: 'on-image-scan',
      description: 'ecr-compliance: imports the findings of a completed ECR image scan into Security Hub',
      // A scan can carry thousands of findings, imported 100 at a time within Security Hub's quota.
      memorySize: 512,
      timeout: Duration.minutes(5),
      // Single account: one import at a time, so the publisher's client-side limiter holds the
      // account's BatchImportFindings quota (10 requests/s, burst 30) for the whole function; scans
      // pushed together wait in Lambda's event queue (up to maxEventAge). Organization:
      // `organization.concurrency` at once, so that accounts and Regions proceed in parallel.
      reservedConcurrentExecutions: importConcurrency,
      logGroup: this.onImageScanLogGroup,
      environment: {
        ...runtime,
        ...onImageScanEnvironment({
          ...common,
          findingGranularity: settings.findingGranularity,
          enhancedFindingGranularity: settings.enhancedFindingGranularity,
          keepAliveDays: settings.keepAliveDays,
          blockAction: { id: settings.blockAction.id, name: settings.blockAction.name },
          stateTableName: this.stateTable.tableName,
        }),
      },
      statements: [
        idempotency,
        sendFailures,
        stateOfRecord,
        new PolicyStatement({ actions: ['ecr:DescribeImageScanFindings'], resources: [repositories] }),
        // With enhanced scanning, DescribeImageScanFindings reads Amazon Inspector's findings with
        // the caller's permissions (ECR user guide, "IAM permissions required for enhanced
        // scanning"). ListFindings has no resource type, so "*" is the only resource it accepts.
        new PolicyStatement({ actions: ['inspector2:ListFindings'], resources: ['*'] }),
        importFindings,
        readFindings,
        // Is the repository blocked? An image finding a scan creates there carries the block mark.
        new PolicyStatement({ actions: ['ecr:GetRepositoryPolicy'], resources: [repositories] }),
      ],
      anyRepository: true,
      onFailure,
      maxEventAge: Duration.hours(6),
    });

    Validations.of(this.onImageScanFunction.role as Role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only inspector2:ListFindings, which DescribeImageScanFindings needs for enhanced scanning: it has no resource type in the Service Authorization Reference, so no narrower resource exists. It reads findings; it changes nothing.',
    });

    this.onCustomActionLogGroup = this.logGroup('OnCustomActionLogGroup', settings);
    this.onCustomActionFunction = this.lambdaFunction('OnCustomAction', {
      handler: 'on-custom-action',
      description:
        'ecr-compliance: blocks or unblocks pulls from the ECR repository of a Security Hub finding',
      memorySize: 256,
      timeout: Duration.minutes(1),
      // One policy writer at a time: two read-modify-write cycles on one repository policy must not race.
      reservedConcurrentExecutions: 1,
      logGroup: this.onCustomActionLogGroup,
      environment: {
        ...runtime,
        ...onCustomActionEnvironment({
          ...common,
          blockActionArn: this.blockAction.attrActionTargetArn,
          unblockActionArn: this.unblockAction.attrActionTargetArn,
          severityThreshold: settings.severityThreshold,
          exemptPrincipalArns: settings.exemptPrincipalArns,
          allowBroadExemptions: settings.allowBroadExemptions,
        }),
      },
      statements: [
        idempotency,
        sendFailures,
        ...repositoryPolicyStatements(
          (name) => arn('ecr', `repository/${name}`),
          settings.blockableRepositories,
        ),
        ...auditTrailStatements(arn('securityhub', 'hub/default')),
        // The block mark: the repository's image findings are read, then marked through the
        // audit trail's BatchUpdateFindings (UserDefinedFields only).
        readFindings,
      ],
      anyRepository: true,
      onFailure,
      // Twenty selected findings arrive as twenty events; with one instance the rest are throttled and
      // wait in Lambda's queue, so allow them the time.
      maxEventAge: Duration.hours(1),
    });

    const blockable = settings.blockableRepositories;
    if (blockable.kind === 'namePrefixes') {
      for (const prefix of blockable.prefixes)
        Validations.of(this.onCustomActionFunction.role as Role).acknowledge({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/${prefix}*]`,
          reason:
            'blockableRepositories.namePrefixes: the repository policy may be written only for repositories whose name begins with this prefix, the narrowest scope the setting asks for.',
        });
    }

    this.onImageActionLogGroup = this.logGroup('OnImageActionLogGroup', settings);
    this.onImageActionFunction = this.lambdaFunction('OnImageAction', {
      handler: 'on-image-action',
      description: 'ecr-compliance: archives the Security Hub findings of a deleted ECR image',
      memorySize: 256,
      timeout: Duration.minutes(5),
      // As on-image-scan: one at a time for one place, so that its limiters hold the quotas for the
      // function (a batch delete sends one event per image); in parallel across an organization.
      reservedConcurrentExecutions: importConcurrency,
      logGroup: this.onImageActionLogGroup,
      environment: {
        ...runtime,
        ...onImageActionEnvironment({ ...common, stateTableName: this.stateTable.tableName }),
      },
      statements: [idempotency, sendFailures, stateOfRecord, importFindings, readFindings],
      anyRepository: false,
      onFailure,
      maxEventAge: Duration.hours(6),
    });

    this.imageScanRule = new Rule(this, 'ImageScanRule', {
      description: 'ecr-compliance: a completed ECR basic scan -> import its findings into Security Hub',
      ...this.onCentralBus(),
      eventPattern: {
        source: ['aws.ecr'],
        detailType: ['ECR Image Scan'],
        detail: { 'scan-status': ['COMPLETE'] },
      },
      targets: [
        new LambdaFunction(this.onImageScanFunction, {
          deadLetterQueue: this.imageScanDeadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    // Enhanced scanning sends no "ECR Image Scan": Amazon Inspector's "Inspector2 Scan" says the
    // initial scan of an image is complete (AWS-FACTS §1.5), and the same function reads it.
    this.enhancedScanRule = new Rule(this, 'EnhancedScanRule', {
      description:
        'ecr-compliance: a completed initial enhanced scan (Amazon Inspector) -> import its findings into Security Hub',
      ...this.onCentralBus(),
      eventPattern: {
        source: ['aws.inspector2'],
        detailType: ['Inspector2 Scan'],
        detail: { 'scan-status': ['INITIAL_SCAN_COMPLETE'] },
      },
      targets: [
        new LambdaFunction(this.onImageScanFunction, {
          deadLetterQueue: this.imageScanDeadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    this.customActionRule = new Rule(this, 'CustomActionRule', {
      description:
        'ecr-compliance: the block or unblock Security Hub custom action -> change the repository policy',
      eventPattern: {
        source: ['aws.securityhub'],
        detailType: ['Security Hub Findings - Custom Action'],
        resources: [this.blockAction.attrActionTargetArn, this.unblockAction.attrActionTargetArn],
      },
      targets: [
        new LambdaFunction(this.onCustomActionFunction, {
          deadLetterQueue: this.customActionDeadLetterQueue,
          // A person clicked: act within the hour or leave it to the dead-letter queue and the alarm.
          retryAttempts: 185,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    this.imageDeleteRule = new Rule(this, 'ImageDeleteRule', {
      description: 'ecr-compliance: an ECR image deleted -> archive its findings in Security Hub',
      ...this.onCentralBus(),
      eventPattern: {
        source: ['aws.ecr'],
        detailType: ['ECR Image Action'],
        detail: { 'action-type': ['DELETE'], result: ['SUCCESS'] },
      },
      targets: [
        new LambdaFunction(this.onImageActionFunction, {
          deadLetterQueue: this.imageDeleteDeadLetterQueue,
          retryAttempts: 185,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });

    // One event per scan: only the image finding (GeneratorId ecr-compliance/<scanner>/image) of
    // this account's default product. For automatic blocking alone, only active ones at or above
    // the threshold; automatic unblock needs the others too (archived, lowered, suppressed), and the
    // function decides on the evidence. The audit note on a finding makes Security Hub emit the event
    // again; the function then finds the policy unchanged and writes no note, which ends that loop.
    const automatic = settings.autoRemediation || settings.autoUnblock;
    this.onFindingImportedLogGroup = automatic
      ? this.logGroup('OnFindingImportedLogGroup', settings)
      : undefined;
    this.findingImportedDeadLetterQueue = automatic
      ? this.encryptedQueue('FindingImportedDeadLetterQueue')
      : undefined;
    this.onFindingImportedFunction = this.onFindingImportedLogGroup
      ? this.lambdaFunction('OnFindingImported', {
          handler: 'on-finding-imported',
          description:
            "ecr-compliance: blocks or releases an ECR repository on imported findings, on the evidence of ECR's scans",
          // A release verifies up to 1,000 images, one DescribeImageScanFindings each.
          memorySize: 512,
          timeout: Duration.minutes(5),
          // One policy writer of its own at a time; people's clicks run in on-custom-action.
          reservedConcurrentExecutions: 1,
          logGroup: this.onFindingImportedLogGroup,
          environment: {
            ...runtime,
            ...onFindingImportedEnvironment({
              ...common,
              severityThreshold: settings.severityThreshold,
              exemptPrincipalArns: settings.exemptPrincipalArns,
              allowBroadExemptions: settings.allowBroadExemptions,
              autoRemediation: settings.autoRemediation,
              autoUnblock: settings.autoUnblock,
            }),
          },
          statements: [
            idempotency,
            sendFailures,
            // ECR's own scan of an image: the evidence of a block and of a release.
            new PolicyStatement({ actions: ['ecr:DescribeImageScanFindings'], resources: [repositories] }),
            // DescribeImageScanFindings reads Amazon Inspector's findings with the caller's
            // permissions for enhanced scanning; ListFindings has no resource type.
            new PolicyStatement({ actions: ['inspector2:ListFindings'], resources: ['*'] }),
            // The policy writes, within the same scope as people's clicks (blockableRepositories);
            // only a release deletes a policy.
            ...repositoryPolicyStatements(
              (name) => arn('ecr', `repository/${name}`),
              settings.blockableRepositories,
              { delete: settings.autoUnblock },
            ),
            // The audit note on the triggering finding and the block mark, and no other field.
            ...auditTrailStatements(arn('securityhub', 'hub/default')),
            // The block mark reads the repository's image findings; a release also reads the
            // findings that may hold the block.
            readFindings,
            // A release reads the images the repository holds.
            ...(settings.autoUnblock
              ? [new PolicyStatement({ actions: ['ecr:ListImages'], resources: [repositories] })]
              : []),
          ],
          anyRepository: true,
          onFailure,
          maxEventAge: Duration.hours(6),
        })
      : undefined;
    if (this.onFindingImportedFunction) {
      Validations.of(this.onFindingImportedFunction.role as Role).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only inspector2:ListFindings, which DescribeImageScanFindings needs for enhanced scanning: it has no resource type in the Service Authorization Reference, so no narrower resource exists. It reads findings; it changes nothing.',
      });
      if (blockable.kind === 'namePrefixes') {
        for (const prefix of blockable.prefixes)
          Validations.of(this.onFindingImportedFunction.role as Role).acknowledge({
            id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/${prefix}*]`,
            reason:
              'blockableRepositories.namePrefixes: the repository policy may be written only for repositories whose name begins with this prefix, the narrowest scope the setting asks for.',
          });
      }
    }
    this.autoRemediationRule =
      this.onFindingImportedFunction && this.findingImportedDeadLetterQueue
        ? new Rule(this, 'AutoRemediationRule', {
            description: settings.autoUnblock
              ? 'ecr-compliance: an image finding imported -> block or unblock its repository (automatic remediation)'
              : 'ecr-compliance: an active image finding at or above the threshold -> block its repository (automatic remediation)',
            eventPattern: {
              source: ['aws.securityhub'],
              detailType: ['Security Hub Findings - Imported'],
              detail: {
                findings: {
                  // The organization shape: the administrator's feed, with every member's findings.
                  ProductArn: organization
                    ? [{ wildcard: `arn:${Aws.PARTITION}:securityhub:*:*:product/*/default` }]
                    : [arn('securityhub', `product/${Aws.ACCOUNT_ID}/default`)],
                  GeneratorId: [{ wildcard: 'ecr-compliance/*/image' }],
                  ...(settings.autoUnblock
                    ? {}
                    : {
                        RecordState: ['ACTIVE'],
                        Severity: {
                          Label: SEVERITY_THRESHOLDS.slice(
                            SEVERITY_THRESHOLDS.indexOf(settings.severityThreshold),
                          ),
                        },
                      }),
                },
              },
            },
            targets: [
              new LambdaFunction(this.onFindingImportedFunction, {
                deadLetterQueue: this.findingImportedDeadLetterQueue,
                retryAttempts: 185,
                maxEventAge: Duration.hours(24),
              }),
            ],
          })
        : undefined;

    this.exceptionScheduleDeadLetterQueue = props.exceptions
      ? this.encryptedQueue('ExceptionScheduleDeadLetterQueue')
      : undefined;
    this.exceptions =
      props.exceptions && this.exceptionScheduleDeadLetterQueue
        ? new EcrComplianceExceptions(this, 'Exceptions', {
            options: props.exceptions,
            removalPolicy: settings.removalPolicy,
            makeFunction: (fnId, options) => this.lambdaFunction(fnId, options),
            logGroup: (groupId) => this.logGroup(groupId, settings),
            deadLetterQueue: this.exceptionScheduleDeadLetterQueue,
            onFailure,
            runtime,
            failureStatement: sendFailures,
            blockAction: settings.blockAction,
            onImageScan: this.onImageScanFunction,
            onFindingImported: this.onFindingImportedFunction,
            organization: organization !== undefined,
          })
        : undefined;

    if (organization) {
      grantMemberAccess(this.onImageScanFunction, 'OnImageScan', organization);
      grantMemberAccess(this.onImageActionFunction, 'OnImageAction', organization);
      grantMemberAccess(this.onCustomActionFunction, 'OnCustomAction', organization);
      if (this.onFindingImportedFunction)
        grantMemberAccess(this.onFindingImportedFunction, 'OnFindingImported', organization);
    }

    // The domain events: PutEvents on the default bus only, and only with this tool's source.
    const putEvents = new PolicyStatement({
      actions: ['events:PutEvents'],
      resources: [arn('events', 'event-bus/default')],
      conditions: { StringEquals: { 'events:source': DOMAIN_EVENT_SOURCE } },
    });
    const functions = {
      onImageScan: this.onImageScanFunction,
      onCustomAction: this.onCustomActionFunction,
      onImageAction: this.onImageActionFunction,
      ...(this.onFindingImportedFunction ? { onFindingImported: this.onFindingImportedFunction } : {}),
    };
    for (const fn of Object.values(functions)) fn.addToRolePolicy(putEvents);
    // The exception schedule has its own grant (its "Exception Expiring" notices); the dashboard shows it too.
    const dashboardFunctions = {
      ...functions,
      ...(this.exceptions ? { onExceptionSchedule: this.exceptions.scheduleFunction } : {}),
    };
    this.notificationDeadLetterQueue = props.notifications
      ? this.encryptedQueue('NotificationDeadLetterQueue')
      : undefined;
    this.notifications = this.notificationDeadLetterQueue
      ? new Notifications(
          this,
          'Notifications',
          props.notifications === true || !props.notifications ? {} : props.notifications,
          this.notificationDeadLetterQueue,
        )
      : undefined;

    const queues = {
      imageScan: this.imageScanDeadLetterQueue,
      customAction: this.customActionDeadLetterQueue,
      imageDelete: this.imageDeleteDeadLetterQueue,
      ...(this.findingImportedDeadLetterQueue
        ? { findingImported: this.findingImportedDeadLetterQueue }
        : {}),
      ...(this.exceptionScheduleDeadLetterQueue
        ? { exceptionSchedule: this.exceptionScheduleDeadLetterQueue }
        : {}),
      ...(this.notificationDeadLetterQueue ? { notification: this.notificationDeadLetterQueue } : {}),
      failed: this.failedInvocationQueue,
    };
    this.deadLetterAlarm = new Alarm(this, 'DeadLetterAlarm', {
      alarmDescription:
        'ecr-compliance: an event or invocation failed for good; its message waits in a dead-letter or failure queue',
      metric: new MathExpression({
        label: 'Messages waiting in the dead-letter and failure queues',
        expression: Object.keys(queues).join(' + '),
        usingMetrics: Object.fromEntries(
          Object.entries(queues).map(([key, queue]) => [
            key,
            queue.metricApproximateNumberOfMessagesVisible({
              statistic: 'Maximum',
              period: Duration.minutes(5),
            }),
          ]),
        ),
        period: Duration.minutes(5),
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const observability = new Observability(this, 'Observability', {
      functions: dashboardFunctions,
      queues,
      deadLetterAlarm: this.deadLetterAlarm,
      dashboard: props.dashboard ?? true,
    });
    this.failedImportsAlarm = observability.failedImportsAlarm;
    this.failureAlarm = observability.failureAlarm;
    this.dashboard = observability.dashboard;
  }

  /** The organization shape's rules listen on the central bus; the single-account shape's on the default bus. */
  private onCentralBus(): { eventBus?: EventBus } {
    return this.centralEventBus ? { eventBus: this.centralEventBus } : {};
  }

  private encryptedQueue(id: string): Queue {
    const queue = new Queue(this, id, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        'This queue is the end of the line: an EventBridge target dead-letter queue or a Lambda on-failure destination, watched by the dead-letter alarm.',
    });
    return queue;
  }

  private logGroup(id: string, settings: ResolvedEcrContinuousComplianceProps): LogGroup {
    return new LogGroup(this, id, {
      retention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });
  }

  private lambdaFunction(id: string, options: FunctionOptions): LambdaFn {
    const role = new Role(this, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `ecr-compliance: execution role of ${id}`,
      // The organization shape names the roles, so that the member roles can trust them by ARN.
      ...(this.organization && id in CENTRAL_FUNCTIONS
        ? { roleName: centralRoleName(id as CentralFunction) }
        : {}),
    });
    // Instead of AWSLambdaBasicExecutionRole (any log group): only this function's own log group.
    role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [options.logGroup.logGroupArn],
      }),
    );
    for (const statement of options.statements) role.addToPrincipalPolicy(statement);
    // Recorded on the role itself, so an app that embeds this construct and runs cdk-nag inherits it.
    if (options.anyRepository)
      Validations.of(role).acknowledge({
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecr:<AWS::Region>:<AWS::AccountId>:repository/*]',
        reason:
          'The repository is known only when an event arrives: any repository of this account and Region may be scanned or blocked. The actions are only the few this function calls, and no other account or Region is reachable.',
      });
    const fn = new LambdaFn(this, id, {
      // Prebuilt at package build time (scripts/buildBundles.ts), shipped in the package.
      code: Code.fromAsset(builtHandlerBundleDir(options.handler)),
      handler: 'index.handler',
      description: options.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: options.memorySize,
      timeout: options.timeout,
      role,
      logGroup: options.logGroup,
      environment: options.environment,
      ...(options.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: options.reservedConcurrentExecutions }),
      onFailure: options.onFailure,
      // No Lambda-level retry of a failed invocation: the handlers already retry what can clear
      // (the SDK's retries, the publisher's quota-aware retries), so what still fails is either a
      // malformed event or an outage, and goes straight to the failure queue and its alarm instead
      // of running two more times. Throttled invocations are still retried by Lambda.
      retryAttempts: 0,
      maxEventAge: options.maxEventAge,
    });
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the handlers are built (esbuild target node22) and tested for; moving to a newer runtime is a deliberate change, not a default.',
    });
    return fn;
  }
}

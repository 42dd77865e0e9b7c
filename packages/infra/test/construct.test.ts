import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DENIED_FINDING_FIELDS } from '../src/grants.js';
import { DEFAULT_BLOCK_ACTION, DEFAULT_UNBLOCK_ACTION } from '../src/index.js';
import { type Synthesized, synthesize } from './support/synth.js';
import { policyStatements, resourceOfType, resourcesOfType } from './support/template.js';

let synthesized: Synthesized;
let template: Template;

// Asset hashes change with every handler edit; the snapshot is a tripwire for the template's shape.
const HASH = /[0-9a-f]{64}/g;
expect.addSnapshotSerializer({
  test: (value: unknown) => typeof value === 'string' && /[0-9a-f]{64}/.test(value),
  serialize: (value: string) => JSON.stringify(value.replace(HASH, '<asset-hash>')),
});

beforeAll(() => {
  synthesized = synthesize();
  template = synthesized.template;
});
afterAll(() => rmSync(synthesized.outdir, { recursive: true, force: true }));

const ref = (logicalId: string) => ({ Ref: logicalId });
const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const partitionRegionAccount = (service: string, resource: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      `:${service}:`,
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ...resource
        .split('{account}')
        .flatMap((part, index) => (index === 0 ? [part] : [{ Ref: 'AWS::AccountId' }, part])),
    ],
  ],
});

/** What every function's role may do last: put this tool's domain events on the default bus only. */
const PUT_EVENTS = {
  Effect: 'Allow',
  Action: 'events:PutEvents',
  Resource: partitionRegionAccount('events', ':event-bus/default'),
  Condition: { StringEquals: { 'events:source': 'ecr-compliance' } },
};

/** What every function's role has: its own log group, the idempotency table, the failure queue. */
function runtimeStatements(logGroup: string) {
  const id = ids();
  return [
    {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: arnOf(logGroup),
    },
    {
      Effect: 'Allow',
      Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      Resource: arnOf(id.table),
    },
    { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arnOf(id.failedQueue) },
  ];
}

/** The state of record's reads, forward-only writes and lease: on its table only. */
function stateStatement() {
  return {
    Effect: 'Allow',
    Action: [
      'dynamodb:Query',
      'dynamodb:BatchGetItem',
      'dynamodb:PutItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
    ],
    Resource: arnOf(ids().stateTable),
  };
}

/** Logical Ids of the resources the tests refer to, found through the construct (never pinned). */
function ids() {
  const { stack } = synthesized;
  const byPath = (path: string) => {
    const child = stack.compliance.node.findChild(path);
    const element = child instanceof CfnElement ? child : child.node.defaultChild;
    if (!(element instanceof CfnElement)) throw new Error(`${path} has no CloudFormation resource`);
    return stack.getLogicalId(element);
  };
  return {
    table: byPath('IdempotencyTable'),
    stateTable: byPath('StateTable'),
    block: byPath('BlockAction'),
    unblock: byPath('UnblockAction'),
    imageScanFn: byPath('OnImageScan'),
    customActionFn: byPath('OnCustomAction'),
    imageActionFn: byPath('OnImageAction'),
    imageActionRole: byPath('OnImageActionRole'),
    imageActionLogs: byPath('OnImageActionLogGroup'),
    imageDeleteDlq: byPath('ImageDeleteDeadLetterQueue'),
    imageDeleteRule: byPath('ImageDeleteRule'),
    imageScanRole: byPath('OnImageScanRole'),
    customActionRole: byPath('OnCustomActionRole'),
    imageScanLogs: byPath('OnImageScanLogGroup'),
    customActionLogs: byPath('OnCustomActionLogGroup'),
    imageScanDlq: byPath('ImageScanDeadLetterQueue'),
    customActionDlq: byPath('CustomActionDeadLetterQueue'),
    failedQueue: byPath('FailedInvocationQueue'),
    imageScanRule: byPath('ImageScanRule'),
    enhancedScanRule: byPath('EnhancedScanRule'),
    customActionRule: byPath('CustomActionRule'),
  };
}

describe('event rules', () => {
  it('sends completed ECR image scans, and nothing else, to on-image-scan', () => {
    const id = ids();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectEquals({
        source: ['aws.ecr'],
        'detail-type': ['ECR Image Scan'],
        detail: { 'scan-status': ['COMPLETE'] },
      }),
      State: 'ENABLED',
      Targets: [
        {
          Arn: arnOf(id.imageScanFn),
          Id: Match.anyValue(),
          DeadLetterConfig: { Arn: arnOf(id.imageScanDlq) },
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        },
      ],
    });
  });

  it('sends completed initial enhanced scans (Inspector2 Scan), and nothing else, to on-image-scan', () => {
    const id = ids();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectEquals({
        source: ['aws.inspector2'],
        'detail-type': ['Inspector2 Scan'],
        detail: { 'scan-status': ['INITIAL_SCAN_COMPLETE'] },
      }),
      State: 'ENABLED',
      Targets: [
        {
          Arn: arnOf(id.imageScanFn),
          Id: Match.anyValue(),
          DeadLetterConfig: { Arn: arnOf(id.imageScanDlq) },
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        },
      ],
    });
  });

  it('sends successful ECR image deletions, and nothing else, to on-image-action', () => {
    const id = ids();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectEquals({
        source: ['aws.ecr'],
        'detail-type': ['ECR Image Action'],
        detail: { 'action-type': ['DELETE'], result: ['SUCCESS'] },
      }),
      State: 'ENABLED',
      Targets: [
        {
          Arn: arnOf(id.imageActionFn),
          Id: Match.anyValue(),
          DeadLetterConfig: { Arn: arnOf(id.imageDeleteDlq) },
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
        },
      ],
    });
  });

  it('sends the two custom actions, exactly, to on-custom-action', () => {
    const id = ids();
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectEquals({
        source: ['aws.securityhub'],
        'detail-type': ['Security Hub Findings - Custom Action'],
        resources: [
          { 'Fn::GetAtt': [id.block, 'ActionTargetArn'] },
          { 'Fn::GetAtt': [id.unblock, 'ActionTargetArn'] },
        ],
      }),
      State: 'ENABLED',
      Targets: [
        {
          Arn: arnOf(id.customActionFn),
          Id: Match.anyValue(),
          DeadLetterConfig: { Arn: arnOf(id.customActionDlq) },
          RetryPolicy: { MaximumEventAgeInSeconds: 3_600, MaximumRetryAttempts: 185 },
        },
      ],
    });
  });

  it('lets only its own rule invoke each function', () => {
    const id = ids();
    template.resourceCountIs('AWS::Lambda::Permission', 4);
    for (const [fn, rule] of [
      [id.imageScanFn, id.imageScanRule],
      [id.imageScanFn, id.enhancedScanRule],
      [id.customActionFn, id.customActionRule],
      [id.imageActionFn, id.imageDeleteRule],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: arnOf(fn),
        Principal: 'events.amazonaws.com',
        SourceArn: arnOf(rule),
      });
    }
  });
});

describe('automatic remediation', () => {
  it('is off by default: only the two scan rules, the deletion and the custom action rules exist', () => {
    template.resourceCountIs('AWS::Events::Rule', 4);
    expect(synthesized.stack.compliance.autoRemediationRule).toBeUndefined();
  });

  it('sends active image findings at or above the threshold, and nothing else, to the remediation function', () => {
    const auto = synthesize({ props: { autoRemediation: true, severityThreshold: 'HIGH' } });
    try {
      const { stack } = auto;
      const rule = stack.compliance.autoRemediationRule;
      if (!rule) throw new Error('no automatic remediation rule');
      const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
        stack.getLogicalId(construct.node.defaultChild as CfnElement);
      auto.template.resourceCountIs('AWS::Events::Rule', 5);
      auto.template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectEquals({
          source: ['aws.securityhub'],
          'detail-type': ['Security Hub Findings - Imported'],
          detail: {
            findings: {
              ProductArn: [partitionRegionAccount('securityhub', ':product/{account}/default')],
              GeneratorId: [{ wildcard: 'ecr-compliance/*/image' }],
              RecordState: ['ACTIVE'],
              Severity: { Label: ['HIGH', 'CRITICAL'] },
            },
          },
        }),
        Targets: [
          {
            // Its own function and queue: people's clicks (on-custom-action) never wait behind it.
            Arn: arnOf(logicalId(stack.compliance.onFindingImportedFunction as never)),
            Id: Match.anyValue(),
            DeadLetterConfig: {
              Arn: arnOf(logicalId(stack.compliance.findingImportedDeadLetterQueue as never)),
            },
            RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
          },
        ],
      });
      const fn = resourceOfType(
        auto.template,
        'AWS::Lambda::Function',
        logicalId(stack.compliance.onFindingImportedFunction as never),
      );
      expect(fn.Properties).toMatchObject({
        ReservedConcurrentExecutions: 1,
        Timeout: 300,
        Environment: {
          Variables: {
            POWERTOOLS_SERVICE_NAME: 'ecr-compliance',
            POWERTOOLS_LOG_LEVEL: 'INFO',
            IDEMPOTENCY_TABLE_NAME: ref(logicalId(stack.compliance.idempotencyTable)),
            ACCOUNT_ID: ref('AWS::AccountId'),
            NODE_OPTIONS: '--enable-source-maps',
            SEVERITY_THRESHOLD: 'HIGH',
            EXEMPT_PRINCIPAL_ARNS: '',
            AUTO_REMEDIATION: 'true',
            AUTO_UNBLOCK: 'false',
          },
        },
      });
      const role = logicalId(stack.compliance.onFindingImportedFunction?.role as never);
      const logs = logicalId(stack.compliance.onFindingImportedLogGroup as never);
      const failed = logicalId(stack.compliance.failedInvocationQueue);
      const table = logicalId(stack.compliance.idempotencyTable);
      // Exactly what automatic blocking calls: no ListImages, no DeleteRepositoryPolicy; GetFindings
      // on its own hub only for the block mark (the repository's image findings).
      expect(policyStatements(auto.template, role)).toEqual([
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arnOf(logs) },
        {
          Effect: 'Allow',
          Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
          Resource: arnOf(table),
        },
        { Effect: 'Allow', Action: 'sqs:SendMessage', Resource: arnOf(failed) },
        {
          Effect: 'Allow',
          Action: 'ecr:DescribeImageScanFindings',
          Resource: partitionRegionAccount('ecr', ':repository/*'),
        },
        { Effect: 'Allow', Action: 'inspector2:ListFindings', Resource: '*' },
        {
          Effect: 'Allow',
          Action: ['ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy'],
          Resource: partitionRegionAccount('ecr', ':repository/*'),
        },
        {
          Effect: 'Allow',
          Action: 'securityhub:BatchUpdateFindings',
          Resource: partitionRegionAccount('securityhub', ':hub/default'),
        },
        // The audit trail's field guard, as on the click function (grants.test.ts checks each field).
        ...(policyStatements(auto.template, role) as { Effect: string }[]).filter((s) => s.Effect === 'Deny'),
        {
          Effect: 'Allow',
          Action: 'securityhub:GetFindings',
          Resource: partitionRegionAccount('securityhub', ':hub/default'),
        },
        PUT_EVENTS,
      ]);
      expect(
        (policyStatements(auto.template, role) as { Effect: string }[]).filter((s) => s.Effect === 'Deny')
          .length,
      ).toBeGreaterThan(5);
    } finally {
      rmSync(auto.outdir, { recursive: true, force: true });
    }
  });

  it('with automatic unblock, sends every image finding of this tool (one rule) and lets the function read findings and images', () => {
    const auto = synthesize({ props: { autoRemediation: true, autoUnblock: true } });
    try {
      const { stack } = auto;
      const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
        stack.getLogicalId(construct.node.defaultChild as CfnElement);
      auto.template.resourceCountIs('AWS::Events::Rule', 5);
      auto.template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.objectEquals({
          source: ['aws.securityhub'],
          'detail-type': ['Security Hub Findings - Imported'],
          detail: {
            findings: {
              ProductArn: [partitionRegionAccount('securityhub', ':product/{account}/default')],
              GeneratorId: [{ wildcard: 'ecr-compliance/*/image' }],
            },
          },
        }),
        Targets: [
          Match.objectLike({ Arn: arnOf(logicalId(stack.compliance.onFindingImportedFunction as never)) }),
        ],
      });
      auto.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ AUTO_REMEDIATION: 'true', AUTO_UNBLOCK: 'true' }) },
      });
      const role = stack.getLogicalId(
        stack.compliance.onFindingImportedFunction?.role?.node.defaultChild as CfnElement,
      );
      const statements = policyStatements(auto.template, role);
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: ['ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy'],
        Resource: partitionRegionAccount('ecr', ':repository/*'),
      });
      // People's clicks keep only what they call: the reads of automatic unblock are not theirs.
      const clicks = policyStatements(
        auto.template,
        stack.getLogicalId(stack.compliance.onCustomActionFunction.role?.node.defaultChild as CfnElement),
      );
      expect(clicks.flatMap((st) => [(st as { Action: unknown }).Action].flat())).not.toContain(
        'ecr:ListImages',
      );

      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: 'securityhub:GetFindings',
        Resource: partitionRegionAccount('securityhub', ':hub/default'),
      });
      // The images a repository holds: ECR's scan of every one must be below the threshold.
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: 'ecr:ListImages',
        Resource: partitionRegionAccount('ecr', ':repository/*'),
      });
    } finally {
      rmSync(auto.outdir, { recursive: true, force: true });
    }
  });

  it('with automatic unblock alone, still creates the rule, and the function does not block', () => {
    const auto = synthesize({ props: { autoUnblock: true } });
    try {
      expect(auto.stack.compliance.autoRemediationRule).toBeDefined();
      auto.template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ AUTO_REMEDIATION: 'false', AUTO_UNBLOCK: 'true' }) },
      });
    } finally {
      rmSync(auto.outdir, { recursive: true, force: true });
    }
  });
});

describe('Security Hub custom actions', () => {
  it('creates the block (ECR1) and unblock (ECR2) actions', () => {
    template.resourceCountIs('AWS::SecurityHub::ActionTarget', 2);
    for (const action of [DEFAULT_BLOCK_ACTION, DEFAULT_UNBLOCK_ACTION]) {
      template.hasResourceProperties('AWS::SecurityHub::ActionTarget', {
        Id: action.id,
        Name: action.name,
        Description: action.description,
      });
      expect(action.name.length).toBeLessThanOrEqual(19);
    }
    expect([DEFAULT_BLOCK_ACTION.id, DEFAULT_UNBLOCK_ACTION.id]).toEqual(['ECR1', 'ECR2']);
  });
});

describe('functions', () => {
  it('run Node.js 22 on arm64 with their own log group', () => {
    const id = ids();
    for (const [fn, logs] of [
      [id.imageScanFn, id.imageScanLogs],
      [id.customActionFn, id.customActionLogs],
      [id.imageActionFn, id.imageActionLogs],
    ] as const) {
      expect(resourceOfType(template, 'AWS::Lambda::Function', fn).Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        LoggingConfig: { LogGroup: ref(logs) },
      });
    }
    for (const logGroup of resourcesOfType(template, 'AWS::Logs::LogGroup')) {
      expect(logGroup.Properties).toMatchObject({ RetentionInDays: 365 });
      expect(logGroup.DeletionPolicy).toBe('Delete');
    }
  });

  it('give on-image-scan its environment contract', () => {
    const id = ids();
    expect(resourceOfType(template, 'AWS::Lambda::Function', id.imageScanFn).Properties).toMatchObject({
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'ecr-compliance',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          IDEMPOTENCY_TABLE_NAME: ref(id.table),
          ACCOUNT_ID: ref('AWS::AccountId'),
          NODE_OPTIONS: '--enable-source-maps',
          FINDING_GRANULARITY: 'both',
          ENHANCED_FINDING_GRANULARITY: 'image',
          KEEP_ALIVE_DAYS: '30',
          BLOCK_ACTION_ID: 'ECR1',
          BLOCK_ACTION_NAME: 'Block ECR pulls',
        },
      },
    });
  });

  it('give on-custom-action its environment contract, and each function one instance at a time', () => {
    const id = ids();
    const imageScan = resourceOfType(template, 'AWS::Lambda::Function', id.imageScanFn);
    const customAction = resourceOfType(template, 'AWS::Lambda::Function', id.customActionFn);
    expect(customAction.Properties).toMatchObject({
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'ecr-compliance',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          IDEMPOTENCY_TABLE_NAME: ref(id.table),
          ACCOUNT_ID: ref('AWS::AccountId'),
          NODE_OPTIONS: '--enable-source-maps',
          BLOCK_ACTION_ARN: { 'Fn::GetAtt': [id.block, 'ActionTargetArn'] },
          UNBLOCK_ACTION_ARN: { 'Fn::GetAtt': [id.unblock, 'ActionTargetArn'] },
          SEVERITY_THRESHOLD: 'HIGH',
          EXEMPT_PRINCIPAL_ARNS: '',
        },
      },
    });
    // One import at a time too, so that its client-side limiter holds the account's Security Hub quota.
    expect(imageScan.Properties.ReservedConcurrentExecutions).toBe(1);
  });

  it('give on-image-action its environment contract, one instance at a time', () => {
    const id = ids();
    expect(resourceOfType(template, 'AWS::Lambda::Function', id.imageActionFn).Properties).toMatchObject({
      ReservedConcurrentExecutions: 1,
      Environment: {
        Variables: {
          POWERTOOLS_SERVICE_NAME: 'ecr-compliance',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          IDEMPOTENCY_TABLE_NAME: ref(id.table),
          ACCOUNT_ID: ref('AWS::AccountId'),
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('send failed invocations straight to the encrypted failure queue, with no Lambda retry', () => {
    const id = ids();
    for (const [fn, maxAge] of [
      [id.imageScanFn, 21_600],
      [id.customActionFn, 3_600],
      [id.imageActionFn, 21_600],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: ref(fn),
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: maxAge,
        DestinationConfig: { OnFailure: { Destination: arnOf(id.failedQueue) } },
      });
    }
  });

  it('take the prebuilt bundles: minified ESM with the createRequire banner and a source map', () => {
    const assetDirs = readdirSync(synthesized.outdir).filter((name) => name.startsWith('asset.'));
    expect(assetDirs.length).toBeGreaterThanOrEqual(1);
    for (const dir of assetDirs) {
      const files = readdirSync(join(synthesized.outdir, dir)).sort();
      expect(files).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(join(synthesized.outdir, dir, 'index.mjs'), 'utf8');
      expect(
        code.startsWith("import { createRequire as __ecrComplianceCreateRequire } from 'node:module';"),
      ).toBe(true);
      // Minified: long lines (esbuild keeps the newlines inside template literals only).
      expect(code.length / code.split('\n').length).toBeGreaterThan(500);
    }
  });

  it('load in Node.js with the environment contract', () => {
    const assetDirs = readdirSync(synthesized.outdir).filter((name) => name.startsWith('asset.'));
    for (const dir of assetDirs) {
      const bundle = join(synthesized.outdir, dir, 'index.mjs');
      expect(existsSync(bundle)).toBe(true);
      const output = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(bundle)}); console.log(typeof m.handler);`,
        ],
        {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH ?? '',
            // A test about loading, not about the SDK's notice on Node.js 20 (Lambda runs 22).
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            POWERTOOLS_SERVICE_NAME: 'ecr-compliance',
            POWERTOOLS_LOG_LEVEL: 'ERROR',
            IDEMPOTENCY_TABLE_NAME: 'idempotency',
            ACCOUNT_ID: '111122223333',
            FINDING_GRANULARITY: 'both',
            BLOCK_ACTION_ARN: 'arn:aws:securityhub:us-east-1:111122223333:action/custom/ECR1',
            UNBLOCK_ACTION_ARN: 'arn:aws:securityhub:us-east-1:111122223333:action/custom/ECR2',
            SEVERITY_THRESHOLD: 'HIGH',
            EXEMPT_PRINCIPAL_ARNS: '',
            AUTO_REMEDIATION: 'false',
          },
        },
      );
      expect(output.trim()).toBe('function');
    }
  });
});

describe('on-finding-imported bundle', () => {
  it('takes its prebuilt bundle, which loads in Node.js with its environment contract', {
    timeout: 120_000,
  }, () => {
    const auto = synthesize({ props: { autoRemediation: true, autoUnblock: true } });
    try {
      const fn = auto.stack.compliance.onFindingImportedFunction;
      if (!fn) throw new Error('no on-finding-imported function');
      const resource = resourceOfType(
        auto.template,
        'AWS::Lambda::Function',
        auto.stack.getLogicalId(fn.node.defaultChild as CfnElement),
      );
      // The asset directory is named after the S3 key's hash: asset.<hash>/index.mjs.
      const key = String((resource.Properties.Code as { S3Key?: unknown }).S3Key);
      const bundle = join(auto.outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs');
      expect(existsSync(bundle), bundle).toBe(true);
      const output = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const m = await import(${JSON.stringify(bundle)}); console.log(typeof m.handler);`,
        ],
        {
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH ?? '',
            // A test about loading, not about the SDK's notice on Node.js 20 (Lambda runs 22).
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            POWERTOOLS_SERVICE_NAME: 'ecr-compliance',
            POWERTOOLS_LOG_LEVEL: 'ERROR',
            IDEMPOTENCY_TABLE_NAME: 'idempotency',
            ACCOUNT_ID: '111122223333',
            SEVERITY_THRESHOLD: 'HIGH',
            AUTO_REMEDIATION: 'true',
            AUTO_UNBLOCK: 'true',
          },
        },
      );
      expect(output.trim()).toBe('function');
    } finally {
      rmSync(auto.outdir, { recursive: true, force: true });
    }
  });
});

describe('IAM', () => {
  it('gives on-image-scan exactly what it calls, on scoped resources', () => {
    const id = ids();
    expect(policyStatements(template, id.imageScanRole)).toEqual([
      ...runtimeStatements(id.imageScanLogs),
      stateStatement(),
      {
        Effect: 'Allow',
        Action: 'ecr:DescribeImageScanFindings',
        Resource: partitionRegionAccount('ecr', ':repository/*'),
      },
      // Enhanced scanning: DescribeImageScanFindings reads Inspector's findings as the caller.
      { Effect: 'Allow', Action: 'inspector2:ListFindings', Resource: '*' },
      {
        Effect: 'Allow',
        Action: 'securityhub:BatchImportFindings',
        Resource: partitionRegionAccount('securityhub', ':product/{account}/default'),
      },
      {
        Effect: 'Allow',
        Action: 'securityhub:GetFindings',
        Resource: partitionRegionAccount('securityhub', ':hub/default'),
      },
      // Is the scan's repository blocked? Its new image finding then carries the block mark.
      {
        Effect: 'Allow',
        Action: 'ecr:GetRepositoryPolicy',
        Resource: partitionRegionAccount('ecr', ':repository/*'),
      },
      PUT_EVENTS,
    ]);
  });

  it('gives on-image-action exactly what it calls, on scoped resources, and no ECR access', () => {
    const id = ids();
    expect(policyStatements(template, id.imageActionRole)).toEqual([
      ...runtimeStatements(id.imageActionLogs),
      stateStatement(),
      {
        Effect: 'Allow',
        Action: 'securityhub:BatchImportFindings',
        Resource: partitionRegionAccount('securityhub', ':product/{account}/default'),
      },
      {
        Effect: 'Allow',
        Action: 'securityhub:GetFindings',
        Resource: partitionRegionAccount('securityhub', ':hub/default'),
      },
      PUT_EVENTS,
    ]);
  });

  it('gives on-custom-action exactly what it calls, on scoped resources', () => {
    const id = ids();
    expect(policyStatements(template, id.customActionRole)).toEqual([
      ...runtimeStatements(id.customActionLogs),
      {
        Effect: 'Allow',
        Action: ['ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy'],
        Resource: partitionRegionAccount('ecr', ':repository/*'),
      },
      {
        Effect: 'Allow',
        Action: 'securityhub:BatchUpdateFindings',
        Resource: partitionRegionAccount('securityhub', ':hub/default'),
      },
      // The audit trail writes a Note and UserDefinedFields; every other field is denied.
      ...DENIED_FINDING_FIELDS.map((field) => ({
        Effect: 'Deny',
        Action: 'securityhub:BatchUpdateFindings',
        Resource: '*',
        Condition: { Null: { [`securityhub:ASFFSyntaxPath/${field}`]: 'false' } },
      })),
      // The block mark reads the repository's image findings on its own hub.
      {
        Effect: 'Allow',
        Action: 'securityhub:GetFindings',
        Resource: partitionRegionAccount('securityhub', ':hub/default'),
      },
      PUT_EVENTS,
    ]);
  });

  it('has roles only Lambda can assume, with no managed policies', () => {
    const roles = resourcesOfType(template, 'AWS::IAM::Role');
    expect(roles).toHaveLength(3);
    for (const role of roles) {
      expect(role.Properties).toMatchObject({
        AssumeRolePolicyDocument: {
          Statement: [
            { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
          ],
        },
      });
      expect(role.Properties).not.toHaveProperty('ManagedPolicyArns');
      expect(role.Properties).not.toHaveProperty('Policies');
    }
    template.resourceCountIs('AWS::IAM::Policy', 3);
  });

  it('allows no wildcard action, and resource "*" only for the one read action that has no resource type', () => {
    const statements = findStatements(synthesized.json);
    expect(statements.length).toBeGreaterThan(10);
    for (const statement of statements) {
      const actions = [statement.Action ?? statement.NotAction].flat();
      expect(actions, JSON.stringify(statement)).not.toContain('*');
      expect(statement, JSON.stringify(statement)).not.toHaveProperty('NotAction');
      if (statement.Effect === 'Allow') {
        for (const action of actions) expect(String(action), JSON.stringify(statement)).not.toContain('*');
        // inspector2:ListFindings has no resource type (Service Authorization Reference), so "*" is
        // its only possible resource; nothing else may use it.
        if ([statement.Resource].flat().includes('*'))
          expect(actions, JSON.stringify(statement)).toEqual(['inspector2:ListFindings']);
      } else if (statement.Action === 'securityhub:BatchUpdateFindings') {
        // The audit trail's field guard: a Deny of one field each.
        expect(Object.keys(statement.Condition?.Null ?? {})).toHaveLength(1);
      } else {
        // The other Deny is SQS's "no plain HTTP" guard, which must cover every action.
        expect(statement).toMatchObject({
          Effect: 'Deny',
          Action: 'sqs:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        });
      }
    }
  });
});

describe('data and failure handling', () => {
  it('keeps idempotency records and the state of record in encrypted, on-demand tables with TTL and point-in-time recovery', () => {
    const id = ids();
    template.resourceCountIs('AWS::DynamoDB::Table', 2);
    expect(resourceOfType(template, 'AWS::DynamoDB::Table', id.table).Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(resourceOfType(template, 'AWS::DynamoDB::Table', id.stateTable).Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('encrypts every queue and refuses plain HTTP on each', () => {
    const id = ids();
    const queues = [id.imageScanDlq, id.customActionDlq, id.imageDeleteDlq, id.failedQueue];
    template.resourceCountIs('AWS::SQS::Queue', queues.length);
    for (const queue of queues) {
      expect(resourceOfType(template, 'AWS::SQS::Queue', queue).Properties).toMatchObject({
        SqsManagedSseEnabled: true,
        MessageRetentionPeriod: 1_209_600,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(queue)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Effect: 'Deny',
              Action: 'sqs:*',
              Principal: { AWS: '*' },
              Resource: arnOf(queue),
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            },
          ]),
        },
      });
    }
  });

  it('lets EventBridge write to each dead-letter queue only from its own rule', () => {
    const id = ids();
    for (const [queue, rule] of [
      [id.imageScanDlq, id.imageScanRule],
      [id.customActionDlq, id.customActionRule],
      [id.imageDeleteDlq, id.imageDeleteRule],
    ] as const) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [ref(queue)],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Allow',
              Action: 'sqs:SendMessage',
              Principal: { Service: 'events.amazonaws.com' },
              Resource: arnOf(queue),
              Condition: { ArnEquals: { 'aws:SourceArn': arnOf(rule) } },
            }),
          ]),
        },
      });
    }
  });

  it('alarms as soon as any dead-letter or failure queue holds a message', () => {
    const id = ids();
    const queueNames = [id.imageScanDlq, id.customActionDlq, id.imageDeleteDlq, id.failedQueue].map(
      (queue) => ({
        'Fn::GetAtt': [queue, 'QueueName'],
      }),
    );
    // The dead-letter alarm, and the failed-imports alarm (observability.test.ts).
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith(
        queueNames.map((name) =>
          Match.objectLike({
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SQS',
                MetricName: 'ApproximateNumberOfMessagesVisible',
                Dimensions: [{ Name: 'QueueName', Value: name }],
              },
              Period: 300,
              Stat: 'Maximum',
            },
            ReturnData: false,
          }),
        ),
      ),
    });
  });
});

describe('template', () => {
  it('matches the snapshot, asset hashes masked', () => {
    expect(synthesized.json).toMatchSnapshot();
  });
});

interface Statement {
  readonly Effect?: string;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Resource?: unknown;
  readonly Condition?: { readonly Null?: Record<string, unknown> };
}

/** Every policy statement anywhere in the template (IAM, queue, trust policies). */
function findStatements(node: unknown): Statement[] {
  if (Array.isArray(node)) return node.flatMap(findStatements);
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Record<string, unknown>;
  const own = Array.isArray(record.Statement) ? (record.Statement as Statement[]) : [];
  return [...own, ...Object.values(record).flatMap(findStatements)];
}

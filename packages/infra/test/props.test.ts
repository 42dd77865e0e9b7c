import { rmSync } from 'node:fs';
import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_BLOCK_ACTION,
  DEFAULT_UNBLOCK_ACTION,
  EcrContinuousCompliance,
  type EcrContinuousComplianceProps,
  InvalidPropsError,
  resolveProps,
} from '../src/index.js';
import { type Synthesized, synthesize } from './support/synth.js';

/** The error resolveProps throws for these props (fails the test when it throws none). */
function errorOf(props: EcrContinuousComplianceProps): InvalidPropsError {
  try {
    resolveProps(props);
  } catch (error) {
    if (error instanceof InvalidPropsError) return error;
    throw error;
  }
  throw new Error(`expected InvalidPropsError for ${JSON.stringify(props)}`);
}

describe('resolveProps', () => {
  it('applies the documented defaults', () => {
    expect(resolveProps()).toEqual({
      severityThreshold: 'HIGH',
      exemptPrincipalArns: [],
      allowBroadExemptions: false,
      findingGranularity: 'both',
      enhancedFindingGranularity: 'image',
      keepAliveDays: 30,
      blockAction: DEFAULT_BLOCK_ACTION,
      unblockAction: DEFAULT_UNBLOCK_ACTION,
      blockableRepositories: { kind: 'any' },
      logRetention: RetentionDays.ONE_YEAR,
      logLevel: 'INFO',
      autoRemediation: false,
      autoUnblock: false,
      insights: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    expect(DEFAULT_BLOCK_ACTION.id).toBe('ECR1');
  });

  it('keeps valid settings and completes a custom action with the default description', () => {
    const resolved = resolveProps({
      severityThreshold: 'CRITICAL',
      findingGranularity: 'image',
      logLevel: 'DEBUG',
      blockAction: { id: 'BlockPulls', name: 'Block pulls now' },
      allowBroadExemptions: true,
      exemptPrincipalArns: [
        'arn:aws:iam::111122223333:role/break-glass',
        'arn:aws:iam::111122223333:role/break-glass',
        'arn:aws-us-gov:iam::111122223333:role/ci/fix-pusher-*',
        'arn:aws:iam::111122223333:root',
      ],
    });
    expect(resolved.blockAction).toEqual({
      id: 'BlockPulls',
      name: 'Block pulls now',
      description: DEFAULT_BLOCK_ACTION.description,
    });
    expect(resolved.exemptPrincipalArns).toEqual([
      'arn:aws:iam::111122223333:role/break-glass',
      'arn:aws-us-gov:iam::111122223333:role/ci/fix-pusher-*',
      'arn:aws:iam::111122223333:root',
    ]);
    expect(resolved).toMatchObject({
      severityThreshold: 'CRITICAL',
      findingGranularity: 'image',
      logLevel: 'DEBUG',
    });
  });

  it.each([
    [
      'an action Id with a hyphen',
      { blockAction: { id: 'Block-ECR', name: 'Block' } },
      'blockAction.id',
      'letters or digits',
    ],
    [
      'an action Id of 21 characters',
      { blockAction: { id: 'A'.repeat(21), name: 'Block' } },
      'blockAction.id',
      '1 to 20',
    ],
    ['an empty action Id', { unblockAction: { id: '', name: 'Unblock' } }, 'unblockAction.id', '1 to 20'],
    [
      'an action name of 21 characters',
      { blockAction: { id: 'ECR1', name: 'Block ECR image pulls' } },
      'blockAction.name',
      'got "Block ECR image pulls"',
    ],
    ['a blank action name', { blockAction: { id: 'ECR1', name: '   ' } }, 'blockAction.name', '1 to 19'],
    [
      'an empty action description',
      { blockAction: { id: 'ECR1', name: 'Block', description: '' } },
      'blockAction.description',
      '1 to 256',
    ],
    [
      'the same Id for both actions (case aside)',
      { unblockAction: { id: 'ecr1', name: 'Unblock' } },
      'unblockAction.id',
      "also the block action's Id",
    ],
    [
      'the same name for both actions',
      { unblockAction: { id: 'ECR9', name: 'Block ECR pulls' } },
      'unblockAction.name',
      "also the block action's name",
    ],
    [
      'an exempt principal that is no ARN',
      { exemptPrincipalArns: ['break-glass'] },
      'exemptPrincipalArns[0]',
      'not an IAM principal ARN',
    ],
    [
      'an exempt principal that is no IAM principal',
      { exemptPrincipalArns: ['arn:aws:iam::111122223333:role/ok', 'arn:aws:s3:::bucket'] },
      'exemptPrincipalArns[1]',
      'not an IAM principal ARN',
    ],
    [
      'an exempt session ARN, which aws:PrincipalArn never holds',
      { exemptPrincipalArns: ['arn:aws:sts::111122223333:assumed-role/Admin/alice@example.com'] },
      'exemptPrincipalArns[0]',
      'exempt the role, arn:aws:iam::ACCOUNT:role/Admin',
    ],
    [
      'an exempt group ARN, which is never a principal',
      { exemptPrincipalArns: ['arn:aws:iam::111122223333:group/admins'] },
      'exemptPrincipalArns[0]',
      'not an IAM principal ARN',
    ],
    [
      'an exempt principal with a comma',
      { exemptPrincipalArns: ['arn:aws:iam::111122223333:role/a,b'] },
      'exemptPrincipalArns[0]',
      'comma',
    ],
    [
      'an exempt list too long for the environment',
      {
        exemptPrincipalArns: Array.from({ length: 60 }, (_, i) => `arn:aws:iam::111122223333:role/role-${i}`),
      },
      'exemptPrincipalArns',
      'at most 2048',
    ],
    [
      'autoRemediation without image findings',
      { autoRemediation: true, findingGranularity: 'vulnerability' },
      'autoRemediation',
      "findingGranularity is 'vulnerability'",
    ],
    [
      'autoRemediation without image findings of enhanced scans',
      { autoRemediation: true, enhancedFindingGranularity: 'vulnerability' },
      'autoRemediation',
      "enhancedFindingGranularity is 'vulnerability'",
    ],
    [
      'autoUnblock without image findings (it would find nothing that holds a block)',
      { autoUnblock: true, findingGranularity: 'vulnerability' },
      'autoUnblock',
      "findingGranularity is 'vulnerability'",
    ],
    [
      'autoUnblock without image findings of enhanced scans',
      { autoUnblock: true, enhancedFindingGranularity: 'vulnerability' },
      'autoUnblock',
      "enhancedFindingGranularity is 'vulnerability'",
    ],
    ['a keep-alive at the retention', { keepAliveDays: 90 }, 'keepAliveDays', 'from 0 to 89'],
    ['a fractional keep-alive', { keepAliveDays: 1.5 }, 'keepAliveDays', 'whole number'],
    [
      'a keep-alive of 12.5 days, as the core and the environment refuse it',
      { keepAliveDays: 12.5 },
      'keepAliveDays',
      'must be a whole number of days from 0 to 89 (Security Hub deletes a finding 90 days after its last update), got 12.5',
    ],
    ['a negative keep-alive', { keepAliveDays: -1 }, 'keepAliveDays', 'from 0 to 89'],
    [
      'an unknown enhanced finding granularity',
      { enhancedFindingGranularity: 'all' as never },
      'enhancedFindingGranularity',
      'must be one of vulnerability, image, both, got "all"',
    ],
    [
      'an unknown severity threshold',
      { severityThreshold: 'SEVERE' as never },
      'severityThreshold',
      'must be one of INFORMATIONAL, LOW',
    ],
    [
      'an unknown finding granularity',
      { findingGranularity: 'finding' as never },
      'findingGranularity',
      'must be one of vulnerability, image, both',
    ],
    ['an unknown log level', { logLevel: 'TRACE' as never }, 'logLevel', 'not one of DEBUG'],
  ] satisfies [string, EcrContinuousComplianceProps, string, string][])(
    'refuses %s, naming the property',
    (_label, props, property, message) => {
      const error = errorOf(props);
      expect(error.property).toBe(property);
      expect(error.message).toContain(`EcrContinuousCompliance: invalid ${property}:`);
      expect(error.message).toContain(message);
    },
  );

  it('accepts autoUnblock alone or with autoRemediation, and enhancedFindingGranularity both', () => {
    expect(resolveProps({ autoUnblock: true })).toMatchObject({ autoUnblock: true, autoRemediation: false });
    expect(resolveProps({ autoUnblock: true, autoRemediation: true })).toMatchObject({
      autoUnblock: true,
      autoRemediation: true,
    });
    expect(resolveProps({ enhancedFindingGranularity: 'both' }).enhancedFindingGranularity).toBe('both');
    expect(resolveProps({ keepAliveDays: 0 }).keepAliveDays).toBe(0);
    expect(resolveProps({ keepAliveDays: 89 }).keepAliveDays).toBe(89);
  });

  it('accepts autoRemediation false, the same as leaving it unset, and true with image findings', () => {
    expect(resolveProps({ autoRemediation: false }).autoRemediation).toBe(false);
    expect(resolveProps({}).autoRemediation).toBe(false);
    expect(resolveProps({ autoRemediation: true }).autoRemediation).toBe(true);
    expect(resolveProps({ autoRemediation: true, findingGranularity: 'image' }).autoRemediation).toBe(true);
  });

  it('accepts an exempt principal that is a token without checking it', () => {
    const stack = new Stack(new App(), 'Tokens');
    const role = new Role(stack, 'BreakGlass', { assumedBy: new ServicePrincipal('ec2.amazonaws.com') });
    expect(resolveProps({ exemptPrincipalArns: [role.roleArn] }).exemptPrincipalArns).toEqual([role.roleArn]);
  });
});

describe('EcrContinuousCompliance with invalid props', () => {
  it('fails while the app is built, before anything is bundled or deployed', () => {
    const stack = new Stack(new App(), 'Invalid');
    expect(
      () =>
        new EcrContinuousCompliance(stack, 'EcrCompliance', {
          blockAction: { id: 'ECR1', name: 'x'.repeat(20) },
        }),
    ).toThrow(/invalid blockAction\.name: must be 1 to 19 characters .*got "x{20}"$/);
    expect(stack.node.tryFindChild('EcrCompliance')).toBeUndefined();
  });
});

describe('EcrContinuousCompliance with custom props', () => {
  let synthesized: Synthesized;
  beforeAll(() => {
    synthesized = synthesize({
      props: {
        severityThreshold: 'CRITICAL',
        findingGranularity: 'vulnerability',
        exemptPrincipalArns: ['arn:aws:iam::111122223333:role/break-glass', 'arn:aws:iam::111122223333:root'],
        blockAction: { id: 'QuarantineRepo', name: 'Quarantine repo', description: 'Deny pulls' },
        unblockAction: { id: 'ReleaseRepo', name: 'Release repo' },
        logRetention: RetentionDays.ONE_MONTH,
        logLevel: 'DEBUG',
        removalPolicy: RemovalPolicy.RETAIN,
      },
    });
  });
  afterAll(() => rmSync(synthesized.outdir, { recursive: true, force: true }));

  it('passes the settings to the functions through the environment contract', () => {
    const { template } = synthesized;
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ FINDING_GRANULARITY: 'vulnerability', POWERTOOLS_LOG_LEVEL: 'DEBUG' }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          SEVERITY_THRESHOLD: 'CRITICAL',
          EXEMPT_PRINCIPAL_ARNS: 'arn:aws:iam::111122223333:role/break-glass,arn:aws:iam::111122223333:root',
          POWERTOOLS_LOG_LEVEL: 'DEBUG',
        }),
      },
    });
  });

  it('names the custom actions as configured', () => {
    const { template } = synthesized;
    template.hasResourceProperties('AWS::SecurityHub::ActionTarget', {
      Id: 'QuarantineRepo',
      Name: 'Quarantine repo',
      Description: 'Deny pulls',
    });
    template.hasResourceProperties('AWS::SecurityHub::ActionTarget', {
      Id: 'ReleaseRepo',
      Name: 'Release repo',
      Description: DEFAULT_UNBLOCK_ACTION.description,
    });
  });

  it('applies the log retention and the removal policy', () => {
    const { template } = synthesized;
    const logGroups = template.findResources('AWS::Logs::LogGroup');
    expect(Object.values(logGroups)).toHaveLength(3);
    for (const logGroup of Object.values(logGroups)) {
      expect(logGroup).toMatchObject({ Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
    }
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });
});

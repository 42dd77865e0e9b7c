import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  loadOnCustomActionConfig,
  loadOnFindingImportedConfig,
  loadOnImageActionConfig,
  loadOnImageScanConfig,
  SecurityHubAuditTrail,
} from '@ecr-compliance/adapters-aws';
import { App, Aws, CfnElement, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { AUDIT_TRAIL_FIELDS, DENIED_FINDING_FIELDS } from '../src/grants.js';
import {
  EcrContinuousCompliance,
  type EcrContinuousComplianceProps,
  InvalidPropsError,
  resolveProps,
} from '../src/index.js';
import { cfnLint, errorsOf } from './support/cfnLint.js';
import { type Synthesized, synthesizeInThisFile } from './support/synth.js';
import { policyStatements, resourceOfType } from './support/template.js';

const synthesizeHere = synthesizeInThisFile();
const synth = (props: EcrContinuousComplianceProps, nag = false): Synthesized =>
  synthesizeHere({ nag, props });

function logicalId(s: Synthesized, path: string): string {
  const child = s.stack.compliance.node.findChild(path);
  const element = child instanceof CfnElement ? child : child.node.defaultChild;
  if (!(element instanceof CfnElement)) throw new Error(`${path} has no CloudFormation resource`);
  return s.stack.getLogicalId(element);
}

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, string>>;
}
const actions = (statement: Statement) => [statement.Action].flat();
const writesPolicy = (statement: Statement) => actions(statement).includes('ecr:SetRepositoryPolicy');
const customActionStatements = (s: Synthesized) =>
  policyStatements(s.template, logicalId(s, 'OnCustomActionRole')) as Statement[];

/** An ARN written as CloudFormation joins it: arn:<partition>:ecr:<region>:<account>:repository/... */
const repositoryArn = (name: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':ecr:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      `:repository/${name}`,
    ],
  ],
});

describe('repository policy grants', () => {
  it('allow the writes on every repository by default, as before', () => {
    const writes = customActionStatements(synth({})).filter(writesPolicy);
    expect(writes).toEqual([
      {
        Effect: 'Allow',
        Action: ['ecr:GetRepositoryPolicy', 'ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy'],
        Resource: repositoryArn('*'),
      },
    ]);
  });

  it('allow the writes only on repositories with the tag, with a tag scope', () => {
    const statements = customActionStatements(
      synth({ blockableRepositories: { tag: { key: 'ecr-compliance:blockable', value: 'true' } } }),
    );
    expect(statements.filter((s) => actions(s).some((a) => a.endsWith('RepositoryPolicy')))).toEqual([
      { Effect: 'Allow', Action: 'ecr:GetRepositoryPolicy', Resource: repositoryArn('*') },
      {
        Effect: 'Allow',
        Action: ['ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy'],
        Resource: repositoryArn('*'),
        Condition: { StringEquals: { 'aws:ResourceTag/ecr-compliance:blockable': 'true' } },
      },
    ]);
  });

  it('allow the writes only on repositories under the prefixes, with a name scope', () => {
    const statements = customActionStatements(
      synth({ blockableRepositories: { namePrefixes: ['team-a/', 'prod-'] } }),
    );
    expect(statements.filter((s) => actions(s).some((a) => a.endsWith('RepositoryPolicy')))).toEqual([
      { Effect: 'Allow', Action: 'ecr:GetRepositoryPolicy', Resource: repositoryArn('*') },
      {
        Effect: 'Allow',
        Action: ['ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy'],
        Resource: [repositoryArn('team-a/*'), repositoryArn('prod-*')],
      },
    ]);
  });

  it('keeps cdk-nag and cfn-lint clean with either scope', () => {
    for (const blockableRepositories of [
      { namePrefixes: ['team-a/', 'prod-'] },
      { tag: { key: 'team', value: 'payments' } },
    ]) {
      const s = synth({ blockableRepositories, autoRemediation: true, autoUnblock: true }, true);
      const report = JSON.parse(readFileSync(join(s.outdir, 'validation-report.json'), 'utf8')) as {
        pluginReports: { violations: { ruleName: string }[] }[];
      };
      expect(report.pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName))).toEqual([]);
      expect(errorsOf(cfnLint(s.templatePath).findings)).toEqual([]);
    }
  });

  it('stay within the 10,240 characters IAM allows a role inline, with the largest settings', () => {
    const s = synth({
      autoRemediation: true,
      autoUnblock: true,
      blockableRepositories: {
        namePrefixes: Array.from({ length: 20 }, (_, i) => `team-${i}/${'x'.repeat(40)}`),
      },
    });
    const policies = Object.values(s.template.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: unknown; Roles: unknown };
    }[];
    const role = logicalId(s, 'OnCustomActionRole');
    const mine = policies.filter(
      (p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: role }]),
    );
    // Unresolved pseudo parameters are longer in the template than in the deployed policy.
    expect(JSON.stringify(mine.map((p) => p.Properties.PolicyDocument)).length).toBeLessThan(10_240);
  });
});

describe('the audit trail grant', () => {
  /** The ASFF field paths of a BatchUpdateFindings request, as its condition keys name them. */
  function fieldPaths(input: Record<string, unknown>, prefix = ''): string[] {
    return Object.entries(input).flatMap(([key, value]) => {
      if (prefix === '' && key === 'FindingIdentifiers') return [];
      const path = `${prefix}${key}`;
      // UserDefinedFields is a map: its entries are data, not ASFF fields.
      if (path === 'UserDefinedFields') return [path];
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? [path, ...fieldPaths(value as Record<string, unknown>, `${path}.`)]
        : [path];
    });
  }
  /** Whether a Deny of the grant applies: its one `Null: { key: "false" }` key is in the request. */
  function deniedBy(statements: Statement[], request: Record<string, unknown>): string[] {
    const present = new Set(fieldPaths(request).map((p) => `securityhub:ASFFSyntaxPath/${p}`));
    return statements
      .filter((s) => s.Effect === 'Deny' && s.Action === 'securityhub:BatchUpdateFindings')
      .flatMap((s) => Object.entries(s.Condition?.Null ?? {}))
      .filter(([key, value]) => value === 'false' && present.has(key))
      .map(([key]) => key);
  }

  async function auditRequest(): Promise<Record<string, unknown>> {
    const sent: Record<string, unknown>[] = [];
    const client = {
      send: async (command: { input: Record<string, unknown> }) => {
        sent.push(command.input);
        return { ProcessedFindings: [], UnprocessedFindings: [] };
      },
    } as unknown as SecurityHubClient;
    await new SecurityHubAuditTrail({ client }).record(
      {
        id: 'finding-1',
        productArn: 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default',
      },
      {
        action: 'block',
        outcome: 'blocked',
        repositoryArn: 'arn:aws:ecr:us-east-1:111122223333:repository/team-a/api',
        at: '2026-12-02T08:00:00.000Z',
        by: 'arn:aws:securityhub:us-east-1:111122223333:action/custom/ECR1',
      },
    );
    expect(sent).toHaveLength(1);
    return sent[0] as Record<string, unknown>;
  }

  it('allows BatchUpdateFindings on the hub, and denies each field the audit trail does not write', () => {
    const statements = customActionStatements(synth({}));
    const grant = statements.filter((s) => actions(s).includes('securityhub:BatchUpdateFindings'));
    expect(grant.filter((s) => s.Effect === 'Allow')).toHaveLength(1);
    const denied = grant
      .filter((s) => s.Effect === 'Deny')
      .map((s) => {
        expect(s.Resource).toBe('*');
        expect(Object.keys(s.Condition ?? {})).toEqual(['Null']);
        return Object.entries(s.Condition?.Null ?? {});
      });
    // One key per statement: keys of one condition all have to match.
    expect(denied.every((entries) => entries.length === 1)).toBe(true);
    expect(denied.flat()).toEqual(
      DENIED_FINDING_FIELDS.map((field) => [`securityhub:ASFFSyntaxPath/${field}`, 'false']),
    );
  });

  it('lets through exactly what the audit trail sends', async () => {
    const request = await auditRequest();
    // Note is the object of the two Note fields.
    expect(
      fieldPaths(request)
        .filter((path) => path !== 'Note')
        .sort(),
    ).toEqual([...AUDIT_TRAIL_FIELDS].sort());
    expect(deniedBy(customActionStatements(synth({})), request)).toEqual([]);
  });

  it.each([
    ['suppresses a finding', { Workflow: { Status: 'SUPPRESSED' } }, 'Workflow.Status'],
    ['lowers a severity', { Severity: { Label: 'LOW' } }, 'Severity.Label'],
    ['marks a false positive', { VerificationState: 'FALSE_POSITIVE' }, 'VerificationState'],
    ['relates findings', { RelatedFindings: [{ Id: 'x', ProductArn: 'y' }] }, 'RelatedFindings'],
    ['sets a criticality', { Criticality: 0 }, 'Criticality'],
  ])('denies a request that %s, beside the note', async (_label, extra, field) => {
    const request = { ...(await auditRequest()), ...extra };
    expect(deniedBy(customActionStatements(synth({})), request)).toContain(
      `securityhub:ASFFSyntaxPath/${field}`,
    );
  });
});

describe('blockableRepositories validation', () => {
  function refusal(props: EcrContinuousComplianceProps): InvalidPropsError {
    try {
      resolveProps(props);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidPropsError);
      expect((error as Error).message).not.toContain('\n');
      return error as InvalidPropsError;
    }
    throw new Error(`expected InvalidPropsError for ${JSON.stringify(props)}`);
  }

  it.each([
    ['neither a tag nor prefixes', {}, 'blockableRepositories', 'give either tag or namePrefixes'],
    [
      'both a tag and prefixes',
      { tag: { key: 'team', value: 'a' }, namePrefixes: ['a'] },
      'blockableRepositories',
      'give either tag or namePrefixes',
    ],
    ['an empty tag key', { tag: { key: '', value: 'a' } }, 'blockableRepositories.tag.key', '1 to 128'],
    ['a reserved tag key', { tag: { key: 'aws:team', value: 'a' } }, 'blockableRepositories.tag.key', 'aws:'],
    [
      'a tag key with a wildcard',
      { tag: { key: 'te*', value: 'a' } },
      'blockableRepositories.tag.key',
      'letters',
    ],
    [
      'a tag value of 257 characters',
      { tag: { key: 'team', value: 'v'.repeat(257) } },
      'blockableRepositories.tag.value',
      '0 to 256',
    ],
    ['no prefix', { namePrefixes: [] }, 'blockableRepositories.namePrefixes', 'it lists 0'],
    [
      'an uppercase prefix',
      { namePrefixes: ['Team/'] },
      'blockableRepositories.namePrefixes[0]',
      'lowercase',
    ],
    [
      'a prefix with a wildcard',
      { namePrefixes: ['ok', 'team-a/*'] },
      'blockableRepositories.namePrefixes[1]',
      'no wildcard',
    ],
    ['an empty path segment', { namePrefixes: ['a//b'] }, 'blockableRepositories.namePrefixes[0]', 'single'],
  ] satisfies [string, EcrContinuousComplianceProps['blockableRepositories'], string, string][])(
    'refuses %s, naming the property',
    (_label, blockableRepositories, property, message) => {
      const error = refusal({ blockableRepositories });
      expect(error.property).toBe(property);
      expect(error.message).toContain(`EcrContinuousCompliance: invalid ${property}:`);
      expect(error.message).toContain(message);
    },
  );

  it('refuses a tag key that is a token, which cannot be part of a condition key', () => {
    expect(refusal({ blockableRepositories: { tag: { key: Aws.REGION, value: 'a' } } }).message).toContain(
      'must be a literal',
    );
  });

  it('fails the construct before anything joins the tree', () => {
    const stack = new Stack(new App(), 'Invalid');
    expect(
      () =>
        new EcrContinuousCompliance(stack, 'EcrCompliance', {
          blockableRepositories: { namePrefixes: ['A'] },
        }),
    ).toThrow(/^EcrContinuousCompliance: invalid blockableRepositories\.namePrefixes\[0\]: /);
    expect(stack.node.children).toHaveLength(0);
  });
});

describe('the synthesized environment', () => {
  const account = '111122223333';
  const region = 'eu-central-1';

  /** The template's values as CloudFormation would resolve them in `account` and `region`. */
  function deployed(s: Synthesized, value: unknown): string {
    if (typeof value === 'string') return value;
    const ref = (value as { Ref?: string }).Ref;
    if (ref === 'AWS::AccountId') return account;
    if (ref !== undefined) return `${ref}-physical-name`;
    const [id, attribute] = (value as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
    expect(attribute).toBe('ActionTargetArn');
    const target = resourceOfType(s.template, 'AWS::SecurityHub::ActionTarget', id).Properties as {
      Id: string;
    };
    return `arn:aws:securityhub:${region}:${account}:action/custom/${target.Id}`;
  }
  function environmentOf(s: Synthesized, path: string): Record<string, string> {
    const fn = resourceOfType(s.template, 'AWS::Lambda::Function', logicalId(s, path)).Properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    return {
      // Lambda sets AWS_REGION itself.
      AWS_REGION: region,
      ...Object.fromEntries(Object.entries(fn.Environment.Variables).map(([k, v]) => [k, deployed(s, v)])),
    };
  }

  it('parses back with each handler loader, giving the settings of the props', () => {
    const s = synth({
      severityThreshold: 'CRITICAL',
      findingGranularity: 'image',
      enhancedFindingGranularity: 'both',
      keepAliveDays: 7,
      blockAction: { id: 'Quarantine', name: 'Quarantine image' },
      exemptPrincipalArns: [`arn:aws:iam::${account}:role/break-glass`],
      autoRemediation: true,
    });
    expect(loadOnImageScanConfig(environmentOf(s, 'OnImageScan'))).toEqual({
      AWS_REGION: region,
      ACCOUNT_ID: account,
      IDEMPOTENCY_TABLE_NAME: `${logicalId(s, 'IdempotencyTable')}-physical-name`,
      FINDING_GRANULARITY: 'image',
      ENHANCED_FINDING_GRANULARITY: 'both',
      KEEP_ALIVE_DAYS: 7,
      BLOCK_ACTION: { id: 'Quarantine', name: 'Quarantine image' },
      STATE_TABLE_NAME: `${logicalId(s, 'StateTable')}-physical-name`,
    });
    expect(loadOnCustomActionConfig(environmentOf(s, 'OnCustomAction'))).toMatchObject({
      BLOCK_ACTION_ARN: `arn:aws:securityhub:${region}:${account}:action/custom/Quarantine`,
      UNBLOCK_ACTION_ARN: `arn:aws:securityhub:${region}:${account}:action/custom/ECR2`,
      SEVERITY_THRESHOLD: 'CRITICAL',
      EXEMPT_PRINCIPAL_ARNS: [`arn:aws:iam::${account}:role/break-glass`],
      ALLOW_BROAD_EXEMPTIONS: false,
    });
    expect(loadOnFindingImportedConfig(environmentOf(s, 'OnFindingImported'))).toMatchObject({
      SEVERITY_THRESHOLD: 'CRITICAL',
      EXEMPT_PRINCIPAL_ARNS: [`arn:aws:iam::${account}:role/break-glass`],
      AUTO_REMEDIATION: true,
      AUTO_UNBLOCK: false,
    });
    expect(loadOnImageActionConfig(environmentOf(s, 'OnImageAction'))).toMatchObject({
      ACCOUNT_ID: account,
      STATE_TABLE_NAME: `${logicalId(s, 'StateTable')}-physical-name`,
    });
  });

  it('parses back with the defaults, the block action ECR1 included', () => {
    const s = synth({});
    expect(loadOnImageScanConfig(environmentOf(s, 'OnImageScan'))).toMatchObject({
      FINDING_GRANULARITY: 'both',
      ENHANCED_FINDING_GRANULARITY: 'image',
      KEEP_ALIVE_DAYS: 30,
      BLOCK_ACTION: { id: 'ECR1', name: 'Block ECR pulls' },
    });
  });
});

/**
 * The organization shape's two templates (issue 12 §1): what the member footprint holds (no
 * Lambda, no asset, one parameter), whom its roles trust, who may put events on the central bus,
 * and that both templates pass cdk-nag and cfn-lint. The forwarding rules are matched by AWS Event
 * Ruler against the sample events, as EventBridge would.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrganizationConfig } from '@ecr-compliance/adapters-aws';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addOrganizationStacks,
  DEFAULT_ORGANIZATION_CONCURRENCY,
  EcrContinuousCompliance,
  InvalidPropsError,
  ORGANIZATION_CONTEXT_DEFAULTS,
  readOrganizationContext,
} from '../src/index.js';
import { cfnLint, withoutDependsOnWarning } from './support/cfnLint.js';
import { matchWithEventRuler, resolvedPatterns } from './support/ruler.js';
import { resourcesOfType } from './support/template.js';

const context = readOrganizationContext(() => undefined);
const ORG = ORGANIZATION_CONTEXT_DEFAULTS.organizationId;

interface Synthesized {
  readonly outdir: string;
  readonly central: Template;
  readonly member: Template;
  readonly centralJson: Record<string, any>;
  readonly memberJson: Record<string, any>;
  readonly report: {
    pluginReports: Array<{ pluginName: string; conclusion: string; violations: Array<{ ruleName: string }> }>;
  };
}

let synthesized: Synthesized;
/** With automatic remediation and unblock: on-finding-imported and its grants in both templates. */
let automatic: Synthesized;

function synthesizeOrganization(
  compliance: Parameters<typeof addOrganizationStacks>[2] = {},
  organization = context,
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'ecr-compliance-org-'));
  const infraRoot = fileURLToPath(new URL('../', import.meta.url));
  const cdkJson = JSON.parse(readFileSync(join(infraRoot, 'cdk.json'), 'utf8')) as { context: object };
  // The templates are the same with or without bundling; the placeholder asset keeps this fast.
  const app = new App({ outdir, context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [] } });
  addOrganizationStacks(app, organization, compliance);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const assembly = app.synth();
  const centralJson = assembly.getStackByName('EcrComplianceCentral').template as Record<string, any>;
  const memberJson = assembly.getStackByName('EcrComplianceMember').template as Record<string, any>;
  return {
    outdir,
    central: Template.fromJSON(centralJson),
    member: Template.fromJSON(memberJson),
    centralJson,
    memberJson,
    report: JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')),
  };
}

beforeAll(() => {
  synthesized = synthesizeOrganization();
  automatic = synthesizeOrganization({ autoRemediation: true, autoUnblock: true });
});
afterAll(() => {
  for (const s of [synthesized, automatic]) if (s) rmSync(s.outdir, { recursive: true, force: true });
});

/**
 * Every `Action` of every Allow statement in a template (role policies, trust, bus policy). Deny
 * statements may name `sqs:*` (the queues' TLS-only policy): they take rights away.
 */
function everyAction(json: Record<string, any>): string[] {
  const actions: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>;
      if (record.Effect === 'Allow' && record.Action !== undefined) {
        const action = record.Action;
        actions.push(...((Array.isArray(action) ? action : [action]) as string[]));
      }
      Object.values(record).forEach(walk);
    }
  };
  walk(json.Resources);
  return actions;
}

const join_ = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });
const centralRole = (name: string) =>
  join_('arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'CentralAccountId' }, `:role/${name}`);

describe('the member template', () => {
  it('holds no Lambda function and no asset, and its only parameter is the central account', () => {
    const types = Object.values(synthesized.memberJson.Resources).map((r: any) => r.Type as string);
    expect(types.filter((type) => type.startsWith('AWS::Lambda::'))).toEqual([]);
    expect([...new Set(types)].filter((type) => type !== 'AWS::CDK::Metadata').sort()).toEqual([
      'AWS::Events::Rule',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
    ]);
    expect(Object.keys(synthesized.memberJson.Parameters)).toEqual(['CentralAccountId']);
    expect(synthesized.memberJson.Parameters.CentralAccountId).toMatchObject({
      Type: 'String',
      AllowedPattern: '^\\d{12}$',
    });
    expect(synthesized.memberJson.Rules).toBeUndefined();
    // No file or image asset: nothing for a StackSet to upload per Region.
    const text = JSON.stringify(synthesized.memberJson);
    expect(text).not.toMatch(/AssetParameters|cdk-hnb659fds|aws:asset:/);
    const assets = JSON.parse(
      readFileSync(join(synthesized.outdir, 'EcrComplianceMember.assets.json'), 'utf8'),
    ) as { files: Record<string, { source: { path: string } }>; dockerImages: object };
    expect(Object.values(assets.files).map((file) => file.source.path)).toEqual([
      'EcrComplianceMember.template.json',
    ]);
    expect(assets.dockerImages).toEqual({});
  });

  it.each([
    ['ImportRole', 'import', ['ecr-compliance-central-OnImageScan', 'ecr-compliance-central-OnImageAction']],
    ['RemediateRole', 'remediate', ['ecr-compliance-central-OnCustomAction']],
  ])('lets only the central functions assume %s, named per Region', (id, kind, trusted) => {
    const roles = synthesized.member.findResources('AWS::IAM::Role', {
      Properties: { RoleName: join_(`ecr-compliance-${kind}-`, { Ref: 'AWS::Region' }) },
    });
    expect(Object.keys(roles)).toEqual([expect.stringMatching(new RegExp(`^${id}`))]);
    const role = Object.values(roles)[0] as any;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: {
          AWS: join_('arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'CentralAccountId' }, ':root'),
        },
        Condition: { ArnEquals: { 'aws:PrincipalArn': trusted.map(centralRole) } },
      },
    ]);
  });

  it('gives the import role reads of scans and imports into its own account and Region only', () => {
    const role = resourcesOfType(synthesized.member, 'AWS::IAM::Role').find((r) =>
      JSON.stringify(r.Properties.RoleName).includes('ecr-compliance-import-'),
    ) as any;
    const statements = role.Properties.Policies[0].PolicyDocument.Statement;
    expect(statements.map((s: any) => s.Action)).toEqual([
      'ecr:DescribeImageScanFindings',
      'inspector2:ListFindings',
      'securityhub:BatchImportFindings',
      'securityhub:GetFindings',
      // on-image-scan reads the policy: a new image finding of a blocked repository carries the block mark.
      'ecr:GetRepositoryPolicy',
    ]);
    const own = (service: string, resource: string) =>
      join_(
        'arn:',
        { Ref: 'AWS::Partition' },
        `:${service}:`,
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        resource,
      );
    expect(statements[2].Resource).toEqual(
      join_(
        'arn:',
        { Ref: 'AWS::Partition' },
        ':securityhub:',
        { Ref: 'AWS::Region' },
        ':',
        { Ref: 'AWS::AccountId' },
        ':product/',
        { Ref: 'AWS::AccountId' },
        '/default',
      ),
    );
    expect(statements[0].Resource).toEqual(own('ecr', ':repository/*'));
    expect(statements[3].Resource).toEqual(own('securityhub', ':hub/default'));
    expect(statements[4].Resource).toEqual(own('ecr', ':repository/*'));
  });

  it('names no action with a wildcard, in either template', () => {
    for (const json of [synthesized.memberJson, synthesized.centralJson]) {
      const actions = everyAction(json).filter((action) => typeof action === 'string');
      expect(actions.length).toBeGreaterThan(5);
      expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    }
  });

  it('forwards scans and deletions to the central bus through a role that may put events there only', () => {
    const bus = join_(
      'arn:',
      { Ref: 'AWS::Partition' },
      `:events:${context.centralRegion}:`,
      { Ref: 'CentralAccountId' },
      ':event-bus/ecr-compliance',
    );
    const rules = resourcesOfType(synthesized.member, 'AWS::Events::Rule');
    expect(rules).toHaveLength(3);
    for (const rule of rules) {
      expect(rule.Properties.Targets).toEqual([
        {
          Arn: bus,
          Id: 'Target0',
          RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^ForwardRole/), 'Arn'] },
        },
      ]);
    }
    synthesized.member.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'events:PutEvents', Effect: 'Allow', Resource: bus }] },
      Roles: [{ Ref: Match.stringLikeRegexp('^ForwardRole') }],
    });
    synthesized.member.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      },
    });
  });

  it('forwards exactly the events the central rules receive, as AWS Event Ruler matches them', () => {
    const eventsDir = fileURLToPath(new URL('./events/', import.meta.url));
    const samples = Object.fromEntries(
      readdirSync(eventsDir)
        .filter((file) => file.endsWith('.json'))
        .map((file) => [
          file.replace(/\.json$/, ''),
          JSON.parse(readFileSync(join(eventsDir, file), 'utf8')),
        ]),
    );
    const env = { account: '444455556666', region: 'eu-west-1' };
    const name = (logicalId: string) => logicalId.replace(/[0-9A-F]{8}$/, '').replace(/^EcrCompliance/, '');
    const named = (result: Record<string, string[]>) =>
      Object.fromEntries(Object.entries(result).map(([event, rules]) => [event, rules.map(name).sort()]));
    const member = named(matchWithEventRuler(resolvedPatterns(synthesized.member, env), samples));
    expect(member).toMatchObject({
      'ecr-image-scan-complete': ['ForwardImageScanRule'],
      'ecr-image-scan-complete-untagged-clean': ['ForwardImageScanRule'],
      'ecr-image-scan-failed': [],
      'inspector2-scan': ['ForwardEnhancedScanRule'],
      'inspector2-finding': [],
      'ecr-image-action-delete': ['ForwardImageDeleteRule'],
      'ecr-image-action-delete-failed': [],
      'ecr-image-action-push': [],
      'securityhub-custom-action-block': [],
      'securityhub-findings-imported': [],
    });
    // Each forwarded event reaches the central rule of the same name on the central bus.
    const central = named(matchWithEventRuler(resolvedPatterns(synthesized.central, env), samples));
    for (const [event, rules] of Object.entries(member)) {
      if (rules.length === 0) continue;
      expect(central[event], event).toEqual(rules.map((rule) => rule.replace(/^Forward/, '')));
    }
  });
});

describe('the central template', () => {
  it('lets only principals of the organization put events on the central bus', () => {
    synthesized.central.hasResourceProperties('AWS::Events::EventBus', { Name: 'ecr-compliance' });
    const policies = resourcesOfType(synthesized.central, 'AWS::Events::EventBusPolicy');
    expect(policies).toHaveLength(1);
    expect(policies[0]?.Properties.Statement).toEqual({
      Sid: expect.any(String),
      Action: 'events:PutEvents',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Resource: { 'Fn::GetAtt': [expect.stringMatching(/CentralEventBus/), 'Arn'] },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
    });
  });

  it('listens for scans and deletions on the central bus, and for custom actions on the default bus', () => {
    const rules = synthesized.central.findResources('AWS::Events::Rule');
    const onBus = Object.entries(rules)
      .filter(([, rule]: [string, any]) => rule.Properties.EventBusName !== undefined)
      .map(([id]) => id.replace(/[0-9A-F]{8}$/, ''));
    expect(onBus.sort()).toEqual([
      'EcrComplianceEnhancedScanRule',
      'EcrComplianceImageDeleteRule',
      'EcrComplianceImageScanRule',
    ]);
    synthesized.central.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'detail-type': ['Security Hub Findings - Custom Action'] },
      EventBusName: Match.absent(),
    });
  });

  it.each([
    ['OnImageScan', 'import'],
    ['OnImageAction', 'import'],
    ['OnCustomAction', 'remediate'],
  ])(
    'names the role of %s and lets it assume its member role in accounts of the organization only',
    (fn, kind) => {
      const roles = synthesized.central.findResources('AWS::IAM::Role', {
        Properties: { RoleName: `ecr-compliance-central-${fn}` },
      });
      const [logicalId] = Object.keys(roles);
      expect(logicalId).toBeDefined();
      const policy = resourcesOfType(synthesized.central, 'AWS::IAM::Policy').find(
        (p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalId }]),
      ) as any;
      const assume = policy.Properties.PolicyDocument.Statement.filter(
        (s: any) => s.Action === 'sts:AssumeRole',
      );
      expect(assume).toEqual([
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Resource: context.deployedRegions.map((region) =>
            join_('arn:', { Ref: 'AWS::Partition' }, `:iam::*:role/ecr-compliance-${kind}-${region}`),
          ),
          Condition: { StringEquals: { 'aws:ResourceOrgID': ORG } },
        },
      ]);
    },
  );

  it.each([
    ['OnImageScan', 'import'],
    ['OnImageAction', 'import'],
    ['OnCustomAction', 'remediate'],
  ])('gives %s the organization variables, which its handler reads back', (fn, kind) => {
    const role = Object.keys(
      synthesized.central.findResources('AWS::IAM::Role', {
        Properties: { RoleName: `ecr-compliance-central-${fn}` },
      }),
    )[0];
    const [func] = resourcesOfType(synthesized.central, 'AWS::Lambda::Function').filter(
      (f) => JSON.stringify(f.Properties.Role) === JSON.stringify({ 'Fn::GetAtt': [role, 'Arn'] }),
    );
    if (!func) throw new Error(`no function with the role ${role}`);
    const variables = (func.Properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(loadOrganizationConfig(variables, fn)).toEqual({
      ORGANIZATION_ID: ORG,
      MEMBER_ROLE_PREFIX: `ecr-compliance-${kind}-`,
      DEPLOYED_REGIONS: context.deployedRegions,
      ALLOWED_ACCOUNTS: [],
    });
  });

  it('refuses a malformed organization id, no Region, and a malformed allowed account', () => {
    const build = (props: object) => new EcrContinuousCompliance(new Stack(new App(), 'S'), 'C', props);
    const organization = { organizationId: ORG, deployedRegions: ['us-east-1'] };
    expect(() => build({ organization: { ...organization, organizationId: 'o-x' } })).toThrow(
      InvalidPropsError,
    );
    expect(() => build({ organization: { ...organization, organizationId: 'o-x' } })).toThrow(
      /organization\.organizationId/,
    );
    expect(() => build({ organization: { ...organization, deployedRegions: [] } })).toThrow(
      /organization\.deployedRegions/,
    );
    expect(() => build({ organization: { ...organization, allowedAccounts: ['12'] } })).toThrow(
      /organization\.allowedAccounts/,
    );
    for (const concurrency of [0, 2.5, 1001])
      expect(() => build({ organization: { ...organization, concurrency } })).toThrow(
        /organization\.concurrency: .* is not a whole number from 1 to 1,000/,
      );
  });

  it.each([['OnImageScan'], ['OnImageAction']])(
    'lets %s run for several accounts and Regions at once, on the central state of record',
    (fn) => {
      const role = Object.keys(
        synthesized.central.findResources('AWS::IAM::Role', {
          Properties: { RoleName: `ecr-compliance-central-${fn}` },
        }),
      )[0];
      const [func] = resourcesOfType(synthesized.central, 'AWS::Lambda::Function').filter(
        (f) => JSON.stringify(f.Properties.Role) === JSON.stringify({ 'Fn::GetAtt': [role, 'Arn'] }),
      );
      if (!func) throw new Error(`no function with the role ${role}`);
      expect(func.Properties.ReservedConcurrentExecutions).toBe(DEFAULT_ORGANIZATION_CONCURRENCY);
      const state = Object.keys(
        synthesized.central.findResources('AWS::DynamoDB::Table', {
          Properties: {
            KeySchema: [
              { AttributeName: 'pk', KeyType: 'HASH' },
              { AttributeName: 'sk', KeyType: 'RANGE' },
            ],
          },
        }),
      );
      expect(state).toHaveLength(1);
      expect(
        (func.Properties.Environment as { Variables: Record<string, unknown> }).Variables.STATE_TABLE_NAME,
      ).toEqual({ Ref: state[0] });
    },
  );
});

describe('with automatic remediation and unblock', () => {
  it('lets on-finding-imported assume the remediate role, which trusts it, and reads the evidence there', () => {
    const roles = automatic.central.findResources('AWS::IAM::Role', {
      Properties: { RoleName: 'ecr-compliance-central-OnFindingImported' },
    });
    const [logicalId] = Object.keys(roles);
    const policy = resourcesOfType(automatic.central, 'AWS::IAM::Policy').find(
      (p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalId }]),
    ) as any;
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:ResourceOrgID': ORG } },
      }),
    );
    const remediate = resourcesOfType(automatic.member, 'AWS::IAM::Role').find((r) =>
      JSON.stringify(r.Properties.RoleName).includes('ecr-compliance-remediate-'),
    ) as any;
    expect(remediate.Properties.AssumeRolePolicyDocument.Statement[0].Condition).toEqual({
      ArnEquals: {
        'aws:PrincipalArn': [
          centralRole('ecr-compliance-central-OnCustomAction'),
          centralRole('ecr-compliance-central-OnFindingImported'),
        ],
      },
    });
    const actions = remediate.Properties.Policies[0].PolicyDocument.Statement.flatMap((st: any) =>
      Array.isArray(st.Action) ? st.Action : [st.Action],
    );
    expect(actions.sort()).toEqual([
      'ecr:DeleteRepositoryPolicy',
      'ecr:DescribeImageScanFindings',
      'ecr:GetRepositoryPolicy',
      'ecr:ListImages',
      'ecr:SetRepositoryPolicy',
      'inspector2:ListFindings',
      'securityhub:GetFindings',
    ]);
    // Without automatic work the remediate role trusts on-custom-action alone and reads no evidence.
    const plain = resourcesOfType(synthesized.member, 'AWS::IAM::Role').find((r) =>
      JSON.stringify(r.Properties.RoleName).includes('ecr-compliance-remediate-'),
    ) as any;
    expect(JSON.stringify(plain.Properties.Policies)).not.toMatch(
      /DescribeImageScanFindings|ListImages|GetFindings/,
    );
  });

  it("follows every member's image findings in the administrator's feed, as AWS Event Ruler matches them", () => {
    const sample = JSON.parse(
      readFileSync(
        fileURLToPath(new URL('./events/securityhub-findings-imported.json', import.meta.url)),
        'utf8',
      ),
    );
    const env = { account: context.centralAccountId, region: context.centralRegion };
    const digest = `sha256:${'9'.repeat(64)}`;
    const imported = (account: string, region: string, productArn?: string) => ({
      ...sample,
      account: env.account,
      region: env.region,
      detail: {
        findings: [
          {
            ...sample.detail.findings[0],
            ProductArn: productArn ?? `arn:aws:securityhub:${region}:${account}:product/${account}/default`,
            GeneratorId: 'ecr-compliance/ecr-basic/image',
            Id: `ecr-compliance/ecr-basic/${account}/${region}/team-a/api/${digest}/image`,
            AwsAccountId: account,
          },
        ],
      },
    });
    const result = matchWithEventRuler(resolvedPatterns(automatic.central, env), {
      member: imported('444455556666', 'eu-west-1'),
      administrator: imported(env.account, env.region),
      inspector: imported(
        '444455556666',
        'eu-west-1',
        'arn:aws:securityhub:eu-west-1::product/aws/inspector',
      ),
      other: imported(
        '444455556666',
        'eu-west-1',
        'arn:aws:securityhub:eu-west-1::product/aquasecurity/aquasecurity',
      ),
    });
    const names = (event: string) => (result[event] ?? []).map((rule) => rule.replace(/[0-9A-F]{8}$/, ''));
    expect(names('member')).toEqual(['EcrComplianceAutoRemediationRule']);
    expect(names('administrator')).toEqual(['EcrComplianceAutoRemediationRule']);
    expect(names('inspector')).toEqual([]);
    expect(names('other')).toEqual([]);
  });

  it('passes cdk-nag with no open finding', () => {
    expect(automatic.report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });
});

describe('with the member StackSet in the central stack (context memberStackSet=true)', () => {
  let withStackSet: Synthesized;
  beforeAll(() => {
    withStackSet = synthesizeOrganization({}, { ...context, memberStackSet: true });
  });
  afterAll(() => rmSync(withStackSet.outdir, { recursive: true, force: true }));

  it('deploys the member template, service-managed, to the OUs and Regions, with the central account', () => {
    const sets = resourcesOfType(withStackSet.central, 'AWS::CloudFormation::StackSet');
    expect(sets).toHaveLength(1);
    const set = sets[0]?.Properties as Record<string, any>;
    expect(set).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: 'DELEGATED_ADMIN',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      // The central stack's own account: the one the member roles trust.
      Parameters: [{ ParameterKey: 'CentralAccountId', ParameterValue: { Ref: 'AWS::AccountId' } }],
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: context.memberOrganizationalUnits },
          Regions: context.deployedRegions,
        },
      ],
    });
    const body = JSON.parse(set.TemplateBody) as Record<string, any>;
    expect(Object.keys(body.Parameters)).toEqual(['CentralAccountId']);
    const types = (json: Record<string, any>) =>
      Object.values(json.Resources)
        .map((r: any) => r.Type)
        .filter((type) => type !== 'AWS::CDK::Metadata')
        .sort();
    expect(types(body)).toEqual(types(withStackSet.memberJson));
    expect(JSON.stringify(body.Resources)).not.toContain('Lambda');
    // No StackSet without the context value.
    expect(resourcesOfType(synthesized.central, 'AWS::CloudFormation::StackSet')).toEqual([]);
  });

  it('passes cfn-lint and cdk-nag', () => {
    expect(withStackSet.report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
    const { findings } = cfnLint(join(withStackSet.outdir, 'EcrComplianceCentral.template.json'));
    expect(withoutDependsOnWarning(findings)).toEqual([]);
  });
});

describe('both templates', () => {
  it('pass cdk-nag AwsSolutions with no open finding', () => {
    const nag = synthesized.report.pluginReports.find((plugin) => plugin.pluginName === 'AwsSolutions');
    expect(nag?.conclusion).toBe('success');
    expect(synthesized.report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
  });

  it.each([
    ['EcrComplianceCentral', 'default'],
    ['EcrComplianceMember', 'default'],
    ['EcrComplianceCentral', 'automatic'],
    ['EcrComplianceMember', 'automatic'],
  ])('pass cfn-lint: %s (%s)', (stack, which) => {
    const outdir = (which === 'automatic' ? automatic : synthesized).outdir;
    const { findings } = cfnLint(join(outdir, `${stack}.template.json`), [
      'us-east-1',
      'us-west-2',
      'eu-central-1',
    ]);
    // W3005 only, as in the single-account template: CDK's DependsOn of a function on its role.
    expect(withoutDependsOnWarning(findings)).toEqual([]);
  });
});

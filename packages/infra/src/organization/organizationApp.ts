import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Aws, CfnOutput } from 'aws-cdk-lib';
import { CfnStackSet } from 'aws-cdk-lib/aws-cloudformation';
import { EcrComplianceStack } from '../EcrComplianceStack.js';
import type { EcrContinuousComplianceProps } from '../EcrContinuousComplianceProps.js';
import { EcrComplianceMemberStack } from './EcrComplianceMemberStack.js';
import type { OrganizationContext } from './organizationContext.js';

/** The two stacks of the organization shape. */
export interface OrganizationStacks {
  /** `EcrComplianceCentral`: the pipeline, in the delegated administrator account and home Region. */
  readonly central: EcrComplianceStack;
  /** `EcrComplianceMember`: the member footprint, environment-agnostic, for the StackSet. */
  readonly member: EcrComplianceMemberStack;
}

/**
 * Adds the organization shape's two stacks to `app`, from the context values and the pipeline's
 * other settings. What `bin/org.ts` (`pnpm synth:org`) deploys; the tests synthesize the same.
 */
export function addOrganizationStacks(
  app: App,
  context: OrganizationContext,
  compliance: Omit<EcrContinuousComplianceProps, 'organization'> = {},
): OrganizationStacks {
  const central = new EcrComplianceStack(app, 'EcrComplianceCentral', {
    env: { account: context.centralAccountId, region: context.centralRegion },
    description:
      'ecr-compliance central stack: the pipeline for every account and Region of the organization',
    compliance: {
      ...compliance,
      organization: {
        organizationId: context.organizationId,
        deployedRegions: context.deployedRegions,
        allowedAccounts: context.allowedAccounts,
      },
    },
  });
  // Environment-agnostic: the StackSet deploys the same template to every account and Region.
  const member = new EcrComplianceMemberStack(app, 'EcrComplianceMember', memberProps(context, compliance));
  if (context.memberStackSet) {
    memberStackSet(central, context, memberTemplate(context, compliance));
  }
  // Where the StackSet rolls the member footprint out (docs/organization.md), for its deploy step.
  new CfnOutput(central, 'MemberOrganizationalUnits', {
    description:
      'The OUs the member StackSet deploys EcrComplianceMember to (context memberOrganizationalUnits)',
    value: context.memberOrganizationalUnits.join(','),
  });
  new CfnOutput(central, 'MemberRegions', {
    description: 'The Regions the member StackSet deploys EcrComplianceMember to (context deployedRegions)',
    value: context.deployedRegions.join(','),
  });
  return { central, member };
}

/** The member stack's props, from the context and the pipeline's settings. */
function memberProps(
  context: OrganizationContext,
  compliance: Omit<EcrContinuousComplianceProps, 'organization'>,
): ConstructorParameters<typeof EcrComplianceMemberStack>[2] {
  return {
    centralRegion: context.centralRegion,
    ...(compliance.blockableRepositories ? { blockableRepositories: compliance.blockableRepositories } : {}),
    // The remediate role reads the evidence only when the central stack remediates automatically.
    autoRemediation: compliance.autoRemediation ?? false,
    autoUnblock: compliance.autoUnblock ?? false,
  };
}

/** The member template as JSON, synthesized on its own (the StackSet carries it as its body). */
function memberTemplate(
  context: OrganizationContext,
  compliance: Omit<EcrContinuousComplianceProps, 'organization'>,
): string {
  const outdir = mkdtempSync(join(tmpdir(), 'ecr-compliance-member-'));
  try {
    const app = new App({ outdir });
    const stack = new EcrComplianceMemberStack(app, 'EcrComplianceMember', memberProps(context, compliance));
    return JSON.stringify(app.synth().getStackByName(stack.stackName).template);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * The member StackSet in the central stack: service-managed, deployed automatically to the OUs
 * (and to accounts that join them) in the deployed Regions, with the central account as its one
 * parameter. CloudFormation creates it as a StackSets delegated administrator (`DELEGATED_ADMIN`).
 */
function memberStackSet(
  scope: EcrComplianceStack,
  context: OrganizationContext,
  templateBody: string,
): CfnStackSet {
  return new CfnStackSet(scope, 'MemberStackSet', {
    stackSetName: 'ecr-compliance-member',
    description: 'ecr-compliance member footprint: roles for the central functions and the forwarding rules',
    permissionModel: 'SERVICE_MANAGED',
    callAs: 'DELEGATED_ADMIN',
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    capabilities: ['CAPABILITY_NAMED_IAM'],
    managedExecution: { Active: true },
    operationPreferences: {
      regionConcurrencyType: 'PARALLEL',
      maxConcurrentPercentage: 25,
      failureTolerancePercentage: 10,
    },
    parameters: [{ parameterKey: 'CentralAccountId', parameterValue: Aws.ACCOUNT_ID }],
    stackInstancesGroup: [
      {
        deploymentTargets: { organizationalUnitIds: [...context.memberOrganizationalUnits] },
        regions: [...context.deployedRegions],
      },
    ],
    templateBody,
  });
}

import { type App, CfnOutput } from 'aws-cdk-lib';
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
  const member = new EcrComplianceMemberStack(app, 'EcrComplianceMember', {
    centralRegion: context.centralRegion,
    ...(compliance.blockableRepositories ? { blockableRepositories: compliance.blockableRepositories } : {}),
    // The remediate role reads the evidence only when the central stack remediates automatically.
    autoRemediation: compliance.autoRemediation ?? false,
    autoUnblock: compliance.autoUnblock ?? false,
  });
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

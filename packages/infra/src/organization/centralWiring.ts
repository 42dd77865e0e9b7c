/**
 * What the organization shape adds to the central stack: the event bus the member rules forward
 * to, and each function's way into member accounts (its member role, and the organization's
 * account list, to refuse accounts outside it).
 */
import {
  CENTRAL_EVENT_BUS_NAME,
  CENTRAL_FUNCTIONS,
  type CentralFunction,
  memberRoleName,
  organizationEnvironment,
} from '@ecr-compliance/adapters-aws/environment';
import { Aws, Validations } from 'aws-cdk-lib';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { AnyPrincipal, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { ResolvedOrganizationOptions } from './OrganizationOptions.js';

/**
 * The central event bus (`ecr-compliance`). Its resource policy lets principals of the
 * organization, and nobody else, put events on it (`aws:PrincipalOrgID`); the member rules' roles
 * are such principals.
 */
export function centralEventBus(scope: Construct, organizationId: string): EventBus {
  const bus = new EventBus(scope, 'CentralEventBus', {
    eventBusName: CENTRAL_EVENT_BUS_NAME,
    description: 'ecr-compliance: ECR scans and deletions forwarded from the accounts of the organization',
  });
  bus.addToResourcePolicy(
    new PolicyStatement({
      sid: 'OrganizationMembersPutEvents',
      principals: [new AnyPrincipal()],
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: { StringEquals: { 'aws:PrincipalOrgID': organizationId } },
    }),
  );
  return bus;
}

/**
 * Lets a central function act in member accounts: its organization variables, `sts:AssumeRole` on
 * its member role in each deployed Region of accounts of the organization only
 * (`aws:ResourceOrgID`), and `organizations:DescribeAccount` on the organization's accounts, so
 * that an account outside it is refused before any call.
 */
export function grantMemberAccess(
  fn: LambdaFunction,
  which: CentralFunction,
  organization: ResolvedOrganizationOptions,
): void {
  const kind = CENTRAL_FUNCTIONS[which];
  const environment = organizationEnvironment({
    organizationId: organization.organizationId,
    memberRole: kind,
    deployedRegions: organization.deployedRegions,
    allowedAccounts: organization.allowedAccounts,
  });
  for (const [name, value] of Object.entries(environment)) fn.addEnvironment(name, value);
  const accounts = organization.allowedAccounts.length > 0 ? organization.allowedAccounts : (['*'] as const);
  const roles = accounts.flatMap((account) =>
    organization.deployedRegions.map(
      (region) => `arn:${Aws.PARTITION}:iam::${account}:role/${memberRoleName(kind, region)}`,
    ),
  );
  fn.addToRolePolicy(
    new PolicyStatement({
      actions: ['sts:AssumeRole'],
      resources: roles,
      conditions: { StringEquals: { 'aws:ResourceOrgID': organization.organizationId } },
    }),
  );
  const accountsOfOrganization = `arn:${Aws.PARTITION}:organizations::*:account/${organization.organizationId}/*`;
  fn.addToRolePolicy(
    new PolicyStatement({ actions: ['organizations:DescribeAccount'], resources: [accountsOfOrganization] }),
  );
  const role = fn.role;
  if (!role) return;
  if (organization.allowedAccounts.length === 0) {
    for (const region of organization.deployedRegions)
      Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${memberRoleName(kind, region)}]`,
        reason:
          'The member role of one deployed Region, in any account: the accounts are those of the organization (condition aws:ResourceOrgID), which grows without a redeployment; the role itself trusts only this function role.',
      });
  }
  Validations.of(role).acknowledge({
    id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:organizations::*:account/${organization.organizationId}/*]`,
    reason:
      "DescribeAccount on the accounts of this organization only, to refuse an account outside it; the management account's id in the ARN is not known to the delegated administrator's stack.",
  });
}

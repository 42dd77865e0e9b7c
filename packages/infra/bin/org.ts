#!/usr/bin/env node
/**
 * The CDK app behind `pnpm synth:org`: the organization shape. Two stacks from one construct
 * library:
 *
 * - `EcrComplianceCentral`: the whole pipeline in the Security Hub delegated administrator
 *   account and home Region, deployed with CDK;
 * - `EcrComplianceMember`: the member footprint (roles and forwarding rules, no Lambda, no asset,
 *   one parameter), rolled out to the accounts and Regions by a service-managed StackSet.
 *
 * The organization, OUs, accounts and Regions come from context values with example defaults
 * (`src/organization/organizationContext.ts`, docs/organization.md).
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addOrganizationStacks } from '../src/organization/organizationApp.js';
import { readOrganizationContext } from '../src/organization/organizationContext.js';

const app = new App();
addOrganizationStacks(
  app,
  readOrganizationContext((key) => app.node.tryGetContext(key)),
);
// Every synthesis (and so every deploy) is checked against the AWS Solutions rules.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();

#!/usr/bin/env node
/**
 * The CDK app behind `pnpm synth`, `pnpm run deploy` and `pnpm destroy`: one stack with the whole
 * pipeline, no parameters. Account and Region come from the environment the CDK CLI sets up
 * (`CDK_DEFAULT_ACCOUNT`, `CDK_DEFAULT_REGION`); without them (no credentials, offline synth) the stack
 * is environment-agnostic and the template resolves both at deploy time.
 */
import { App, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EcrComplianceStack } from '../src/index.js';

const app = new App();
const { CDK_DEFAULT_ACCOUNT: account, CDK_DEFAULT_REGION: region } = process.env;
const env: Environment = { ...(account ? { account } : {}), ...(region ? { region } : {}) };

new EcrComplianceStack(app, 'EcrCompliance', { env });
// Every synthesis (and so every deploy) is checked against the AWS Solutions rules.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();

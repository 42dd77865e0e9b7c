import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Duration } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IDestination } from 'aws-cdk-lib/aws-lambda';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { EcrComplianceInfraError } from './errors.js';

/**
 * The Lambda handlers the construct deploys, each named after its source file in
 * `@ecr-compliance/adapters-aws` (`src/handlers/<name>.ts`) and its prebuilt bundle in this package
 * (`lambda/<name>/index.mjs`). The bundle build (scripts/buildBundles.ts) and the construct both read
 * this list.
 */
export const HANDLERS = [
  'on-image-scan',
  'on-custom-action',
  'on-image-action',
  'on-finding-imported',
  'on-exception-schedule',
] as const;

/** One of {@link HANDLERS}. */
export type HandlerName = (typeof HANDLERS)[number];

/**
 * Directory of a handler's prebuilt bundle. The same relative path holds from `src/` (tests and the
 * repository's app) and from `dist/` (the published package): both sit beside `lambda/`.
 */
export function handlerBundleDir(name: HandlerName): string {
  return fileURLToPath(new URL(`../lambda/${name}`, import.meta.url));
}

/**
 * {@link handlerBundleDir}, checked: only a checkout can lack a bundle (the package ships them),
 * so the message says how to build it.
 */
export function builtHandlerBundleDir(name: HandlerName): string {
  const dir = handlerBundleDir(name);
  if (!existsSync(join(dir, 'index.mjs')))
    throw new EcrComplianceInfraError(
      `EcrContinuousCompliance: no bundle of ${name} at ${dir}; in a checkout, run pnpm build`,
    );
  return dir;
}

/** How the construct builds each of its functions from a prebuilt bundle (its role, logs and failure path). */
export interface FunctionOptions {
  /** Which prebuilt bundle the function runs. */
  readonly handler: HandlerName;
  readonly description: string;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly reservedConcurrentExecutions?: number;
  readonly logGroup: LogGroup;
  readonly environment: Record<string, string>;
  readonly statements: readonly PolicyStatement[];
  /** Whether a statement names every repository (`repository/*`), which cdk-nag then reports. */
  readonly anyRepository: boolean;
  readonly onFailure: IDestination;
  readonly maxEventAge: Duration;
}

import { fileURLToPath } from 'node:url';

// This module is run from its source, packages/infra/src (the app runs through tsx, tests through
// vitest), so the repository root is three levels up.
const rootUrl = new URL('../../../', import.meta.url);
const fromRoot = (path: string): string => fileURLToPath(new URL(path, rootUrl));

/**
 * Where the Lambda handlers and what they need to be bundled live in this repository. The bundler
 * reads the TypeScript sources directly (the workspace packages are not built first), so
 * `@ecr-compliance/core` is aliased to its source entry, as the root vitest config does for tests.
 */
export interface HandlerSources {
  /** Repository root: esbuild's project root. */
  readonly projectRoot: string;
  /** The pnpm lock file at the repository root. */
  readonly depsLockFilePath: string;
  /** Entry of the handler of "ECR Image Scan" events. */
  readonly onImageScan: string;
  /** Entry of the handler of Security Hub custom action events. */
  readonly onCustomAction: string;
  /** Entry of the handler of "ECR Image Action" (DELETE) events. */
  readonly onImageAction: string;
  /** Entry of the handler of "Security Hub Findings - Imported" events (automatic remediation). */
  readonly onFindingImported: string;
  /** Entry of the handler of the daily exception schedule. */
  readonly onExceptionSchedule: string;
  /**
   * Package name to source entry, for esbuild's `--alias`: the core from its sources, and the
   * SDK's default credential chain replaced by the environment provider (Lambda's credentials are
   * always in the environment; see environmentCredentials.ts).
   */
  readonly aliases: Readonly<Record<string, string>>;
}

/** The handler sources of this repository. */
export const HANDLER_SOURCES: HandlerSources = {
  projectRoot: fileURLToPath(rootUrl),
  depsLockFilePath: fromRoot('pnpm-lock.yaml'),
  onImageScan: fromRoot('packages/adapters-aws/src/handlers/on-image-scan.ts'),
  onCustomAction: fromRoot('packages/adapters-aws/src/handlers/on-custom-action.ts'),
  onImageAction: fromRoot('packages/adapters-aws/src/handlers/on-image-action.ts'),
  onFindingImported: fromRoot('packages/adapters-aws/src/handlers/on-finding-imported.ts'),
  onExceptionSchedule: fromRoot('packages/adapters-aws/src/handlers/on-exception-schedule.ts'),
  aliases: {
    '@ecr-compliance/core': fromRoot('packages/core/src/index.ts'),
    '@ecr-compliance/core/ecr': fromRoot('packages/core/src/ecr/index.ts'),
    '@aws-sdk/credential-provider-node': fromRoot(
      'packages/adapters-aws/src/lambda/environmentCredentials.ts',
    ),
  },
};

/**
 * How the handlers are bundled: minified ESM for Node.js 22 with the AWS SDK inside. ESM bundles
 * that contain the SDK need `require` for Node built-ins ("Dynamic require of node:https is not
 * supported" otherwise); the banner's alias keeps clear of names in the minified bundle. The
 * construct and the bundle benchmark (bench/bundles.bench.ts) both read it.
 */
export const HANDLER_BUNDLING = {
  target: 'node22',
  minify: true,
  mainFields: ['module', 'main'],
  banner:
    "import { createRequire as __ecrComplianceCreateRequire } from 'node:module'; const require = __ecrComplianceCreateRequire(import.meta.url);",
} as const;

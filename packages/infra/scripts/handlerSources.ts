import { fileURLToPath } from 'node:url';
import type { HandlerName } from '../src/handlers.js';

// This module runs from its source, packages/infra/scripts (through tsx), so the repository root is
// three levels up. It is a build-time module of this repository, not part of the published package.
const rootUrl = new URL('../../../', import.meta.url);
const fromRoot = (path: string): string => fileURLToPath(new URL(path, rootUrl));

/** Repository root. */
export const REPOSITORY_ROOT = fileURLToPath(rootUrl);

/** The TypeScript entry of a handler: `packages/adapters-aws/src/handlers/<name>.ts`. */
export function handlerEntry(name: HandlerName): string {
  return fromRoot(`packages/adapters-aws/src/handlers/${name}.ts`);
}

/**
 * Package name to source entry, for esbuild's `alias`: the core from its sources (the workspace
 * packages need not be built first), and the SDK's default credential chain replaced by the
 * environment provider (Lambda's credentials are always in the environment; see
 * environmentCredentials.ts).
 */
export const HANDLER_ALIASES: Readonly<Record<string, string>> = {
  '@ecr-compliance/core': fromRoot('packages/core/src/index.ts'),
  '@ecr-compliance/core/ecr': fromRoot('packages/core/src/ecr/index.ts'),
  '@ecr-compliance/core/scanners': fromRoot('packages/core/src/scanners/index.ts'),
  '@aws-sdk/credential-provider-node': fromRoot('packages/adapters-aws/src/lambda/environmentCredentials.ts'),
};

/**
 * How the handlers are bundled: minified ESM for Node.js 22 with the AWS SDK inside, and a source
 * map without the sources. ESM bundles that contain the SDK need `require` for Node built-ins
 * ("Dynamic require of node:https is not supported" otherwise); the banner's alias keeps clear of
 * names in the minified bundle. The bundle build and the bundle benchmark (bench/bundles.bench.ts)
 * both read it.
 */
export const HANDLER_BUNDLING = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: {
    js: "import { createRequire as __ecrComplianceCreateRequire } from 'node:module'; const require = __ecrComplianceCreateRequire(import.meta.url);",
  },
  alias: HANDLER_ALIASES,
  logLevel: 'error',
} as const;

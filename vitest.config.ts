import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Tests that start moto (Python) or run AWS Event Ruler (Java): `--project emulator`. */
const EMULATOR = [
  'packages/adapters-aws/test/integration/**/*.test.ts',
  'packages/infra/test/event-patterns.test.ts',
  'packages/infra/test/event-ruler.test.ts',
];
/** Tests that synthesize the construct from the prebuilt bundles (cdk-nag, cfn-lint): `--project synth`. */
const SYNTH = ['packages/infra/test/**/*.test.ts'];
/** Fast infra tests that synthesize nothing. */
const INFRA_UNIT = ['packages/infra/test/docs/**/*.test.ts'];
/** The consumer test: the packed tarballs installed with npm outside the workspace. */
const CONSUMER = ['packages/infra/test/consumer/**/*.test.ts'];

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, never a stale build.
    // Exact matches: a package's subpath export maps to its own entry point.
    alias: [
      { find: /^@ecr-compliance\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@ecr-compliance\/core\/ecr$/, replacement: src('./packages/core/src/ecr/index.ts') },
      {
        find: /^@ecr-compliance\/core\/scanners$/,
        replacement: src('./packages/core/src/scanners/index.ts'),
      },
      {
        find: /^@ecr-compliance\/adapters-aws\/environment$/,
        replacement: src('./packages/adapters-aws/src/lambda/environment.ts'),
      },
      { find: /^@ecr-compliance\/adapters-aws$/, replacement: src('./packages/adapters-aws/src/index.ts') },
    ],
  },
  test: {
    // The SDK's notice about Node.js 20 is not a test result.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Integration suites start their own emulator; keep the machine's two cores for them.
    fileParallelism: true,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // `pnpm test` runs every project; `vitest run --project unit` needs neither Python nor Java.
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'packages/core/test/**/*.test.ts',
            'packages/adapters-aws/test/**/*.test.ts',
            ...INFRA_UNIT,
          ],
          exclude: EMULATOR,
        },
      },
      {
        extends: true,
        test: { name: 'emulator', include: EMULATOR },
      },
      {
        extends: true,
        test: {
          name: 'synth',
          include: SYNTH,
          exclude: [...EMULATOR, ...CONSUMER, ...INFRA_UNIT],
          // The construct takes the prebuilt bundles: build what is stale first.
          globalSetup: ['packages/infra/test/support/buildBundles.globalSetup.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'consumer',
          include: CONSUMER,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});

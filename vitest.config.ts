import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

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
    include: ['packages/*/test/**/*.test.ts'],
    // Integration suites start their own emulator; keep the machine's two cores for them.
    fileParallelism: true,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});

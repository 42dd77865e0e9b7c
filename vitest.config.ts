import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, never a stale build.
    alias: {
      '@ecr-compliance/core': src('./packages/core/src/index.ts'),
      // Before the package itself: an alias also matches the subpaths of its name.
      '@ecr-compliance/adapters-aws/environment': src('./packages/adapters-aws/src/lambda/environment.ts'),
      '@ecr-compliance/adapters-aws': src('./packages/adapters-aws/src/index.ts'),
    },
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

/**
 * Import boundaries of the workspace (`pnpm run check:boundaries`), replacing the old hand-written
 * scanner: the core imports only itself and zod (no Node built-ins, SDKs, Lambda types, other
 * packages; type-only imports count too), and the adapters never import the CDK package. What code
 * may call (clock, randomness, environment, console, timers, network) is Biome's part: see the
 * `packages/core/src` override and biome-plugins/core-purity.grit in biome.json.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-imports-only-itself-and-zod',
      comment:
        'packages/core is pure: it receives data and returns data. Its only dependency is zod (STYLE.md, issue 2 §2).',
      severity: 'error',
      from: { path: '^packages/core/src/' },
      to: {
        pathNot: ['^packages/core/src/', 'node_modules/zod/'],
      },
    },
    {
      name: 'core-resolves-every-import',
      comment: 'An import the cruiser cannot resolve could be anything; in the core it is refused.',
      severity: 'error',
      from: { path: '^packages/core/src/' },
      to: { couldNotResolve: true },
    },
    {
      name: 'adapters-do-not-import-infra',
      comment: 'The CDK package depends on the adapters (their environment contract), never the reverse.',
      severity: 'error',
      from: { path: '^packages/adapters-aws/src/' },
      to: { path: '^packages/infra/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are imports too: `import type { Context } from 'aws-lambda'` is refused.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};

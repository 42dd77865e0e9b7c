/**
 * The core's purity is stated by two standard tools (issue 11 §2): dependency-cruiser for what it
 * imports (.dependency-cruiser.cjs) and Biome for what it calls (the packages/core/src override and
 * biome-plugins/core-purity.grit). These tests run both on the real sources and on a copy of the
 * repository's layout holding a violating file, so each check is seen to fail.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = (name: string) => join(repoRoot, 'node_modules/.bin', name);

const temps: string[] = [];
/** A folder laid out like the repository (so the tools' path rules apply), holding these files. */
function layout(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'core-purity-'));
  temps.push(root);
  cpSync(join(repoRoot, 'biome.json'), join(root, 'biome.json'));
  cpSync(join(repoRoot, 'biome-plugins'), join(root, 'biome-plugins'), { recursive: true });
  cpSync(join(repoRoot, '.dependency-cruiser.cjs'), join(root, '.dependency-cruiser.cjs'));
  // zod resolves as it does in the workspace.
  symlinkSync(join(repoRoot, 'packages/core/node_modules'), join(root, 'node_modules'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The violations (from the JSON report), and the exit status of the plain run CI makes. */
function depcruise(cwd: string, ...paths: string[]) {
  const run = (...extra: string[]) =>
    spawnSync(bin('depcruise'), [...paths, '--config', '.dependency-cruiser.cjs', ...extra], {
      cwd,
      encoding: 'utf8',
    });
  const report = JSON.parse(run('--output-type', 'json').stdout) as {
    summary: { violations: Array<{ from: string; to: string; rule: { name: string } }> };
  };
  return { status: run().status, violations: report.summary.violations };
}

function biomeLint(cwd: string, path = '.') {
  const vcs = cwd === repoRoot ? [] : ['--vcs-enabled=false'];
  const result = spawnSync(
    bin('biome'),
    ['lint', ...vcs, '--max-diagnostics=200', '--reporter=github', path],
    {
      cwd,
      encoding: 'utf8',
    },
  );
  const findings = [...result.stdout.matchAll(/^::error title=([^,]+),file=([^,]+),line=(\d+),/gm)].map(
    ([, rule, file, line]) => `${file?.slice(cwd.length + 1)}:${line} ${rule}`,
  );
  return { status: result.status, findings };
}

/** Code that is pure although it names Date, Math and forbidden names as properties. */
const pure = `import * as z from 'zod';
import type { Out } from 'zod/v4';
import { helper } from './util/helper.js';
export { helper } from './util/helper.js';
// process.env, Date.now(), fetch('x') and console.log appear only in comments and strings.
export const text = 'process.env.HOME, Date.now(), fetch(url), console.log, import("node:fs")';
export const when = new Date(0);
export const parsed = (s: string) => new Date(s).toISOString() + Date.parse(s) + Math.floor(1.5);
export const source = { fetch: (id: string) => id, console: 1 };
export const value = source.fetch('x') + String(z) + helper;
export type T = Out;
`;

const impure = [
  "import { readFileSync } from 'node:fs';",
  "import type { Context } from 'aws-lambda';",
  "export { ECRClient } from '@aws-sdk/client-ecr';",
  "import { x } from '../../adapters-aws/src/x.js';",
  "const os = await import('node:os');",
  'const region = process.env.AWS_REGION;',
  'const now = Date.now();',
  'const today = new Date();',
  'const id = Math.random();',
  "const res = await fetch('https://example.com');",
  'setTimeout(() => {}, 10);',
  "console.log('hi');",
  'const late = globalThis.Date.now();',
  'export { readFileSync, x, os, region, now, today, id, res, late };',
  'export type { Context };',
].join('\n');

describe('core purity', () => {
  it('holds for the real core: dependency-cruiser and Biome find nothing', () => {
    const imports = depcruise(
      repoRoot,
      'packages/core/src',
      'packages/adapters-aws/src',
      'packages/infra/src',
    );
    expect(imports.violations).toEqual([]);
    expect(imports.status).toBe(0);
    expect(biomeLint(repoRoot, 'packages/core/src')).toEqual({ status: 0, findings: [] });
  });

  it('accepts zod, relative imports, pure uses of Date and Math, and forbidden names as properties', () => {
    const root = layout({
      'packages/core/src/index.ts': pure,
      'packages/core/src/util/helper.ts':
        "import { text } from '../index.js';\nexport const helper = text;\n",
    });
    expect(depcruise(root, 'packages/core/src').violations).toEqual([]);
    expect(biomeLint(root)).toEqual({ status: 0, findings: [] });
  });

  it('fails on every import and call that breaks purity, naming the line', () => {
    const root = layout({
      'packages/core/src/bad.ts': impure,
      // The same code outside the core is not the core's business.
      'packages/adapters-aws/src/free.ts': 'export const region = process.env.AWS_REGION ?? Date.now();\n',
    });
    const imports = depcruise(root, 'packages/core/src', 'packages/adapters-aws/src');
    expect(imports.status).not.toBe(0);
    expect(imports.violations.map((violation) => `${violation.to} ${violation.rule.name}`).sort()).toEqual([
      '../../adapters-aws/src/x.js core-imports-only-itself-and-zod',
      '../../adapters-aws/src/x.js core-resolves-every-import',
      '@aws-sdk/client-ecr core-imports-only-itself-and-zod',
      '@aws-sdk/client-ecr core-resolves-every-import',
      'aws-lambda core-imports-only-itself-and-zod',
      'aws-lambda core-resolves-every-import',
      'fs core-imports-only-itself-and-zod',
      'os core-imports-only-itself-and-zod',
    ]);
    const calls = biomeLint(root);
    expect(calls.status).toBe(1);
    expect(calls.findings.sort()).toEqual(
      [
        'packages/core/src/bad.ts:6 lint/style/noRestrictedGlobals',
        'packages/core/src/bad.ts:7 plugin',
        'packages/core/src/bad.ts:8 plugin',
        'packages/core/src/bad.ts:9 plugin',
        'packages/core/src/bad.ts:10 lint/style/noRestrictedGlobals',
        'packages/core/src/bad.ts:11 lint/style/noRestrictedGlobals',
        'packages/core/src/bad.ts:12 lint/style/noRestrictedGlobals',
        'packages/core/src/bad.ts:13 lint/style/noRestrictedGlobals',
      ].sort(),
    );
  });

  it("keeps the core's manifest to one dependency, zod", () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'packages/core/package.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(Object.keys(manifest.dependencies as object)).toEqual(['zod']);
    for (const field of ['devDependencies', 'peerDependencies', 'optionalDependencies', 'bundleDependencies'])
      expect(manifest[field], field).toBeUndefined();
  });
});

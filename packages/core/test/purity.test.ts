import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const script = join(repoRoot, 'scripts/check-core-purity.mjs');

function runCheck(...args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: repoRoot, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const temps: string[] = [];
function tempPackage(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'core-purity-'));
  temps.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const cleanManifest = JSON.stringify({ name: 'core', dependencies: { zod: '4.6.7' } }, null, 2);

/** Code that mentions every forbidden name only in comments, strings, templates and regexes. */
const tricky = `import * as z from 'zod';
import type { Out } from 'zod/v4';
import { helper } from './util/helper.js';
export { helper } from './util/helper.js';

// process.env, Date.now(), fetch('x'), console.log and import('node:fs') appear only in comments.
/* require('fs'); new Date(); Math.random(); setTimeout(() => {}, 1) */
export const text = 'process.env.HOME, Date.now(), fetch(url), console.log, import("node:fs")';
export const quoted = "require('node:child_process') and new Date()";
export const template = \`a \${text} with console.log and \${quoted.length / 2} / Math.random()\`;
export const re = /fetch\\(|process\\.|"|'|\\/\\//g;
export const ratio = 10 / 2 / 5;
export const when = new Date(0);
export const parsed = (s: string) => new Date(s).toISOString();
export const source = { fetch: (id: string) => id, console: 1 };
export const value = source.fetch('x') + String(z) + helper;
export type T = Out;
`;

describe('check-core-purity', () => {
  it('passes on the real core package', () => {
    const { status, stdout, stderr } = runCheck();
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^core purity: \d+ files checked, ok\n$/);
    expect(status).toBe(0);
  });

  it('accepts zod, relative imports and forbidden names inside comments, strings and regexes', () => {
    const root = tempPackage({
      'package.json': cleanManifest,
      'src/index.ts': tricky,
      'src/util/helper.ts': "import { text } from '../index.js';\nexport const helper = text;\n",
    });
    const { status, stdout, stderr } = runCheck('--root', root);
    expect(stderr).toBe('');
    expect(stdout).toBe('core purity: 2 files checked, ok\n');
    expect(status).toBe(0);
  });

  it('reports every import, reference and dependency that breaks purity, one line each', () => {
    const root = tempPackage({
      'package.json': JSON.stringify(
        {
          name: 'core',
          dependencies: { zod: '4.6.7', '@aws-sdk/client-ecr': '3.0.0' },
          devDependencies: { vitest: '4.0.0' },
          peerDependencies: { 'aws-lambda': '*' },
        },
        null,
        2,
      ),
      'src/bad.ts': [
        "import { readFileSync } from 'node:fs';",
        "import type { Context } from 'aws-lambda';",
        "export { ECRClient } from '@aws-sdk/client-ecr';",
        "import 'reflect-metadata';",
        "import { x } from '../../adapters-aws/src/x.js';",
        "const os = await import('node:os');",
        "const cp = require('child_process');",
        'const region = process.env.AWS_REGION;',
        'const now = Date.now();',
        'const today = new Date();',
        'const id = Math.random();',
        "const res = await fetch('https://example.com');",
        'setTimeout(() => {}, 10);',
        "console.log('hi');",
        'const mod = await import(name);',
        'export { readFileSync, x, os, cp, region, now, today, id, res, mod };',
        'export type { Context };',
      ].join('\n'),
    });
    const { status, stdout, stderr } = runCheck('--root', root);
    expect(status).toBe(1);
    expect(stdout).toBe('');
    const bad = join(root, 'src/bad.ts');
    const manifest = join(root, 'package.json');
    expect(stderr.trim().split('\n')).toEqual([
      `${bad}:1: imports 'node:fs'`,
      `${bad}:2: imports 'aws-lambda'`,
      `${bad}:3: imports '@aws-sdk/client-ecr'`,
      `${bad}:4: imports 'reflect-metadata'`,
      `${bad}:5: imports '../../adapters-aws/src/x.js'`,
      `${bad}:6: imports 'node:os'`,
      `${bad}:7: imports 'child_process'`,
      `${bad}:8: references 'process.'`,
      `${bad}:9: references 'Date.now'`,
      `${bad}:10: references 'new Date()'`,
      `${bad}:11: references 'Math.random'`,
      `${bad}:12: references 'fetch('`,
      `${bad}:13: references 'setTimeout'`,
      `${bad}:14: references 'console.'`,
      `${bad}:15: imports 'import(name)' (computed specifier)`,
      `${manifest}:5: depends on '@aws-sdk/client-ecr' (dependencies)`,
      `${manifest}:8: depends on 'vitest' (devDependencies)`,
      `${manifest}:11: depends on 'aws-lambda' (peerDependencies)`,
      'core purity: 1 files checked, 18 violations',
    ]);
  });
});

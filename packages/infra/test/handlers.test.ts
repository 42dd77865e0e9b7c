import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HANDLERS, handlerBundleDir } from '../src/index.js';

const handlersDir = fileURLToPath(new URL('../../adapters-aws/src/handlers/', import.meta.url));
const infraManifest = JSON.parse(
  readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8'),
) as { files: string[] };

describe('HANDLERS', () => {
  it('names every handler source of the adapters, and nothing else', () => {
    const sources = readdirSync(handlersDir)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => name.replace(/\.ts$/, ''))
      .sort();
    expect([...HANDLERS].sort()).toEqual(sources);
  });

  it('has a built bundle for each, in the directory the package ships', () => {
    for (const name of HANDLERS) {
      const dir = handlerBundleDir(name);
      expect(dir.endsWith(join('packages', 'infra', 'lambda', name))).toBe(true);
      expect(readdirSync(dir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      expect(existsSync(join(dir, 'index.mjs'))).toBe(true);
    }
    expect(infraManifest.files).toEqual(expect.arrayContaining(['lambda/*/index.mjs', 'dist']));
  });
});

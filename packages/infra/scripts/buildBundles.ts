/**
 * Builds the construct's Lambda bundles: `packages/infra/lambda/<name>/index.mjs` (and its source
 * map) for every handler of HANDLERS, with esbuild, as HANDLER_BUNDLING says. `pnpm build` runs it;
 * the synth and consumer tests run it first too. A bundle is rebuilt only when one of the files it
 * was built from (esbuild's metafile inputs), this script, the bundling options or the lock file is
 * newer than it, so a second run costs a few stat calls.
 *
 * Usage: tsx packages/infra/scripts/buildBundles.ts [--force]
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { HANDLERS, type HandlerName, handlerBundleDir } from '../src/handlers.js';
import { HANDLER_BUNDLING, handlerEntry, REPOSITORY_ROOT } from './handlerSources.js';

/** Where the inputs of the last build of each bundle are recorded (git-ignored, not packed). */
const STAMPS = fileURLToPath(new URL('../.bundles/', import.meta.url));
/** Files whose change rebuilds every bundle. */
const ALWAYS = [
  fileURLToPath(import.meta.url),
  fileURLToPath(new URL('./handlerSources.ts', import.meta.url)),
  join(REPOSITORY_ROOT, 'pnpm-lock.yaml'),
];

const mtime = (path: string): number => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
};

function upToDate(name: HandlerName): boolean {
  const output = join(handlerBundleDir(name), 'index.mjs');
  const built = mtime(output);
  if (!Number.isFinite(built)) return false;
  let inputs: string[];
  try {
    inputs = (JSON.parse(readFileSync(join(STAMPS, `${name}.json`), 'utf8')) as { inputs: string[] }).inputs;
  } catch {
    return false;
  }
  return [...ALWAYS, ...inputs].every((input) => mtime(input) <= built);
}

/** Builds one bundle and records its inputs. */
async function buildOne(name: HandlerName): Promise<void> {
  const dir = handlerBundleDir(name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const result = await build({
    ...HANDLER_BUNDLING,
    mainFields: [...HANDLER_BUNDLING.mainFields],
    alias: { ...HANDLER_BUNDLING.alias },
    entryPoints: [handlerEntry(name)],
    outfile: join(dir, 'index.mjs'),
    // Paths in the metafile are relative to the working directory.
    absWorkingDir: REPOSITORY_ROOT,
    metafile: true,
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(REPOSITORY_ROOT, input));
  mkdirSync(dirname(join(STAMPS, `${name}.json`)), { recursive: true });
  writeFileSync(join(STAMPS, `${name}.json`), `${JSON.stringify({ inputs }, null, 2)}\n`);
}

const force = process.argv.includes('--force');
const stale = HANDLERS.filter((name) => force || !upToDate(name));
await Promise.all(stale.map(buildOne));
if (stale.length > 0) process.stdout.write(`bundles: built ${stale.join(', ')}\n`);

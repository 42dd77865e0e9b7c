#!/usr/bin/env node
/**
 * `pnpm run package` (after `pnpm run build`): one tarball per publishable package of the workspace
 * (every package that is not `private`) into `artifacts/`, through `pnpm pack`, which turns
 * `workspace:*` dependencies into the packages' real versions. Prints the tarballs' paths, one a
 * line; with `--json`, an array of { name, version, path, size, unpackedSize, files } instead.
 * `--destination DIR` writes them into DIR instead of `artifacts/` (the consumer test does).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const destinationAt = process.argv.indexOf('--destination');
const artifacts =
  destinationAt > 0 ? resolve(process.argv[destinationAt + 1] ?? '') : join(root, 'artifacts');
if (destinationAt < 0) rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });

const packed = [];
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const packageDir = join(root, 'packages', dir);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  } catch {
    continue;
  }
  if (manifest.private) continue;
  const out = execFileSync('pnpm', ['pack', '--json', '--pack-destination', artifacts], {
    cwd: packageDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const result = JSON.parse(out);
  const files = (result.files ?? []).map((file) => file.path);
  const path = join(artifacts, relative(artifacts, result.filename));
  const unpackedSize = (result.files ?? []).reduce(
    (sum, file) => sum + (file.size ?? statSync(join(packageDir, file.path)).size),
    0,
  );
  packed.push({
    name: manifest.name,
    version: manifest.version,
    path,
    size: statSync(path).size,
    unpackedSize,
    files,
  });
}

if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(packed, null, 2)}\n`);
else for (const { path } of packed) process.stdout.write(`${relative(process.cwd(), path) || path}\n`);

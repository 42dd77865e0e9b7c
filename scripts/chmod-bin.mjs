#!/usr/bin/env node
/**
 * Gives every `bin` of the workspace's packages its execute bit after `tsc` (which writes files
 * without it), so `packages/adapters-aws/dist/cli/main.js` runs as a program from a checkout too.
 */
import { chmodSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packages = fileURLToPath(new URL('../packages/', import.meta.url));
for (const dir of readdirSync(packages)) {
  const manifest = join(packages, dir, 'package.json');
  if (!existsSync(manifest)) continue;
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8'));
  const paths = typeof bin === 'string' ? [bin] : Object.values(bin ?? {});
  for (const path of paths) chmodSync(join(packages, dir, path), 0o755);
}

#!/usr/bin/env node
/**
 * Fails when packages/core stops being pure (issue 2 §2): its sources may import only relative
 * paths inside packages/core/src and `zod` (or `zod/...`), may not touch the environment, the
 * clock, randomness, timers, the network or the console, and its package.json may depend on zod
 * only. Plain Node, no dependencies, so it runs before `pnpm install` has finished anything.
 *
 * Usage: node scripts/check-core-purity.mjs [--root DIR]
 *   --root DIR  the package to check (holds src/ and package.json); default packages/core
 *
 * Prints `core purity: N files checked, ok` and exits 0, or one line per violation
 * (`file:line: imports 'x'`, `file:line: references 'x'`, `file:line: depends on 'x' (field)`)
 * on standard error and exits 1. Exit 2 on a usage error.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const CODE_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const DEPENDENCY_FIELDS = [
  'dependencies',
  'devDependencies',
  'peerDependencies',
  'optionalDependencies',
  'bundleDependencies',
  'bundledDependencies',
];

/** Not preceded by an identifier character or a dot, or reached through `globalThis.` and friends. */
const G = String.raw`(?:(?<![\w$.])|(?<=(?<![\w$.])(?:globalThis|global|window|self)\s*\??\.\s*))`;
const FORBIDDEN = [
  ['process.', String.raw`${G}process\s*(?:\?\.|\.|\[)`],
  ['Date.now', String.raw`${G}Date\s*\??\.\s*now\b`],
  ['new Date()', String.raw`(?<![\w$.])new\s+(?:globalThis\s*\.\s*)?Date\b(?:\s*\(\s*\)|(?!\s*\())`],
  ['Math.random', String.raw`${G}Math\s*\??\.\s*random\b`],
  ['performance.now', String.raw`${G}performance\s*\??\.\s*now\b`],
  ['crypto random', String.raw`${G}crypto\s*\??\.\s*(?:getRandomValues|randomUUID)\b`],
  ['Temporal.Now', String.raw`${G}Temporal\s*\??\.\s*Now\b`],
  ['fetch(', String.raw`${G}fetch\s*(?:\?\.\s*)?\(`],
  ['setTimeout', String.raw`${G}setTimeout\b`],
  ['setInterval', String.raw`${G}setInterval\b`],
  ['setImmediate', String.raw`${G}setImmediate\b`],
  ['console.', String.raw`${G}console\s*(?:\?\.|\.|\[)`],
  ['require.', String.raw`(?<![\w$.])require\s*\.`],
].map(([label, source]) => ({ label, pattern: new RegExp(source, 'g') }));

/** Keywords after which a `/` starts a regular expression rather than a division. */
const BEFORE_REGEX = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'of',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'yield',
  'await',
]);

function usage(message) {
  process.stderr.write(`${message}\nusage: node scripts/check-core-purity.mjs [--root DIR]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  let root = fileURLToPath(new URL('../packages/core', import.meta.url));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--root') {
      const value = argv[++i];
      if (!value) usage('--root needs a directory');
      root = resolve(value);
    } else if (arg.startsWith('--root=')) {
      root = resolve(arg.slice('--root='.length));
    } else if (arg === '--help' || arg === '-h') {
      process.stdout.write('usage: node scripts/check-core-purity.mjs [--root DIR]\n');
      process.exit(0);
    } else {
      usage(`unknown argument: ${arg}`);
    }
  }
  return { root };
}

function listFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') out.push(...listFiles(path));
    } else if (CODE_FILE.test(entry.name)) {
      out.push(path);
    }
  }
  return out.sort();
}

/**
 * Returns `source` with the inside of comments, strings, template literals and regular
 * expressions replaced by spaces (newlines and delimiters kept), so offsets and line numbers
 * still match the original while only code is left to search. `${...}` inside templates stays code.
 */
export function maskNonCode(source) {
  const out = source.split('');
  const n = source.length;
  const blank = (from, to) => {
    for (let k = from; k < to && k < n; k++) if (out[k] !== '\n' && out[k] !== '\r') out[k] = ' ';
  };
  /** 'b' for a brace opened in code, 't' for a `${` opened in a template. */
  const stack = [];
  /** Whether the last significant token ends an expression (then `/` divides). */
  let afterValue = false;
  let i = 0;

  const template = (from) => {
    let j = from;
    while (j < n) {
      const c = source[j];
      if (c === '\\') {
        j += 2;
      } else if (c === '`') {
        blank(from, j);
        afterValue = true;
        return j + 1;
      } else if (c === '$' && source[j + 1] === '{') {
        blank(from, j);
        stack.push('t');
        afterValue = false;
        return j + 2;
      } else {
        j++;
      }
    }
    blank(from, n);
    return n;
  };

  while (i < n) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      let end = source.indexOf('\n', i);
      if (end < 0) end = n;
      blank(i, end);
      i = end;
    } else if (c === '/' && next === '*') {
      let end = source.indexOf('*/', i + 2);
      end = end < 0 ? n : end + 2;
      blank(i, end);
      i = end;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && source[j] !== c && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      blank(i + 1, j);
      i = j + 1;
      afterValue = true;
    } else if (c === '`') {
      i = template(i + 1);
    } else if (c === '/' && !afterValue) {
      let j = i + 1;
      let inClass = false;
      while (j < n && source[j] !== '\n') {
        const r = source[j];
        if (r === '\\') {
          j += 2;
          continue;
        }
        if (r === '[') inClass = true;
        else if (r === ']') inClass = false;
        else if (r === '/' && !inClass) break;
        j++;
      }
      if (j < n && source[j] === '/') {
        blank(i + 1, j);
        i = j + 1;
        while (i < n && /[a-z]/i.test(source[i])) i++;
        afterValue = true;
      } else {
        afterValue = false;
        i++;
      }
    } else if (c === '{') {
      stack.push('b');
      afterValue = false;
      i++;
    } else if (c === '}') {
      if (stack.pop() === 't') {
        i = template(i + 1);
      } else {
        afterValue = true;
        i++;
      }
    } else if (/[A-Za-z_$\d]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w$]/.test(source[j])) j++;
      const word = source.slice(i, j);
      afterValue = !BEFORE_REGEX.has(word) || source[i - 1] === '.';
      i = j;
    } else {
      if (c === ')' || c === ']') afterValue = true;
      else if (!/\s/.test(c)) afterValue = false;
      i++;
    }
  }
  return out.join('');
}

function lineOf(text, offset) {
  let line = 1;
  for (let k = 0; k < offset; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

function isAllowedSpecifier(specifier, file, srcDir) {
  if (specifier === 'zod' || specifier.startsWith('zod/')) return true;
  if (specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../')) {
    const target = resolve(dirname(file), specifier);
    return target === srcDir || target.startsWith(srcDir + sep);
  }
  return false;
}

/** The string literal that starts at `open` (a quote or a backtick without `${`), or undefined. */
function literalAt(source, masked, open) {
  const quote = masked[open];
  if (quote !== '"' && quote !== "'" && quote !== '`') return undefined;
  const close = masked.indexOf(quote, open + 1);
  if (close < 0) return undefined;
  if (quote === '`' && masked.slice(open + 1, close).trim() !== '') return undefined;
  return source.slice(open + 1, close);
}

/** Violations of one source file, as `{ line, message }`. */
export function checkSource(source, file, srcDir) {
  const masked = maskNonCode(source);
  const found = [];
  const report = (offset, message) => found.push({ line: lineOf(source, offset), message });
  const checkSpecifier = (offset, specifier) => {
    if (!isAllowedSpecifier(specifier, file, srcDir)) report(offset, `imports '${specifier}'`);
  };

  // import ... from 'x'; import 'x'; export ... from 'x' (import type included).
  for (const m of masked.matchAll(/(?<![\w$.])(import|export)\b([\w$*{},\s]*?)(['"])/g)) {
    const [, keyword, between] = m;
    const sideEffect = keyword === 'import' && between.trim() === '';
    if (!sideEffect && !/\bfrom\s*$/.test(between)) continue;
    const open = m.index + m[0].length - 1;
    const specifier = literalAt(source, masked, open);
    if (specifier !== undefined) checkSpecifier(m.index, specifier);
  }
  // import('x'), require('x'), and the same with a computed specifier.
  for (const m of masked.matchAll(/(?<![\w$.])(import|require)\s*\(\s*/g)) {
    const open = m.index + m[0].length;
    const specifier = literalAt(source, masked, open);
    if (specifier !== undefined) {
      checkSpecifier(m.index, specifier);
    } else {
      const end = masked.indexOf(')', open);
      const expression = source.slice(open, end < 0 ? open + 40 : end).trim();
      report(m.index, `imports '${m[1]}(${expression})' (computed specifier)`);
    }
  }
  // /// <reference types="x" /> and /// <reference path="x" />
  for (const m of source.matchAll(/^[ \t]*\/\/\/[ \t]*<reference\s+(types|path)\s*=\s*["']([^"']+)["']/gm)) {
    const specifier = m[1] === 'path' && !m[2].startsWith('.') ? `./${m[2]}` : m[2];
    checkSpecifier(m.index, specifier);
  }
  for (const { label, pattern } of FORBIDDEN) {
    for (const m of masked.matchAll(pattern)) report(m.index, `references '${label}'`);
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Violations of the package manifest: any dependency other than zod, in any dependency field. */
export function checkManifest(text) {
  let manifest;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    return [{ line: 1, message: `is not valid JSON (${error.message})` }];
  }
  const found = [];
  const lines = text.split('\n');
  for (const field of DEPENDENCY_FIELDS) {
    const value = manifest[field];
    if (value === undefined) continue;
    const names = Array.isArray(value) ? value : Object.keys(value ?? {});
    const fieldLine = lines.findIndex((l) => l.includes(`"${field}"`));
    for (const name of names) {
      if (name === 'zod') continue;
      let line = lines.findIndex((l, k) => k >= fieldLine && l.includes(`"${name}"`));
      if (line < 0) line = fieldLine;
      found.push({ line: line + 1, message: `depends on '${name}' (${field})` });
    }
  }
  return found;
}

function display(path) {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function main() {
  const { root } = parseArgs(process.argv.slice(2));
  const srcDir = join(root, 'src');
  if (!existsSync(srcDir) || !statSync(srcDir).isDirectory()) usage(`no src directory under ${root}`);
  const violations = [];
  const files = listFiles(srcDir);
  for (const file of files) {
    for (const v of checkSource(readFileSync(file, 'utf8'), file, srcDir)) {
      violations.push(`${display(file)}:${v.line}: ${v.message}`);
    }
  }
  const manifestPath = join(root, 'package.json');
  if (existsSync(manifestPath)) {
    for (const v of checkManifest(readFileSync(manifestPath, 'utf8'))) {
      violations.push(`${display(manifestPath)}:${v.line}: ${v.message}`);
    }
  } else {
    violations.push(`${display(manifestPath)}:1: is missing`);
  }
  if (violations.length > 0) {
    process.stderr.write(`${violations.join('\n')}\n`);
    process.stderr.write(
      `core purity: ${files.length} files checked, ${violations.length} violation${violations.length === 1 ? '' : 's'}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`core purity: ${files.length} files checked, ok\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();

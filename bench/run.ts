/**
 * Runs the benchmark modules `bench/<name>.bench.ts` (all, or those named on the command line),
 * prints their figures as a table and merges them into `.bench/results.json`.
 *
 *   pnpm bench                 # every module
 *   pnpm bench mapping         # only bench/mapping.bench.ts
 *   pnpm bench --strict ...    # exit 1 when a goal is missed
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchModule, type BenchResult, formatNumber } from './harness.js';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(benchDir, '..');
const resultsFile = join(repoRoot, '.bench', 'results.json');
const SUFFIX = '.bench.ts';

// The SDK's notice about Node.js 20 is not a figure.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

interface ModuleRun {
  readonly name: string;
  readonly description?: string;
  readonly measuredAt: string;
  readonly elapsedMs: number;
  readonly results: readonly BenchResult[];
}

interface ResultsFile {
  readonly environment: Record<string, string | number>;
  readonly modules: Record<string, ModuleRun>;
}

function usage(message?: string): never {
  const available = availableModules().join(', ');
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write(`usage: pnpm bench [--strict] [NAME...]\navailable: ${available}\n`);
  process.exit(message ? 2 : 0);
}

function availableModules(): string[] {
  return readdirSync(benchDir)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
}

async function load(file: string): Promise<BenchModule> {
  const mod = (await import(pathToFileURL(join(benchDir, `${file}${SUFFIX}`)).href)) as Partial<BenchModule>;
  if (typeof mod.run !== 'function') throw new Error(`bench/${file}${SUFFIX} exports no run()`);
  return {
    name: mod.name ?? file,
    run: mod.run,
    ...(mod.description ? { description: mod.description } : {}),
  };
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  const line = (r: readonly string[]) =>
    r
      .map((cell, c) => (c === 2 ? cell.padStart(widths[c] ?? 0) : cell.padEnd(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = rows;
  return [line(head ?? []), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function readPrevious(): ResultsFile['modules'] {
  try {
    return (JSON.parse(readFileSync(resultsFile, 'utf8')) as ResultsFile).modules ?? {};
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) usage();
  const strict = args.includes('--strict');
  const names = args.filter((a) => a !== '--strict');
  const unknownFlag = names.find((n) => n.startsWith('-'));
  if (unknownFlag) usage(`unknown option: ${unknownFlag}`);
  const all = availableModules();
  const unknown = names.filter((n) => !all.includes(n));
  if (unknown.length > 0) usage(`unknown benchmark: ${unknown.join(', ')}`);
  const selected = names.length > 0 ? all.filter((n) => names.includes(n)) : all;

  const runs: ModuleRun[] = [];
  for (const file of selected) {
    const mod = await load(file);
    process.stdout.write(`\n## ${mod.name}${mod.description ? `: ${mod.description}` : ''}\n`);
    const start = performance.now();
    const results = await mod.run({
      log: (line) => process.stdout.write(`${line}\n`),
      progress: (line) => process.stderr.write(`  ${line}\n`),
    });
    runs.push({
      name: mod.name,
      ...(mod.description ? { description: mod.description } : {}),
      measuredAt: new Date().toISOString(),
      elapsedMs: Math.round(performance.now() - start),
      results,
    });
  }

  const rows = [['benchmark', 'figure', 'value', 'unit', 'goal', 'met']];
  for (const run of runs) {
    for (const r of run.results) {
      rows.push([
        run.name,
        r.name,
        formatNumber(r.value),
        r.unit,
        r.goal ?? '',
        r.pass === undefined ? '' : r.pass ? 'yes' : 'NO',
      ]);
    }
  }
  process.stdout.write(`\n${table(rows)}\n`);

  const cpu = cpus()[0];
  const file: ResultsFile = {
    environment: {
      node: process.version,
      platform: `${platform()}-${arch()}`,
      cpu: cpu ? cpu.model.trim() : 'unknown',
      cpus: cpus().length,
    },
    modules: { ...readPrevious(), ...Object.fromEntries(runs.map((r) => [r.name, r])) },
  };
  mkdirSync(join(repoRoot, '.bench'), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify(file, null, 2)}\n`);

  const goals = runs.flatMap((r) => r.results).filter((r) => r.pass !== undefined);
  const missed = goals.filter((r) => r.pass === false);
  process.stdout.write(
    `\n${goals.length - missed.length}/${goals.length} goals met; figures written to .bench/results.json\n`,
  );
  if (strict && missed.length > 0) process.exit(1);
}

await main();

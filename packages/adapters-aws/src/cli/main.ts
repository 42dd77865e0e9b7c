#!/usr/bin/env node
/**
 * The ecr-compliance command line: parse arguments, run a command, turn expected errors into a
 * one-line message and an exit code (1: invalid input or failed operation, 2: usage).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { EcrComplianceError } from '@ecr-compliance/core';
import { describeError } from '../awsErrors.js';
import { exceptionCommand } from './exceptions.js';
import { HELP } from './help.js';
import { type Io, oneLine, processIo, UsageError } from './io.js';
import { findingsCommand, policyCommand } from './offline.js';
import { importCommand, repositoryCommand } from './online.js';
import { statusCommand } from './status.js';

/** The package's version (changesets keeps it), read from its manifest: ../../package.json from src/cli and dist/cli. */
const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const COMMON = { help: { type: 'boolean', short: 'h' } } as const;
const AWS = { region: { type: 'string' }, 'endpoint-url': { type: 'string' } } as const;
/** How a scan is read: its format and, for scanner reports, what ties it to an ECR image. */
const REPORT = {
  format: { type: 'string' },
  repository: { type: 'string' },
  'image-digest': { type: 'string' },
  account: { type: 'string' },
  'scanned-at': { type: 'string' },
} as const;
const OPTIONS = {
  findings: {
    ...COMMON,
    ...REPORT,
    input: { type: 'string' },
    region: { type: 'string' },
    granularity: { type: 'string' },
  },
  policy: {
    ...COMMON,
    policy: { type: 'string' },
    region: { type: 'string' },
    'exempt-principal': { type: 'string', multiple: true },
    'allow-broad-exemptions': { type: 'boolean' },
  },
  import: {
    ...COMMON,
    ...AWS,
    ...REPORT,
    input: { type: 'string' },
    'image-digest': { type: 'string' },
    'image-tag': { type: 'string' },
    'registry-id': { type: 'string' },
    granularity: { type: 'string' },
    'dry-run': { type: 'boolean' },
    table: { type: 'string' },
    'max-expiry-days': { type: 'string' },
    'state-table': { type: 'string' },
  },
  block: {
    ...COMMON,
    ...AWS,
    repository: { type: 'string' },
    'registry-id': { type: 'string' },
    'exempt-principal': { type: 'string', multiple: true },
    'allow-broad-exemptions': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
  },
  unblock: {
    ...COMMON,
    ...AWS,
    repository: { type: 'string' },
    'registry-id': { type: 'string' },
    'dry-run': { type: 'boolean' },
  },
  status: {
    ...COMMON,
    ...AWS,
    repository: { type: 'string' },
    'registry-id': { type: 'string' },
    threshold: { type: 'string' },
    output: { type: 'string' },
    limit: { type: 'string' },
  },
  exception: {
    ...COMMON,
    ...AWS,
    table: { type: 'string' },
    account: { type: 'string' },
    vulnerability: { type: 'string' },
    repository: { type: 'string' },
    'repository-prefix': { type: 'string' },
    'all-repositories': { type: 'boolean' },
    'image-digest': { type: 'string' },
    package: { type: 'string' },
    justification: { type: 'string' },
    statement: { type: 'string' },
    owner: { type: 'string' },
    expires: { type: 'string' },
    id: { type: 'string' },
    'max-expiry-days': { type: 'string' },
    'dry-run': { type: 'boolean' },
    output: { type: 'string' },
    format: { type: 'string' },
    author: { type: 'string' },
  },
} as const;

type Command = keyof typeof OPTIONS;
type Options = NonNullable<ParseArgsConfig['options']>;

function parse<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    // Node's advice on positionals that start with '-' is longer than the problem.
    const line = (error as Error).message
      .split('\n')[0]
      ?.replace(/\. To specify a positional argument.*$/, '');
    throw new UsageError(line || 'invalid arguments');
  }
}

/** Runs the command line with `argv` (without node and script); returns the exit code. */
export async function run(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      io.stderr(HELP.main ?? '');
      return 2;
    }
    if (command === '--help' || command === '-h' || command === 'help') {
      io.stdout(HELP.main ?? '');
      return 0;
    }
    if (command === '--version') {
      io.stdout(`${VERSION}\n`);
      return 0;
    }
    if (!(command in OPTIONS))
      throw new UsageError(`unknown command ${JSON.stringify(command)}; see ecr-compliance --help`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout(HELP[command] ?? '');
      return 0;
    }
    switch (command as Command) {
      case 'findings': {
        const { values, positionals } = parse(rest, OPTIONS.findings, true);
        await findingsCommand(io, values, positionals);
        break;
      }
      case 'policy': {
        const { values, positionals } = parse(rest, OPTIONS.policy, true);
        if (positionals.length > 1)
          throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);
        await policyCommand(io, positionals[0], values);
        break;
      }
      case 'import': {
        const { values, positionals } = parse(rest, OPTIONS.import, true);
        await importCommand(io, values, positionals);
        break;
      }
      case 'block':
        await repositoryCommand(io, 'block', parse(rest, OPTIONS.block).values);
        break;
      case 'unblock':
        await repositoryCommand(io, 'unblock', parse(rest, OPTIONS.unblock).values);
        break;
      case 'status':
        await statusCommand(io, parse(rest, OPTIONS.status).values);
        break;
      case 'exception': {
        const { values, positionals } = parse(rest, OPTIONS.exception, true);
        await exceptionCommand(io, positionals, values);
        break;
      }
    }
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`ecr-compliance: ${oneLine(error.message)}\n`);
      return 2;
    }
    if (error instanceof EcrComplianceError) {
      io.stderr(`ecr-compliance: ${oneLine(error.message)}\n`);
      return 1;
    }
    // AWS and network errors: one line; a stack trace only on request.
    io.stderr(`ecr-compliance: ${oneLine(describeError(error))}\n`);
    if (io.env.ECR_COMPLIANCE_DEBUG && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return 1;
  }
}

/** True when this module is the program node started (also through a symlinked bin), not an import. */
function isMain(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) {
  // The SDK's multi-line notice about Node.js 20 would break the one-line error contract.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // A reader that stops early (`| head`) is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

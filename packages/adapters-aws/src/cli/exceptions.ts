/**
 * `ecr-compliance exception add|list|remove|import|export`: exceptions that expire, kept in the
 * deployment's DynamoDB table, applied to the findings in Security Hub.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  addException,
  DEFAULT_MAX_EXCEPTION_DAYS,
  EcrComplianceError,
  type ExceptionChange,
  type ExceptionDeps,
  type ExceptionRecord,
  type ExceptionScope,
  exceptionState,
  InvalidInputError,
  MAX_EXCEPTION_DAYS_LIMIT,
  MAX_EXPIRY_DAYS_TAG,
  newException,
  parseTrivyIgnore,
  readOpenVex,
  removeException,
  toOpenVex,
  toTrivyIgnoreYaml,
} from '@ecr-compliance/core';
import { EcrScanFindingsSource } from '../ecr/EcrScanFindingsSource.js';
import { DynamoDbExceptionStore } from '../exceptions/DynamoDbExceptionStore.js';
import { SecurityHubExceptionFindings } from '../exceptions/SecurityHubExceptionFindings.js';
import { SecurityHubFindingsPublisher } from '../securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../securityhub/SecurityHubFindingsStore.js';
import { type Io, parseJson, printJson, readInput, UsageError } from './io.js';

/** Options of `ecr-compliance exception`. */
export interface ExceptionOptions {
  region?: string;
  'endpoint-url'?: string;
  table?: string;
  account?: string;
  vulnerability?: string;
  repository?: string;
  'repository-prefix'?: string;
  'all-repositories'?: boolean;
  'image-digest'?: string;
  package?: string;
  justification?: string;
  statement?: string;
  owner?: string;
  expires?: string;
  id?: string;
  'max-expiry-days'?: string;
  'dry-run'?: boolean;
  output?: string;
  format?: string;
  author?: string;
}

/** What the command needs from AWS; tests give in-memory ones. */
export interface ExceptionCommandDeps {
  readonly deps: ExceptionDeps;
  readonly region: string;
  /** The present, ISO-8601. */
  now(): string;
  /** The longest expiry the deployment publishes (the table's tag), if it does. */
  maxExpiryDays?(): Promise<number | undefined>;
}

/** Builds the AWS dependencies from the flags and the environment. */
export async function awsExceptionDeps(io: Io, options: ExceptionOptions): Promise<ExceptionCommandDeps> {
  const table = options.table ?? io.env.ECR_COMPLIANCE_EXCEPTIONS_TABLE;
  if (!table)
    throw new UsageError(
      'no table: pass --table NAME or set ECR_COMPLIANCE_EXCEPTIONS_TABLE (the stack output ExceptionsTableName)',
    );
  const config = {
    ...(options.region ? { region: options.region } : {}),
    ...(options['endpoint-url'] ? { endpoint: options['endpoint-url'] } : {}),
  };
  const ecr = new ECRClient(config);
  let region: string;
  try {
    region = await ecr.config.region();
  } catch {
    throw new UsageError('no region: pass --region R, set AWS_REGION, or configure one in your AWS profile');
  }
  const securityHub = new SecurityHubClient({ ...config, region });
  const quotaAware = new SecurityHubClient({ ...config, region, maxAttempts: 1 });
  const findings = new SecurityHubExceptionFindings({ client: securityHub, region });
  const store = new DynamoDbExceptionStore({
    client: new DynamoDBClient({ ...config, region }),
    tableName: table,
  });
  return {
    region,
    now: () => new Date().toISOString(),
    maxExpiryDays: () => store.maxExpiryDays(),
    deps: {
      exceptions: store,
      findings,
      workflow: findings,
      images: {
        source: new EcrScanFindingsSource({ client: ecr, region }),
        store: new SecurityHubFindingsStore({ client: quotaAware }),
        publisher: new SecurityHubFindingsPublisher({ client: quotaAware }),
      },
    },
  };
}

/** `--expires 2027-01-31` is the start of that day (UTC); a date-time is taken as given. */
function expiresOf(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00.000Z` : value;
}

function outputOf(value: string | undefined): 'table' | 'json' {
  if (value === undefined || value === 'table' || value === 'json') return value ?? 'table';
  throw new UsageError(`--output must be table or json, got ${JSON.stringify(value)}`);
}

/** What `--max-expiry-days` (else `ECR_COMPLIANCE_MAX_EXPIRY_DAYS`) asks for, checked; undefined when neither is set. */
function askedMaxExpiryDays(io: Io, flag: string | undefined): number | undefined {
  const name = flag !== undefined ? '--max-expiry-days' : 'ECR_COMPLIANCE_MAX_EXPIRY_DAYS';
  const value = flag ?? io.env.ECR_COMPLIANCE_MAX_EXPIRY_DAYS;
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new UsageError(`${name} must be a whole number of days, got ${JSON.stringify(value)}`);
  return Number(value);
}

/**
 * The longest expiry to allow: the one the deployment publishes (the table's tag
 * `ecr-compliance:max-expiry-days`, the construct's `exceptions.maxExpiryDays`), which
 * `--max-expiry-days` or `ECR_COMPLIANCE_MAX_EXPIRY_DAYS` may lower but not raise; without the tag,
 * the one they give, else 90. A tag that cannot be read (a missing permission) is one line on
 * standard error, and the rest applies.
 */
export async function maxExpiryDaysFor(
  io: Io,
  flag: string | undefined,
  published: (() => Promise<number | undefined>) | undefined,
): Promise<number> {
  const name = flag !== undefined ? '--max-expiry-days' : 'ECR_COMPLIANCE_MAX_EXPIRY_DAYS';
  const asked = askedMaxExpiryDays(io, flag);
  let deployed: number | undefined;
  try {
    deployed = await published?.();
  } catch (error) {
    io.stderr(
      `ecr-compliance: warning: ${(error as Error).message}; the longest expiry is ${asked ?? DEFAULT_MAX_EXCEPTION_DAYS} days\n`,
    );
  }
  if (deployed !== undefined && asked !== undefined && asked > deployed)
    throw new UsageError(
      `${name} ${asked} is more than the deployment allows: the table's tag ${MAX_EXPIRY_DAYS_TAG} is ${deployed}`,
    );
  return asked ?? deployed ?? DEFAULT_MAX_EXCEPTION_DAYS;
}

/** The scope the flags name; the core refuses what is missing or contradictory. */
function scopeOf(options: ExceptionOptions): Record<string, unknown> {
  return {
    accountId: options.account,
    ...(options.repository !== undefined ? { repositoryName: options.repository } : {}),
    ...(options['repository-prefix'] !== undefined ? { repositoryPrefix: options['repository-prefix'] } : {}),
    ...(options['all-repositories'] ? { allRepositories: true } : {}),
    ...(options['image-digest'] !== undefined ? { imageDigest: options['image-digest'] } : {}),
    ...(options.package !== undefined ? { package: options.package } : {}),
  };
}

const scopeText = (s: ExceptionScope): string =>
  `${s.accountId} ${s.repositoryName ?? (s.repositoryPrefix !== undefined ? `${s.repositoryPrefix}*` : '*')}${s.imageDigest ? `@${s.imageDigest.slice(0, 19)}` : ''}${s.package ? ` ${s.package}` : ''}`;

function table(io: Io, header: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  io.stdout(`${[line(header), ...rows.map(line)].join('\n')}\n`);
}

function printChange(
  io: Io,
  change: ExceptionChange,
  verb: 'added' | 'removed',
  output: 'table' | 'json',
): void {
  if (output === 'json') {
    printJson(io, change);
    return;
  }
  const e = change.exception;
  const what = change.dryRun ? `would be ${verb}` : verb;
  io.stdout(
    `exception ${e.id} ${what}: ${e.vulnerabilityId} in ${scopeText(e.scope)} until ${e.expiresAt} (${e.owner})\n`,
  );
  const findings = change.dryRun ? 'findings that would change' : 'findings changed';
  io.stdout(`${findings}: ${change.updates.length}\n`);
  if (change.updates.length > 0)
    table(
      io,
      ['WORKFLOW', 'FINDING'],
      change.updates.map((u) => [u.status, u.finding.id]),
    );
  for (const f of change.failed) io.stderr(`ecr-compliance: finding ${f.id} not updated: ${f.error}\n`);
  for (const i of change.images)
    if (i.outcome === 'failed')
      io.stderr(
        `ecr-compliance: image finding of ${i.image.repositoryName}@${i.image.imageDigest} not re-evaluated: ${i.error}\n`,
      );
}

/** A stable id for an imported exception, so that importing the same file twice adds nothing twice. */
function importedId(vulnerabilityId: string, scope: Record<string, unknown>): string {
  const hash = createHash('sha256')
    .update(JSON.stringify([vulnerabilityId.toUpperCase(), scope]))
    .digest('hex');
  return `exc-imp-${hash.slice(0, 16)}`;
}

/**
 * Advisory id prefixes a Trivy ignore file's vulnerability ids carry. Plain `.trivyignore` files
 * mix misconfiguration, secret and license ids into the same list; those are not vulnerabilities
 * of an image and are skipped with the reason (`exception add` takes any advisory id).
 */
const ADVISORY =
  /^(CVE|GHSA|GO|PYSEC|RUSTSEC|OSV|MAL|GMS|BIT|ALAS\d*|ALSA|ALBA|DSA|DLA|RHSA|RHBA|RHEA|USN|ELSA|SUSE|OPENSUSE|CGA|TEMP|AVD)-/i;

interface Planned {
  readonly input: Record<string, unknown>;
  readonly from: string;
}

async function importCommand(
  io: Io,
  file: string | undefined,
  options: ExceptionOptions,
  make: () => Promise<ExceptionCommandDeps>,
): Promise<void> {
  const format = options.format;
  if (format !== 'trivyignore' && format !== 'openvex')
    throw new UsageError('--format must be trivyignore or openvex');
  if (!file) throw new UsageError('give the file to import: exception import --format F FILE');
  const { text, source } = await readInput(io, file, format);
  const base = scopeOf(options);
  const expires = expiresOf(options.expires);
  const planned: Planned[] = [];
  const skipped: string[] = [];
  if (format === 'openvex') {
    if (!expires)
      throw new UsageError('--expires is required for openvex: OpenVEX statements have no end date');
    const reading = readOpenVex(parseJson(text, source));
    for (const s of reading.skipped) skipped.push(`statements[${s.index}]: ${s.reason}`);
    for (const c of reading.claims) {
      const scope = {
        ...base,
        ...(c.package ? { package: c.package } : {}),
        ...(c.imageDigest ? { imageDigest: c.imageDigest } : {}),
      };
      planned.push({
        from: `statements[${c.index}]`,
        input: {
          id: importedId(c.vulnerabilityId, scope),
          vulnerabilityId: c.vulnerabilityId,
          scope,
          justification: c.justification ?? options.justification ?? 'accepted_risk',
          statement: c.statement ?? options.statement ?? `imported from ${source}`,
          owner: options.owner,
          expiresAt: expires,
        },
      });
    }
  } else {
    for (const entry of parseTrivyIgnore(text)) {
      const from = `line ${entry.line}`;
      if (!ADVISORY.test(entry.id)) {
        skipped.push(
          `${from} ${entry.id}: not a vulnerability advisory id (misconfiguration, secret and license ids are not imported)`,
        );
        continue;
      }
      if (entry.paths.length > 0) {
        skipped.push(
          `${from} ${entry.id}: paths have no equivalent in an exception's scope (give a package name or PURL instead)`,
        );
        continue;
      }
      const end = entry.expiredAt ? `${entry.expiredAt}T00:00:00.000Z` : expires;
      if (!end) {
        skipped.push(`${from} ${entry.id}: no expired_at and no --expires: every exception ends`);
        continue;
      }
      for (const purl of entry.purls.length > 0 ? entry.purls : [undefined]) {
        const scope = { ...base, ...(purl ? { package: purl } : {}) };
        planned.push({
          from,
          input: {
            id: importedId(entry.id, scope),
            vulnerabilityId: entry.id,
            scope,
            justification: options.justification ?? 'accepted_risk',
            statement: entry.statement ?? options.statement ?? `imported from ${source}`,
            owner: options.owner,
            expiresAt: end,
          },
        });
      }
    }
  }
  const made = await make();
  const { deps, now } = made;
  const maxExpiryDays = await maxExpiryDaysFor(io, options['max-expiry-days'], made.maxExpiryDays);
  const at = now();
  const existing = new Set((await deps.exceptions.list()).map((e) => e.id));
  const changes: ExceptionChange[] = [];
  for (const p of planned) {
    if (existing.has(p.input.id as string)) {
      skipped.push(`${p.from} ${p.input.vulnerabilityId}: imported already as ${p.input.id}`);
      continue;
    }
    try {
      changes.push(
        await addException(deps, p.input, {
          now: at,
          maxExpiryDays,
          dryRun: options['dry-run'] ?? false,
        }),
      );
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      skipped.push(`${p.from} ${p.input.vulnerabilityId}: ${error.message}`);
    }
  }
  if (outputOf(options.output) === 'json') {
    printJson(io, { added: changes, skipped, dryRun: options['dry-run'] ?? false });
  } else {
    for (const c of changes) printChange(io, c, 'added', 'table');
    io.stdout(
      `${changes.length} exception(s) ${options['dry-run'] ? 'would be added' : 'added'}, ${skipped.length} skipped\n`,
    );
  }
  for (const s of skipped) io.stderr(`ecr-compliance: skipped ${s}\n`);
}

/** Runs `exception SUBCOMMAND`. `make` builds the AWS dependencies (tests pass in-memory ones). */
export async function exceptionCommand(
  io: Io,
  positionals: readonly string[],
  options: ExceptionOptions,
  make: () => Promise<ExceptionCommandDeps> = () => awsExceptionDeps(io, options),
): Promise<void> {
  const [sub, ...args] = positionals;
  const output = outputOf(options.output);
  const dryRun = options['dry-run'] ?? false;
  switch (sub) {
    case 'add': {
      if (args.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(args[0])}`);
      const input = {
        id: options.id ?? `exc-${randomUUID()}`,
        vulnerabilityId: options.vulnerability,
        scope: scopeOf(options),
        justification: options.justification,
        statement: options.statement,
        owner: options.owner,
        expiresAt: expiresOf(options.expires),
      };
      const made = await make();
      const at = made.now();
      // Every refusal that needs nothing of the deployment comes before any call; the limit is
      // then the deployment's (the table's tag), and addException checks it.
      newException(input, {
        now: at,
        maxExpiryDays: askedMaxExpiryDays(io, options['max-expiry-days']) ?? MAX_EXCEPTION_DAYS_LIMIT,
      });
      const change = await addException(made.deps, input, {
        now: at,
        maxExpiryDays: await maxExpiryDaysFor(io, options['max-expiry-days'], made.maxExpiryDays),
        dryRun,
      });
      printChange(io, change, 'added', output);
      if (change.failed.length > 0)
        throw new EcrComplianceError(`${change.failed.length} findings were not updated`);
      return;
    }
    case 'remove': {
      const id = args[0] ?? options.id;
      if (!id || args.length > 1) throw new UsageError('give one exception id: exception remove ID');
      const { deps, now } = await make();
      const change = await removeException(deps, id, { now: now(), dryRun });
      printChange(io, change, 'removed', output);
      if (change.failed.length > 0)
        throw new EcrComplianceError(`${change.failed.length} findings were not updated`);
      return;
    }
    case 'list': {
      const { deps, now } = await make();
      const at = now();
      const records = await deps.exceptions.list();
      if (output === 'json') {
        printJson(
          io,
          records.map((e) => ({ ...e, state: exceptionState(e, at) })),
        );
        return;
      }
      table(
        io,
        ['ID', 'VULNERABILITY', 'SCOPE', 'JUSTIFICATION', 'OWNER', 'EXPIRES', 'STATE'],
        records.map((e) => [
          e.id,
          e.vulnerabilityId,
          scopeText(e.scope),
          e.justification,
          e.owner,
          e.expiresAt,
          exceptionState(e, at),
        ]),
      );
      return;
    }
    case 'import':
      return importCommand(io, args[0], options, make);
    case 'export': {
      const format = options.format;
      if (format !== 'trivyignore' && format !== 'openvex')
        throw new UsageError('--format must be trivyignore or openvex');
      const { deps, now, region } = await make();
      const at = now();
      const active: ExceptionRecord[] = (await deps.exceptions.list()).filter(
        (e) => exceptionState(e, at) === 'active',
      );
      if (format === 'trivyignore') io.stdout(toTrivyIgnoreYaml(active));
      else
        printJson(
          io,
          toOpenVex(active, {
            now: at,
            author: options.author ?? 'ecr-compliance',
            region,
            id: `urn:uuid:${randomUUID()}`,
          }),
        );
      return;
    }
    default:
      throw new UsageError(
        `unknown exception command ${JSON.stringify(sub ?? '')}; use add, list, remove, import or export`,
      );
  }
}

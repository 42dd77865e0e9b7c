/**
 * `ecr-compliance status`: which repositories this tool blocks now, and what holds a block. It
 * only reads: DescribeRepositories, GetRepositoryPolicy, and GetFindings within its quota.
 */
import { ECRClient } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  type BlockState,
  blockStateOf,
  type FindingSeverityFields,
  highestSeverity,
  imageDigestIn,
  isInspectorFinding,
  type RepositoryIdentity,
  repositoryArn,
  resolveSeverityThreshold,
  type SeverityLabel,
  type StoredFinding,
} from '@ecr-compliance/core';
import { EcrRepositories } from '../ecr/EcrRepositories.js';
import { EcrRepositoryPolicyStore } from '../ecr/EcrRepositoryPolicyStore.js';
import { type RecordedAction, SecurityHubFindingsStore } from '../securityhub/SecurityHubFindingsStore.js';
import { type Io, printJson, UsageError } from './io.js';
import { type AwsOptions, checkAwsOptions, clientConfig, regionOf } from './online.js';

/** Options of `ecr-compliance status`. */
export interface StatusOptions extends AwsOptions {
  repository?: string;
  'registry-id'?: string;
  threshold?: string;
  output?: string;
  limit?: string;
}

const OUTPUTS = ['table', 'json', 'markdown'] as const;
type Output = (typeof OUTPUTS)[number];

/** One repository's line of the report. */
interface RepositoryStatus {
  readonly repository: string;
  readonly repositoryArn: string;
  readonly state: BlockState['state'];
  readonly exemptPrincipalArns?: readonly string[];
  readonly reason?: string;
  /** The latest block or unblock the audit trail recorded, where Security Hub still holds it. */
  readonly lastAction?: RecordedAction;
}

/** A finding that holds (or would hold) a block. */
interface Holder {
  readonly findingId: string;
  readonly source: 'ecr-compliance' | 'amazon-inspector';
  readonly severity: string;
  readonly title: string;
  readonly imageDigest: string;
}

function outputOf(value: string | undefined): Output {
  if (value === undefined) return 'table';
  if ((OUTPUTS as readonly string[]).includes(value)) return value as Output;
  throw new UsageError(`--output must be one of ${OUTPUTS.join(', ')}, not ${JSON.stringify(value)}`);
}

function limitOf(value: string | undefined): number {
  if (value === undefined) return 50;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new UsageError(`--limit must be a whole number from 1 to 1000, not ${JSON.stringify(value)}`);
  }
  return n;
}

function thresholdOf(value: string | undefined): SeverityLabel {
  try {
    return resolveSeverityThreshold(value?.toUpperCase(), 'threshold');
  } catch (error) {
    throw new UsageError(`--${(error as Error).message}`);
  }
}

function holderOf(finding: StoredFinding, repository: RepositoryIdentity): Holder {
  const f = finding as StoredFinding & {
    ProductArn?: string;
    Title?: string;
    Resources?: ReadonlyArray<{ Id?: string }>;
  };
  return {
    findingId: f.Id,
    source: isInspectorFinding({ ProductArn: f.ProductArn ?? '' }) ? 'amazon-inspector' : 'ecr-compliance',
    severity: highestSeverity(f as FindingSeverityFields) ?? 'unknown',
    title: f.Title ?? '',
    imageDigest:
      (f.Resources ?? []).map((r) => (r.Id ? imageDigestIn(r.Id, repository) : undefined)).find(Boolean) ??
      '',
  };
}

/** Pads the columns of `rows` (the first is the header) with two spaces between them. */
function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A GitHub-flavoured Markdown table; `|` in a cell is escaped. */
function markdown(rows: readonly (readonly string[])[]): string {
  const line = (r: readonly string[]) => `| ${r.map((c) => c.replaceAll('|', '\\|')).join(' | ')} |`;
  const [head, ...body] = rows;
  if (!head) return '';
  return [line(head), line(head.map(() => '---')), ...body.map(line)].join('\n');
}

function render(output: 'table' | 'markdown', rows: readonly (readonly string[])[]): string {
  return output === 'table' ? table(rows) : markdown(rows);
}

const when = (action: RecordedAction | undefined) =>
  action ? `${action.action === 'block' ? 'blocked' : 'unblocked'} ${action.at} by ${action.by}` : '';

function repositoryRows(statuses: readonly RepositoryStatus[]): string[][] {
  return [
    ['REPOSITORY', 'STATE', 'EXEMPT PRINCIPALS', 'LAST ACTION', 'NOTE'],
    ...statuses.map((s) => [
      s.repository,
      s.state,
      (s.exemptPrincipalArns ?? []).join(', '),
      when(s.lastAction),
      s.reason ?? '',
    ]),
  ];
}

/** `ecr-compliance status [--repository NAME]`. */
export async function statusCommand(io: Io, options: StatusOptions): Promise<void> {
  const output = outputOf(options.output);
  const limit = limitOf(options.limit);
  const threshold = thresholdOf(options.threshold);
  checkAwsOptions(options);
  const ecr = new ECRClient(clientConfig(options));
  const region = await regionOf(ecr);
  // The store owns its retries (quota-aware), so the client makes one attempt.
  const securityHub = new SecurityHubClient(clientConfig({ ...options, region }, { maxAttempts: 1 }));
  try {
    const repositories = new EcrRepositories({ client: ecr });
    const policies = new EcrRepositoryPolicyStore({ client: ecr });
    const findings = new SecurityHubFindingsStore({ client: securityHub });
    const statusOf = async (repository: RepositoryIdentity): Promise<RepositoryStatus> => {
      const state = blockStateOf(await policies.get(repository));
      const lastAction = state.state === 'not blocked' ? undefined : await findings.lastAction(repository);
      return {
        repository: repository.repositoryName,
        repositoryArn: repositoryArn(repository.region, repository.accountId, repository.repositoryName),
        ...state,
        ...(lastAction ? { lastAction } : {}),
      };
    };
    const registry = options['registry-id'] ? { accountId: options['registry-id'] } : {};
    if (options.repository === undefined) {
      const statuses: RepositoryStatus[] = [];
      for (const repository of await repositories.list(registry)) {
        const status = await statusOf(repository);
        if (status.state !== 'not blocked') statuses.push(status);
      }
      if (output === 'json') printJson(io, { threshold, repositories: statuses });
      else if (statuses.length === 0) io.stdout('No repository is blocked by ecr-compliance.\n');
      else io.stdout(`${render(output, repositoryRows(statuses))}\n`);
      return;
    }
    const [repository] = await repositories.list({ ...registry, repositoryNames: [options.repository] });
    if (!repository) throw new UsageError(`repository ${options.repository} not found`);
    const status = await statusOf(repository);
    const held = await findings.blockingFindings(repository, { atOrAbove: threshold, limit });
    const holders = held.findings.map((f) => holderOf(f, repository));
    if (output === 'json') {
      printJson(io, { threshold, ...status, holders, complete: held.complete });
      return;
    }
    const verb = status.state === 'blocked' ? 'hold the block' : 'would hold a block';
    const lines = [
      render(output, repositoryRows([status])),
      '',
      holders.length === 0
        ? `No active finding at or above ${threshold} ${verb}.`
        : `${held.complete ? holders.length : `The first ${holders.length}`} active findings at or above ${threshold} ${verb}:`,
    ];
    if (holders.length > 0) {
      lines.push(
        '',
        render(output, [
          ['SEVERITY', 'SOURCE', 'IMAGE', 'TITLE', 'FINDING'],
          ...holders.map((h) => [h.severity, h.source, h.imageDigest, h.title, h.findingId]),
        ]),
      );
    }
    io.stdout(`${lines.join('\n')}\n`);
  } finally {
    ecr.destroy();
    securityHub.destroy();
  }
}

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import {
  type AsffFinding,
  changeRepositoryPolicy,
  EcrComplianceError,
  type ExceptionRecord,
  type ExceptionUpdate,
  type FindingsPublisher,
  type FindingsWorkflow,
  type ImageReference,
  PublishError,
  reconcileScan,
  type ScanFindingsSource,
  withinMaxExpiry,
} from '@ecr-compliance/core';
import { EcrRepositoryPolicyStore } from '../ecr/EcrRepositoryPolicyStore.js';
import { EcrScanFindingsSource } from '../ecr/EcrScanFindingsSource.js';
import { DynamoDbExceptionStore } from '../exceptions/DynamoDbExceptionStore.js';
import { SecurityHubExceptionFindings } from '../exceptions/SecurityHubExceptionFindings.js';
import { SecurityHubFindingsPublisher } from '../securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../securityhub/SecurityHubFindingsStore.js';
import { DynamoDbFindingsState, holding } from '../state/DynamoDbFindingsState.js';
import { maxExpiryDaysFor } from './exceptions.js';
import { formatOf, inputOf, type ReportFlags, refuseFlags, scannedImageFromReport } from './formats.js';
import {
  checkDigest,
  checkEndpointUrl,
  checkRegion,
  type Io,
  parseJson,
  printJson,
  readInput,
  UsageError,
} from './io.js';
import { granularityOf } from './offline.js';

/** Options shared by the commands that call AWS. */
export interface AwsOptions {
  region?: string;
  'endpoint-url'?: string;
}

/** Checks the flags every AWS command takes before any client is made. */
export function checkAwsOptions(options: AwsOptions): void {
  if (options.region !== undefined) checkRegion(options.region);
  if (options['endpoint-url'] !== undefined) checkEndpointUrl(options['endpoint-url']);
}

/** SDK client configuration from the common flags. */
export function clientConfig(options: AwsOptions, extra: { maxAttempts?: number } = {}) {
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options['endpoint-url'] ? { endpoint: options['endpoint-url'] } : {}),
    ...extra,
  };
}

/** The region the client will use; none configured anywhere is a usage error, not an AWS failure. */
export async function regionOf(client: ECRClient): Promise<string> {
  let region: string;
  try {
    region = await client.config.region();
  } catch {
    throw new UsageError('no region: pass --region R, set AWS_REGION, or configure one in your AWS profile');
  }
  // From the flag, the environment or the profile: checked as `findings` checks it.
  return checkRegion(region);
}

function requireRepository(repository: string | undefined): string {
  if (!repository) throw new UsageError('--repository is required');
  return repository;
}

/** Options of `ecr-compliance import`. */
export interface ImportOptions extends AwsOptions, ReportFlags {
  format?: string;
  input?: string;
  'image-tag'?: string;
  'registry-id'?: string;
  granularity?: string;
  'dry-run'?: boolean;
  /** The exceptions table (default `$ECR_COMPLIANCE_EXCEPTIONS_TABLE`); without one, no exception applies. */
  table?: string;
  /**
   * The deployment's state of record (default `$ECR_COMPLIANCE_STATE_TABLE`, the construct's
   * `stateTable`): decided on and recorded as the Lambda functions do; without one, Security Hub is the state.
   */
  'state-table'?: string;
  'max-expiry-days'?: string;
}

/**
 * The exceptions of the deployment, as the Lambda function applies them: every record the table
 * holds, without those that last longer than the deployment allows (each one line on standard error).
 */
async function exceptionsOf(
  io: Io,
  options: ImportOptions,
  region: string,
): Promise<readonly ExceptionRecord[] | undefined> {
  const table = options.table ?? io.env.ECR_COMPLIANCE_EXCEPTIONS_TABLE;
  if (!table) return undefined;
  const client = new DynamoDBClient(clientConfig({ ...options, region }));
  try {
    const store = new DynamoDbExceptionStore({ client, tableName: table });
    const maxDays = await maxExpiryDaysFor(io, options['max-expiry-days'], () => store.maxExpiryDays());
    return (await store.list()).filter((r) => {
      const ok = withinMaxExpiry(r, maxDays);
      if (!ok) io.stderr(`ecr-compliance: exception ${r.id} ignored: it lasts longer than ${maxDays} days\n`);
      return ok;
    });
  } finally {
    client.destroy();
  }
}

/** The configured region (flag, environment, profile), or undefined when there is none. */
async function configuredRegion(options: AwsOptions): Promise<string | undefined> {
  const client = new ECRClient(clientConfig(options));
  try {
    return await client.config.region();
  } catch {
    return undefined;
  } finally {
    client.destroy();
  }
}

/**
 * `ecr-compliance import`: the scan (fetched from ECR, or a Trivy or Grype report read from a file
 * or standard input) goes through the same reconciliation as the Lambda function.
 */
export async function importCommand(
  io: Io,
  options: ImportOptions,
  positionals: readonly string[] = [],
): Promise<void> {
  const format = formatOf(options.format);
  const granularity = granularityOf(options.granularity);
  checkAwsOptions(options);
  let source: ScanFindingsSource;
  let image: ImageReference;
  let region: string;
  if (format === 'ecr') {
    refuseFlags(format, options as Record<string, unknown>, ['input', 'account', 'scanned-at']);
    if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    const repositoryName = requireRepository(options.repository);
    const digest = options['image-digest'];
    const tag = options['image-tag'];
    if (!digest === !tag) throw new UsageError('give exactly one of --image-digest and --image-tag');
    if (digest) checkDigest(digest);
    image = {
      repositoryName,
      ...(digest ? { imageDigest: digest } : {}),
      ...(tag ? { imageTag: tag } : {}),
      ...(options['registry-id'] ? { accountId: options['registry-id'] } : {}),
    };
    const ecr = new ECRClient(clientConfig(options));
    region = await regionOf(ecr);
    source = new EcrScanFindingsSource({ client: ecr, region });
  } else {
    refuseFlags(format, options as Record<string, unknown>, ['image-tag', 'registry-id']);
    const { text, source: from } = await readInput(
      io,
      inputOf(options.input, positionals),
      `${format} report`,
    );
    const scanned = await scannedImageFromReport(format, parseJson(text, from), options, () =>
      configuredRegion(options),
    );
    // Findings are imported in the image's Region and account, as Security Hub requires.
    region = scanned.region;
    image = { repositoryName: scanned.repositoryName, imageDigest: scanned.imageDigest };
    source = { getScan: async () => scanned };
  }
  let lastReport = 0;
  // The publisher and the store own retries (quota-aware), so the client makes one attempt.
  const securityHub = new SecurityHubClient(clientConfig({ ...options, region }, { maxAttempts: 1 }));
  const dryRun = options['dry-run'] ?? false;
  const planned: AsffFinding[] = [];
  const publisher: FindingsPublisher = dryRun
    ? {
        // Records what would be imported; writes nothing.
        publish: async (findings) => {
          planned.push(...findings);
          return { sent: findings.length, succeeded: findings.length, failed: [], requests: 0 };
        },
      }
    : new SecurityHubFindingsPublisher({
        client: securityHub,
        onProgress: ({ settled, total }) => {
          if (settled === total || settled - lastReport >= 500) {
            lastReport = settled;
            io.stderr(`imported ${settled}/${total} findings\n`);
          }
        },
      });
  // With the deployment's state of record, decided on and recorded as the functions do, holding the
  // image's lease; a dry run reads it (and adopts nothing into it) and writes nothing.
  const stateTableName = options['state-table'] ?? io.env.ECR_COMPLIANCE_STATE_TABLE;
  const stateClient = stateTableName ? new DynamoDBClient(clientConfig({ ...options, region })) : undefined;
  const hub = new SecurityHubFindingsStore({ client: securityHub });
  const state =
    stateClient && stateTableName
      ? new DynamoDbFindingsState({
          client: stateClient,
          tableName: stateTableName,
          adoptFrom: hub,
          recordAdopted: !dryRun,
        })
      : undefined;
  const store = state ?? hub;
  const recordingPublisher = state && !dryRun ? state.recording(publisher) : publisher;
  // With an exceptions table, the covered findings are suppressed after the import, as in the
  // Lambda function (a dry run records what would change).
  const exceptions = await exceptionsOf(io, options, region);
  const workflowClient = new SecurityHubClient(clientConfig({ ...options, region }));
  const wouldChange: ExceptionUpdate[] = [];
  const workflow: FindingsWorkflow | undefined = !exceptions
    ? undefined
    : dryRun
      ? {
          apply: async (updates) => {
            wouldChange.push(...updates);
            return { failed: [] };
          },
        }
      : new SecurityHubExceptionFindings({ client: workflowClient, region });
  try {
    // As the Lambda function does: compared with the image's findings in Security Hub, so that
    // fixed vulnerabilities are archived and unchanged findings are left alone.
    // The scan first: its image is what the lease holds.
    const scannedImage = await source.getScan(image);
    const reconcile = () =>
      reconcileScan(
        {
          source: { getScan: async () => scannedImage },
          store,
          publisher: recordingPublisher,
          ...(workflow ? { workflow } : {}),
        },
        image,
        {
          granularity,
          now: new Date().toISOString(),
          ...(exceptions ? { exceptions } : {}),
        },
      );
    const result = await holding(dryRun ? undefined : state, scannedImage, reconcile);
    const head = {
      repository: result.repositoryName,
      imageDigest: result.imageDigest,
      ...(format === 'ecr' ? {} : { scanner: format }),
      ...(dryRun ? { dryRun } : {}),
      outcome: result.outcome,
    };
    if (result.outcome === 'skipped') {
      printJson(io, { ...head, reason: result.reason });
      return;
    }
    const counts = {
      vulnerabilities: result.vulnerabilities,
      findings: result.findings,
      created: result.created,
      reactivated: result.reactivated,
      unchanged: result.unchanged,
      archived: result.archived,
      ...(result.exceptions ? { exceptions: result.exceptions } : {}),
    };
    if (dryRun) {
      const archived = planned.filter((f) => f.RecordState === 'ARCHIVED');
      const ids = (status: ExceptionUpdate['status']) =>
        wouldChange.filter((u) => u.status === status).map((u) => u.finding.id);
      printJson(io, {
        ...head,
        outcome: 'would import',
        ...counts,
        import: planned.filter((f) => f.RecordState !== 'ARCHIVED').map((f) => f.Id),
        archive: archived.map((f) => f.Id),
        ...(exceptions ? { suppress: ids('SUPPRESSED'), restore: ids('NEW') } : {}),
      });
      return;
    }
    printJson(io, {
      ...head,
      ...counts,
      imported: result.publish.succeeded,
      requests: result.publish.requests,
    });
    if (result.exceptions && result.exceptions.failed > 0)
      throw new EcrComplianceError(
        `${result.exceptions.failed} findings were not updated for their exceptions (the daily run tries again)`,
      );
  } catch (error) {
    // The error's one line says how many failed and why; each finding only on request.
    if (error instanceof PublishError && io.env.ECR_COMPLIANCE_DEBUG) {
      for (const f of error.failed) io.stderr(`failed: ${f.id}: ${f.errorCode} ${f.errorMessage}\n`);
    }
    throw error;
  } finally {
    securityHub.destroy();
    workflowClient.destroy();
    stateClient?.destroy();
  }
}

/** `ecr-compliance block` and `ecr-compliance unblock`. */
export async function repositoryCommand(
  io: Io,
  action: 'block' | 'unblock',
  options: AwsOptions & {
    repository?: string;
    'registry-id'?: string;
    'exempt-principal'?: string[];
    'allow-broad-exemptions'?: boolean;
    'dry-run'?: boolean;
  },
): Promise<void> {
  const repositoryName = requireRepository(options.repository);
  if (action === 'unblock' && options['exempt-principal']?.length) {
    throw new UsageError('--exempt-principal applies to block only');
  }
  checkAwsOptions(options);
  const client = new ECRClient(clientConfig(options));
  const repository = {
    repositoryName,
    region: await regionOf(client),
    ...(options['registry-id'] ? { accountId: options['registry-id'] } : {}),
  };
  const dryRun = options['dry-run'] ?? false;
  const change = await changeRepositoryPolicy(new EcrRepositoryPolicyStore({ client }), repository, action, {
    exemptPrincipalArns: options['exempt-principal'] ?? [],
    allowBroadExemptions: options['allow-broad-exemptions'] ?? false,
    dryRun,
  });
  printJson(io, {
    repository: repositoryName,
    action,
    dryRun,
    changed: change.changed,
    policyDeleted: change.deleted,
    ...(dryRun
      ? { before: change.before === null ? null : JSON.parse(change.before), after: change.after }
      : {}),
  });
}

import { ECRClient } from '@aws-sdk/client-ecr';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { changeRepositoryPolicy, PublishError, reconcileScan, toAsffFindings } from '@ecr-compliance/core';
import { EcrRepositoryPolicyStore } from '../ecr/EcrRepositoryPolicyStore.js';
import { EcrScanFindingsSource } from '../ecr/EcrScanFindingsSource.js';
import { SecurityHubFindingsPublisher } from '../securityhub/SecurityHubFindingsPublisher.js';
import { SecurityHubFindingsStore } from '../securityhub/SecurityHubFindingsStore.js';
import { type Io, printJson, UsageError } from './io.js';
import { granularityOf } from './offline.js';

/** Options shared by the commands that call AWS. */
export interface AwsOptions {
  region?: string;
  'endpoint-url'?: string;
}

function clientConfig(options: AwsOptions, extra: { maxAttempts?: number } = {}) {
  return {
    ...(options.region ? { region: options.region } : {}),
    ...(options['endpoint-url'] ? { endpoint: options['endpoint-url'] } : {}),
    ...extra,
  };
}

/** The region the client will use; none configured anywhere is a usage error, not an AWS failure. */
async function regionOf(client: ECRClient): Promise<string> {
  try {
    return await client.config.region();
  } catch {
    throw new UsageError('no region: pass --region R, set AWS_REGION, or configure one in your AWS profile');
  }
}

function requireRepository(repository: string | undefined): string {
  if (!repository) throw new UsageError('--repository is required');
  return repository;
}

/** `ecr-compliance import`. */
export async function importCommand(
  io: Io,
  options: AwsOptions & {
    repository?: string;
    'image-digest'?: string;
    'image-tag'?: string;
    'registry-id'?: string;
    granularity?: string;
    'dry-run'?: boolean;
  },
): Promise<void> {
  const repositoryName = requireRepository(options.repository);
  const digest = options['image-digest'];
  const tag = options['image-tag'];
  if (!digest === !tag) throw new UsageError('give exactly one of --image-digest and --image-tag');
  const granularity = granularityOf(options.granularity);
  const image = {
    repositoryName,
    ...(digest ? { imageDigest: digest } : {}),
    ...(tag ? { imageTag: tag } : {}),
    ...(options['registry-id'] ? { registryId: options['registry-id'] } : {}),
  };
  const ecr = new ECRClient(clientConfig(options));
  const source = new EcrScanFindingsSource({ client: ecr, region: await regionOf(ecr) });
  if (options['dry-run']) {
    printJson(io, toAsffFindings(await source.getScan(image), { granularity }));
    return;
  }
  let lastReport = 0;
  // The publisher and the store own retries (quota-aware), so the client makes one attempt.
  const securityHub = new SecurityHubClient(clientConfig(options, { maxAttempts: 1 }));
  const publisher = new SecurityHubFindingsPublisher({
    client: securityHub,
    onProgress: ({ settled, total }) => {
      if (settled === total || settled - lastReport >= 500) {
        lastReport = settled;
        io.stderr(`imported ${settled}/${total} findings\n`);
      }
    },
  });
  const store = new SecurityHubFindingsStore({ client: securityHub });
  try {
    // As the Lambda function does: compared with the image's findings in Security Hub, so that
    // fixed vulnerabilities are archived and unchanged findings are left alone.
    const result = await reconcileScan({ source, store, publisher }, image, {
      granularity,
      now: new Date().toISOString(),
    });
    if (result.outcome === 'skipped') {
      printJson(io, {
        repository: result.repositoryName,
        imageDigest: result.imageDigest,
        outcome: result.outcome,
        reason: result.reason,
      });
      return;
    }
    printJson(io, {
      repository: result.repositoryName,
      imageDigest: result.imageDigest,
      outcome: result.outcome,
      vulnerabilities: result.vulnerabilities,
      findings: result.findings,
      created: result.created,
      reactivated: result.reactivated,
      unchanged: result.unchanged,
      archived: result.archived,
      imported: result.publish.succeeded,
      requests: result.publish.requests,
    });
  } catch (error) {
    // The error's one line says how many failed and why; each finding only on request.
    if (error instanceof PublishError && io.env.ECR_COMPLIANCE_DEBUG) {
      for (const f of error.failed) io.stderr(`failed: ${f.id}: ${f.errorCode} ${f.errorMessage}\n`);
    }
    throw error;
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
    'dry-run'?: boolean;
  },
): Promise<void> {
  const repositoryName = requireRepository(options.repository);
  if (action === 'unblock' && options['exempt-principal']?.length) {
    throw new UsageError('--exempt-principal applies to block only');
  }
  const client = new ECRClient(clientConfig(options));
  const repository = {
    repositoryName,
    region: await regionOf(client),
    ...(options['registry-id'] ? { registryId: options['registry-id'] } : {}),
  };
  const dryRun = options['dry-run'] ?? false;
  const change = await changeRepositoryPolicy(new EcrRepositoryPolicyStore({ client }), repository, action, {
    exemptPrincipalArns: options['exempt-principal'] ?? [],
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

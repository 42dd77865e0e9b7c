/**
 * Scenario building blocks shared by the end-to-end tests, the demo and the benchmarks: a scanned
 * image in the emulator, the idempotency table, a Lambda context, the handlers' environment.
 * No test-runner imports here, so plain scripts can use it.
 */
import { createHash } from 'node:crypto';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateRepositoryCommand,
  type ECRClient,
  PutImageCommand,
  StartImageScanCommand,
} from '@aws-sdk/client-ecr';
import {
  type AwsSecurityFinding,
  GetFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { MOTO_ACCOUNT_ID, setEcrScanFindingResults } from './moto.js';

export const sha = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;

/** A Docker v2 manifest; moto's digest of it is sha256 of its joined layer digests. */
export function manifest(seed: string): { text: string; digest: string; layerDigests: string[] } {
  const layers = [sha(`${seed}-layer-1`), sha(`${seed}-layer-2`)];
  const text = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: {
      mediaType: 'application/vnd.docker.container.image.v1+json',
      size: 7023,
      digest: sha(`${seed}-config`),
    },
    layers: layers.map((digest, i) => ({
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      size: 32_654 + i,
      digest,
    })),
  });
  return { text, digest: sha(layers.join('')), layerDigests: layers };
}

/**
 * Creates the repository (if needed), pushes an image, scans it, and makes moto answer with
 * `findings` (basic scanning, status COMPLETE) or with `enhancedFindings` (enhanced scanning,
 * status ACTIVE, as ECR answers for a registry that Amazon Inspector scans; they name the image,
 * so they are made from its digest).
 */
export async function pushScannedImage(
  ecr: ECRClient,
  endpoint: string,
  region: string,
  options: {
    repository: string;
    tag: string;
    findings?: ReadonlyArray<Record<string, unknown>>;
    enhancedFindings?: (digest: string) => ReadonlyArray<Record<string, unknown>>;
    /** The account `ecr`'s credentials act in. @default MOTO_ACCOUNT_ID */
    accountId?: string;
  },
): Promise<string> {
  await ecr
    .send(new CreateRepositoryCommand({ repositoryName: options.repository }))
    .catch((error: Error) => {
      if (error.name !== 'RepositoryAlreadyExistsException') throw error;
    });
  const { text } = manifest(`${options.repository}:${options.tag}`);
  const pushed = await ecr.send(
    new PutImageCommand({ repositoryName: options.repository, imageTag: options.tag, imageManifest: text }),
  );
  const digest = pushed.image?.imageId?.imageDigest ?? '';
  await ecr.send(
    new StartImageScanCommand({ repositoryName: options.repository, imageId: { imageDigest: digest } }),
  );
  const enhanced = options.enhancedFindings !== undefined;
  const findings = options.enhancedFindings?.(digest) ?? options.findings ?? [];
  const counts: Record<string, number> = {};
  for (const f of findings) counts[String(f.severity)] = (counts[String(f.severity)] ?? 0) + 1;
  await setEcrScanFindingResults(
    endpoint,
    region,
    [
      {
        registryId: options.accountId ?? MOTO_ACCOUNT_ID,
        repositoryName: options.repository,
        imageId: { imageDigest: digest },
        imageScanStatus: enhanced
          ? { status: 'ACTIVE', description: 'Continuous scan is selected for image.' }
          : { status: 'COMPLETE', description: 'The scan was completed successfully.' },
        imageScanFindings: enhanced
          ? { findingSeverityCounts: counts, enhancedFindings: findings }
          : {
              imageScanCompletedAt: PUSHED_SCAN_TIME,
              vulnerabilitySourceUpdatedAt: 1795147200,
              findingSeverityCounts: counts,
              findings,
            },
      },
    ],
    options.accountId,
  );
  return digest;
}

/**
 * One `enhancedFindings[]` element of DescribeImageScanFindings (wire JSON, epoch seconds) for
 * vulnerability `id` in package `pkg` of the image, as Amazon Inspector reports it through ECR.
 */
export function enhancedScanFinding(options: {
  readonly id: string;
  readonly pkg: string;
  readonly severity: string;
  readonly repository: string;
  readonly digest: string;
  readonly updatedAt?: number;
}): Record<string, unknown> {
  const imageArn = `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${options.repository}/${options.digest}`;
  return {
    awsAccountId: MOTO_ACCOUNT_ID,
    description: `${options.id} in ${options.pkg}.`,
    findingArn: `arn:aws:inspector2:us-east-1:${MOTO_ACCOUNT_ID}:finding/${createHash('md5')
      .update(options.id + options.digest)
      .digest('hex')}`,
    firstObservedAt: 1795169730,
    lastObservedAt: options.updatedAt ?? 1795169762,
    updatedAt: options.updatedAt ?? 1795169762,
    packageVulnerabilityDetails: {
      cvss: [
        {
          baseScore: 7.5,
          scoringVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H',
          source: 'NVD',
          version: '3.1',
        },
      ],
      referenceUrls: [`https://www.cve.org/CVERecord?id=${options.id}`],
      source: 'DEBIAN_CVE',
      sourceUrl: `https://security-tracker.debian.org/tracker/${options.id}`,
      vendorSeverity: options.severity.toLowerCase(),
      vulnerabilityId: options.id,
      vulnerablePackages: [
        {
          arch: 'X86_64',
          epoch: 0,
          name: options.pkg,
          packageManager: 'OS',
          version: '1.0.0',
          fixedInVersion: '1.0.1',
        },
      ],
    },
    remediation: { recommendation: { text: `Upgrade ${options.pkg} to 1.0.1 or later.` } },
    resources: [
      {
        id: imageArn,
        type: 'AWS_ECR_CONTAINER_IMAGE',
        details: {
          awsEcrContainerImage: {
            architecture: 'amd64',
            imageHash: options.digest,
            imageTags: ['1.0.0'],
            platform: 'DEBIAN_12',
            pushedAt: 1795169700,
            registry: MOTO_ACCOUNT_ID,
            repositoryName: options.repository,
          },
        },
      },
    ],
    score: 7.5,
    severity: options.severity,
    status: 'ACTIVE',
    title: `${options.id} - ${options.pkg}`,
    type: 'PACKAGE_VULNERABILITY',
    fixAvailable: 'YES',
    exploitAvailable: 'NO',
  };
}

/** An on-demand table with string keys: the partition key, and the sort key when given. */
async function createTable(
  config: ConstructorParameters<typeof DynamoDBClient>[0],
  tableName: string,
  keys: readonly [partition: string, sort?: string],
) {
  const names = keys.filter((k): k is string => k !== undefined);
  const dynamodb = new DynamoDBClient(config ?? {});
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: names.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
      KeySchema: names.map((AttributeName, i) => ({ AttributeName, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
    }),
  );
  dynamodb.destroy();
}

/** The Powertools idempotency table as the construct creates it (partition key `id`). */
export const createIdempotencyTable = (
  config: ConstructorParameters<typeof DynamoDBClient>[0],
  tableName: string,
) => createTable(config, tableName, ['id']);

/** The lifecycle's state-of-record table as the construct creates it (partition `pk`, sort `sk`). */
export const createStateTable = (
  config: ConstructorParameters<typeof DynamoDBClient>[0],
  tableName: string,
) => createTable(config, tableName, ['pk', 'sk']);

/** A Lambda context as the runtime passes it. */
export function lambdaContext(functionName: string, requestId = 'c6af9ac6-7b61-11e6-9a41-93e812345678') {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${MOTO_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/20/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** One HIGH vulnerability of a basic scan (`imageScanFindings.findings[]`), as ECR reports it. */
export const HIGH_CVE = {
  name: 'CVE-2024-6119',
  description: 'Possible denial of service in X.509 name checks.',
  uri: 'https://security-tracker.debian.org/tracker/CVE-2024-6119',
  severity: 'HIGH',
  attributes: [
    { key: 'package_version', value: '3.0.13-1~deb12u1' },
    { key: 'package_name', value: 'openssl' },
  ],
};

/** A vulnerability of a basic scan, as ECR reports it: `name` in `pkg` at version 1.0-1. */
export const basicScanFinding = (name: string, severity: string, pkg: string) => ({
  name,
  description: `${name} in ${pkg}.`,
  uri: `https://security-tracker.debian.org/tracker/${name}`,
  severity,
  attributes: [
    { key: 'package_version', value: '1.0-1' },
    { key: 'package_name', value: pkg },
  ],
});

/** The HIGH, MEDIUM and LOW vulnerabilities of the lifecycle suites. */
export const LIFECYCLE_FINDINGS = {
  HIGH: basicScanFinding('CVE-2024-6119', 'HIGH', 'openssl'),
  MEDIUM: basicScanFinding('CVE-2023-50495', 'MEDIUM', 'ncurses'),
  LOW: basicScanFinding('CVE-2022-0001', 'LOW', 'zlib'),
};

/** The findings of the image `digest` in Security Hub, by vulnerability id ('image' for the image-level finding). */
export async function findingsOfImage(
  securityHub: SecurityHubClient,
  digest: string,
): Promise<Record<string, AwsSecurityFinding>> {
  const out: Record<string, AwsSecurityFinding> = {};
  let token: string | undefined;
  do {
    const page = await securityHub.send(new GetFindingsCommand({ MaxResults: 100, NextToken: token }));
    for (const f of page.Findings ?? [])
      if (f.Id?.includes(digest)) out[f.Vulnerabilities?.[0]?.Id ?? 'image'] = f;
    token = page.NextToken || undefined;
  } while (token);
  return out;
}

/** {@link pushScannedImage}'s scan time (epoch seconds). */
export const PUSHED_SCAN_TIME = 1795169762;

/** `n` days after {@link PUSHED_SCAN_TIME}, in epoch seconds. */
export const daysAfterPush = (n: number) => PUSHED_SCAN_TIME + n * 86_400;

/** The block custom action that {@link handlerEnvironment} configures. */
export const BLOCK_ACTION_ARN = `arn:aws:securityhub:us-east-1:${MOTO_ACCOUNT_ID}:action/custom/ECR1`;
/** The unblock custom action that {@link handlerEnvironment} configures. */
export const UNBLOCK_ACTION_ARN = `arn:aws:securityhub:us-east-1:${MOTO_ACCOUNT_ID}:action/custom/ECR2`;

/** The environment of the handlers, pointing every SDK client at `endpoint`. */
export function handlerEnvironment(
  endpoint: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_SESSION_TOKEN: 'testing',
    ACCOUNT_ID: MOTO_ACCOUNT_ID,
    IDEMPOTENCY_TABLE_NAME: 'ecr-compliance-idempotency',
    POWERTOOLS_SERVICE_NAME: 'ecr-compliance',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    BLOCK_ACTION_ARN,
    UNBLOCK_ACTION_ARN,
    ...extra,
  };
}

/** An EventBridge "ECR Image Scan" (COMPLETE) event, as ECR sends it for a basic scan. */
export function imageScanEvent(options: {
  readonly id: string;
  readonly repository: string;
  readonly digest: string;
  readonly tags?: readonly string[];
  readonly region?: string;
}) {
  const region = options.region ?? 'us-east-1';
  return {
    version: '0',
    id: options.id,
    'detail-type': 'ECR Image Scan',
    source: 'aws.ecr',
    account: MOTO_ACCOUNT_ID,
    time: '2026-11-20T10:16:02Z',
    region,
    resources: [`arn:aws:ecr:${region}:${MOTO_ACCOUNT_ID}:repository/${options.repository}`],
    detail: {
      'scan-status': 'COMPLETE',
      'repository-name': options.repository,
      'image-digest': options.digest,
      'image-tags': [...(options.tags ?? [])],
    },
  };
}

/** An EventBridge "Security Hub Findings - Custom Action" event: `action` fired on `findings`. */
export function customActionEvent(options: {
  readonly id: string;
  readonly action: string;
  readonly findings: readonly unknown[];
  readonly region?: string;
}) {
  return {
    version: '0',
    id: options.id,
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account: MOTO_ACCOUNT_ID,
    time: '2026-11-20T11:02:41Z',
    region: options.region ?? 'us-east-1',
    resources: [options.action],
    detail: {
      actionName: 'Block ECR pulls',
      actionDescription: 'Denies pulls',
      findings: [...options.findings],
    },
  };
}

/**
 * An EventBridge "Inspector2 Scan" event (enhanced scanning): Amazon Inspector finished the
 * initial scan. As in every published example, `repository-name` holds the repository ARN.
 */
export function inspectorScanEvent(options: {
  readonly id: string;
  readonly repository: string;
  readonly digest: string;
  readonly tags?: readonly string[];
}) {
  const repositoryArn = `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${options.repository}`;
  return {
    version: '0',
    id: options.id,
    'detail-type': 'Inspector2 Scan',
    source: 'aws.inspector2',
    account: MOTO_ACCOUNT_ID,
    time: '2026-11-20T10:17:45Z',
    region: 'us-east-1',
    resources: [repositoryArn],
    detail: {
      'scan-status': 'INITIAL_SCAN_COMPLETE',
      'repository-name': repositoryArn,
      'finding-severity-counts': { CRITICAL: 0, HIGH: 1, MEDIUM: 0, TOTAL: 1 },
      'image-digest': options.digest,
      'image-tags': [...(options.tags ?? [])],
      version: '1.0',
    },
  };
}

/** An EventBridge "ECR Image Action" event: `digest` deleted (or `actionType`) in `repository`. */
export function imageActionEvent(options: {
  readonly id: string;
  readonly repository: string;
  readonly digest: string;
  readonly actionType?: string;
}) {
  return {
    version: '0',
    id: options.id,
    'detail-type': 'ECR Image Action',
    source: 'aws.ecr',
    account: MOTO_ACCOUNT_ID,
    time: '2026-11-21T09:00:00Z',
    region: 'us-east-1',
    resources: [],
    detail: {
      result: 'SUCCESS',
      'repository-name': options.repository,
      'image-digest': options.digest,
      'action-type': options.actionType ?? 'DELETE',
    },
  };
}

/** An EventBridge "Security Hub Findings - Imported" event carrying `finding` as Security Hub stores it. */
export function findingsImportedEvent(options: { readonly id: string; readonly finding: unknown }) {
  return {
    version: '0',
    id: options.id,
    'detail-type': 'Security Hub Findings - Imported',
    source: 'aws.securityhub',
    account: MOTO_ACCOUNT_ID,
    time: '2026-11-21T09:00:05Z',
    region: 'us-east-1',
    resources: [`arn:aws:securityhub:us-east-1:${MOTO_ACCOUNT_ID}:product/${MOTO_ACCOUNT_ID}/default`],
    detail: { findings: [options.finding] },
  };
}

/** Every finding Security Hub (moto) holds, page by page: moto ignores GetFindings filters. */
export async function everyFinding(securityHub: SecurityHubClient): Promise<AwsSecurityFinding[]> {
  const out: AwsSecurityFinding[] = [];
  let token: string | undefined;
  do {
    const page = await securityHub.send(
      new GetFindingsCommand({ MaxResults: 100, ...(token ? { NextToken: token } : {}) }),
    );
    out.push(...(page.Findings ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

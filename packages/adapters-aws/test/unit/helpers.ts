/**
 * Building blocks of the unit tests: a virtual clock, SDK-like responses and errors, and ASFF
 * findings. Nothing here touches the network or the real clock.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AsffFinding } from '@ecr-compliance/core';
import type { Timer } from '../../src/securityhub/TokenBucket.js';

/**
 * A virtual clock: `sleep(ms)` advances the time by `ms` and resolves at once, so tests take no
 * real time. Sleeps are recorded in order. Concurrent sleeps add up (the token bucket serves one
 * caller at a time, so its waits are exact).
 */
export class FakeTimer implements Timer {
  time = 0;
  readonly sleeps: number[] = [];

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.time += ms;
  }

  /** Lets `ms` pass without anyone sleeping (an idle period). */
  advance(ms: number): void {
    this.time += ms;
  }
}

/** Lets other pending promise callbacks and I/O callbacks run (real time: next event-loop turn). */
export const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * An SDK v3 modelled exception as the client throws it: the client's exception class with its
 * name, `$fault` and the HTTP status in `$metadata`.
 */
export function sdkError(
  Exception: new (options: any) => Error,
  message: string,
  httpStatusCode: number,
  extra: Record<string, unknown> = {},
): Error {
  return new Exception({
    message,
    $metadata: { httpStatusCode, requestId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111', attempts: 1 },
    ...extra,
  });
}

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** A JSON fixture of the core package (packages/core/test/fixtures). */
export function coreFixture<T = any>(name: string): T {
  return JSON.parse(readFileSync(here(`../../../core/test/fixtures/${name}`), 'utf8')) as T;
}

export const ACCOUNT = '111122223333';
export const REPOSITORY = 'team-a/payments-api';
export const DIGEST = 'sha256:9e8e9cd9d4031388e76ffd1f01c039d441df45180e70b83da6e4b3fa6a76ca85';

/** Epoch seconds (wire format) to the Date SDK v3 gives. */
const toDate = (value: unknown) => (typeof value === 'number' ? new Date(value * 1000) : value);

/**
 * A basic-scanning DescribeImageScanFindings page as SDK v3 returns it (timestamps as Dates),
 * with `findings` replaced by the given ones and `nextToken` set or removed.
 */
export function basicPage(options: { findings?: unknown[]; nextToken?: string; status?: string } = {}): any {
  const page = coreFixture('ecr/basic-page.json');
  const scan = page.imageScanFindings;
  const { nextToken: _drop, ...rest } = page;
  return {
    ...rest,
    imageScanStatus: { ...page.imageScanStatus, status: options.status ?? 'COMPLETE' },
    imageScanFindings: {
      ...scan,
      imageScanCompletedAt: toDate(scan.imageScanCompletedAt),
      vulnerabilitySourceUpdatedAt: toDate(scan.vulnerabilitySourceUpdatedAt),
      findings: options.findings ?? scan.findings,
    },
    ...(options.nextToken ? { nextToken: options.nextToken } : {}),
    $metadata: { httpStatusCode: 200 },
  };
}

/** A basic finding for CVE `id` in package `pkg`. */
export function basicFinding(id: string, pkg: string, severity = 'HIGH') {
  return {
    name: id,
    description: `A vulnerability in ${pkg}.`,
    uri: `https://security-tracker.debian.org/tracker/${id}`,
    severity,
    attributes: [
      { key: 'package_name', value: pkg },
      { key: 'package_version', value: '1.0.0-1' },
    ],
  };
}

/** An enhanced (Inspector) finding as SDK v3 returns it, for vulnerability `id`. */
export function enhancedFinding(id: string, pkg = 'openssl') {
  const f = coreFixture('ecr/enhanced-finding.json');
  const details = f.packageVulnerabilityDetails;
  return {
    ...f,
    findingArn: `arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/${id.toLowerCase()}`,
    firstObservedAt: toDate(f.firstObservedAt),
    lastObservedAt: toDate(f.lastObservedAt),
    updatedAt: toDate(f.updatedAt),
    title: `${id} - ${pkg}`,
    packageVulnerabilityDetails: {
      ...details,
      vendorCreatedAt: toDate(details.vendorCreatedAt),
      vulnerabilityId: id,
      vulnerablePackages: details.vulnerablePackages.map((p: any) => ({ ...p, name: pkg })),
    },
    resources: f.resources.map((r: any) => ({
      ...r,
      details: {
        awsEcrContainerImage: {
          ...r.details.awsEcrContainerImage,
          pushedAt: toDate(r.details.awsEcrContainerImage.pushedAt),
        },
      },
    })),
  };
}

/** An enhanced-scanning DescribeImageScanFindings page (status ACTIVE) as SDK v3 returns it. */
export function enhancedPage(enhancedFindings: unknown[], nextToken?: string): any {
  return {
    registryId: ACCOUNT,
    repositoryName: REPOSITORY,
    imageId: { imageDigest: DIGEST },
    imageScanStatus: { status: 'ACTIVE', description: 'Continuous scan is selected for image.' },
    imageScanFindings: {
      findingSeverityCounts: { HIGH: enhancedFindings.length },
      enhancedFindings,
    },
    ...(nextToken ? { nextToken } : {}),
    $metadata: { httpStatusCode: 200 },
  };
}

/** `n` small, valid-looking ASFF findings with ids `finding-0000`, `finding-0001`, ... */
export function asffFindings(n: number, prefix = 'finding'): AsffFinding[] {
  return Array.from(
    { length: n },
    (_, i) =>
      ({
        SchemaVersion: '2018-10-08',
        Id: `${prefix}-${String(i).padStart(4, '0')}`,
        ProductArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
        GeneratorId: 'ecr-compliance/ecr-basic',
        AwsAccountId: ACCOUNT,
        Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
        CreatedAt: '2026-11-20T10:16:02.000Z',
        UpdatedAt: '2026-11-20T10:16:02.000Z',
        Severity: { Label: 'HIGH', Original: 'HIGH' },
        Title: `CVE-2024-${1000 + i} - openssl`,
        Description: 'Possible denial of service in X.509 name checks.',
        Resources: [
          {
            Type: 'AwsEcrContainerImage',
            Id: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${REPOSITORY}/${DIGEST}`,
          },
        ],
      }) as unknown as AsffFinding,
  );
}

/** The Ids of the findings a BatchImportFindings input carried. */
export const idsOf = (input: { Findings?: ReadonlyArray<{ Id?: string | undefined }> | undefined }) =>
  (input.Findings ?? []).map((f) => f.Id);

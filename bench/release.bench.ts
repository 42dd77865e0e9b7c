/**
 * Issue 10 §5: what an automatic release attempt costs on a big repository. A repository of 1,000
 * images (the most a release verifies) has 100,000 findings of this tool in Security Hub (one image
 * finding and 99 vulnerability findings per image, all MEDIUM) and ECR scans of 99 MEDIUM
 * vulnerabilities per image. The real adapters and use case run against SDK clients that answer
 * from memory as the services would (Security Hub applies the GetFindings filters, 100 a page;
 * ListImages 1,000 a page), so the figures are this code's CPU time and its calls, without network
 * or SDK serialization. Scenarios: released; held by one HIGH finding in Security Hub; held by
 * ECR's scan of the first image (our findings forged LOW); and a repository of 100,000 images
 * (100,000 image findings), which is refused after two ListImages pages.
 */
import { performance } from 'node:perf_hooks';
import { EcrRepositoryImages } from '../packages/adapters-aws/src/ecr/EcrRepositoryImages.js';
import { EcrRepositoryPolicyStore } from '../packages/adapters-aws/src/ecr/EcrRepositoryPolicyStore.js';
import { EcrScanFindingsSource } from '../packages/adapters-aws/src/ecr/EcrScanFindingsSource.js';
import { SecurityHubAuditTrail } from '../packages/adapters-aws/src/securityhub/SecurityHubAuditTrail.js';
import { SecurityHubFindingsStore } from '../packages/adapters-aws/src/securityhub/SecurityHubFindingsStore.js';
import { answeringClients } from '../packages/adapters-aws/test/support/answeringClients.js';
import { blockPolicy, remediateImportedFindings } from '../packages/core/src/index.js';
import type { BenchContext, BenchResult } from './harness.js';

export const name = 'release';
export const description =
  'CPU time and calls of an automatic release attempt on a repository with 100,000 findings';

const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const REPOSITORY = 'team-a/big';
const REPOSITORY_ARN = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/${REPOSITORY}`;
const PRODUCT = `arn:aws:securityhub:${REGION}:${ACCOUNT}:product/${ACCOUNT}/default`;
const FINDINGS_PER_IMAGE = 100;
const digestOf = (i: number) => `sha256:${i.toString(16).padStart(64, '0')}`;

interface World {
  readonly images: number;
  /** Index of the image whose image finding in Security Hub is HIGH, if any. */
  readonly highFinding?: number;
  /** Index of the image whose ECR scan shows a HIGH vulnerability, if any. */
  readonly highScan?: number;
}

function findingsOf(world: World): Array<Stored & Record<string, unknown>> {
  const out: Array<Stored & Record<string, unknown>> = [];
  const perImage = world.images > 1_000 ? 1 : FINDINGS_PER_IMAGE;
  for (let i = 0; i < world.images; i += 1) {
    const imageArn = `${REPOSITORY_ARN}/${digestOf(i)}`;
    for (let v = 0; v < perImage; v += 1) {
      const image = v === 0;
      const label = image && world.highFinding === i ? 'HIGH' : 'MEDIUM';
      out.push({
        SchemaVersion: '2018-10-08',
        Id: image ? `ecr-compliance/ecr-basic/image/${i}` : `ecr-compliance/ecr-basic/${i}/CVE-2026-${v}`,
        ProductArn: PRODUCT,
        GeneratorId: image ? 'ecr-compliance/ecr-basic/image' : 'ecr-compliance/ecr-basic',
        AwsAccountId: ACCOUNT,
        CreatedAt: '2026-11-20T10:16:02.000Z',
        UpdatedAt: '2026-11-20T10:16:02.000Z',
        Severity: { Label: label },
        FindingProviderFields: { Severity: { Label: label, Original: label } },
        Title: `CVE-2026-${v}`,
        Description: 'A vulnerability.',
        Resources: [
          { Type: 'AwsEcrContainerImage', Id: imageArn },
          { Type: 'AwsEcrRepository', Id: REPOSITORY_ARN },
        ],
        RecordState: 'ACTIVE',
        Workflow: { Status: 'NEW' },
      });
    }
  }
  return out;
}

type Filter = { Value: string; Comparison: string };
/** The fields of a stored finding that the simulated GetFindings filters on. */
interface Stored {
  readonly ProductArn: string;
  readonly GeneratorId: string;
  readonly RecordState: string;
  readonly Workflow?: { readonly Status?: string };
  readonly Severity?: { readonly Label?: string };
  readonly FindingProviderFields?: {
    readonly Severity?: { readonly Label?: string; readonly Original?: string };
  };
  readonly Resources: ReadonlyArray<{ readonly Type: string; readonly Id: string }>;
}
const FILTER_FIELDS: Record<string, (f: Stored) => string | undefined> = {
  ProductArn: (f) => f.ProductArn,
  GeneratorId: (f) => f.GeneratorId,
  RecordState: (f) => f.RecordState,
  WorkflowStatus: (f) => f.Workflow?.Status,
  SeverityLabel: (f) => f.Severity?.Label,
  FindingProviderFieldsSeverityLabel: (f) => f.FindingProviderFields?.Severity?.Label,
};

/** Security Hub's GetFindings over `findings`: filters AND-ed across fields, OR-ed within one. */
function getFindings(findings: readonly Stored[]) {
  const cache = new Map<string, readonly Stored[]>();
  const matches = (f: Stored, filters: Record<string, Filter[]>) =>
    Object.entries(filters).every(([field, list]) => {
      if (field === 'ResourceId') {
        return list.some((c) => f.Resources.some((r) => r.Id.startsWith(c.Value)));
      }
      const value = FILTER_FIELDS[field]?.(f);
      const equals = list.filter((c) => c.Comparison === 'EQUALS' || c.Comparison === 'PREFIX');
      const not = list.filter((c) => c.Comparison === 'NOT_EQUALS');
      return (
        not.every((c) => value !== c.Value) &&
        (equals.length === 0 ||
          equals.some((c) => (c.Comparison === 'PREFIX' ? value?.startsWith(c.Value) : value === c.Value)))
      );
    });
  return (input: Record<string, unknown>) => {
    const filters = input.Filters as Record<string, Filter[]>;
    const key = JSON.stringify(filters);
    let hits = cache.get(key);
    if (!hits) {
      hits = findings.filter((f) => matches(f, filters));
      cache.set(key, hits);
    }
    const start = Number(input.NextToken ?? 0);
    const end = start + Number(input.MaxResults ?? 100);
    return { Findings: hits.slice(start, end), ...(end < hits.length ? { NextToken: String(end) } : {}) };
  };
}

/** ECR over the repository: ListImages 1,000 a page, DescribeImageScanFindings per digest, the policy. */
function ecrOf(world: World, policy: { text: string | null }) {
  const scanned = new Date('2026-11-20T10:16:02.000Z');
  const scans = new Map<string, Record<string, unknown>>();
  const scanOf = (digest: string, index: number) => {
    let page = scans.get(digest);
    if (!page) {
      const high = world.highScan === index;
      page = {
        registryId: ACCOUNT,
        repositoryName: REPOSITORY,
        imageId: { imageDigest: digest },
        imageScanStatus: { status: 'COMPLETE', description: 'The scan was completed successfully.' },
        imageScanFindings: {
          imageScanCompletedAt: scanned,
          vulnerabilitySourceUpdatedAt: scanned,
          findingSeverityCounts: high ? { HIGH: 1, MEDIUM: 98 } : { MEDIUM: 99 },
          findings: Array.from({ length: 99 }, (_, v) => ({
            name: `CVE-2026-${v}`,
            description: 'A vulnerability.',
            uri: `https://security-tracker.debian.org/tracker/CVE-2026-${v}`,
            severity: high && v === 0 ? 'HIGH' : 'MEDIUM',
            attributes: [
              { key: 'package_name', value: `pkg-${v}` },
              { key: 'package_version', value: '1.0.0' },
            ],
          })),
        },
      };
      scans.set(digest, page);
    }
    return page;
  };
  return (command: string, input: Record<string, unknown>) => {
    switch (command) {
      case 'GetRepositoryPolicyCommand':
        if (policy.text === null) {
          throw Object.assign(new Error('no policy'), { name: 'RepositoryPolicyNotFoundException' });
        }
        return { policyText: policy.text };
      case 'SetRepositoryPolicyCommand':
        policy.text = String(input.policyText);
        return {};
      case 'DeleteRepositoryPolicyCommand':
        policy.text = null;
        return {};
      case 'ListImagesCommand': {
        const start = Number(input.nextToken ?? 0);
        const end = Math.min(world.images, start + Number(input.maxResults ?? 100));
        const imageIds = [];
        for (let i = start; i < end; i += 1) imageIds.push({ imageDigest: digestOf(i), imageTag: `v${i}` });
        return { imageIds, ...(end < world.images ? { nextToken: String(end) } : {}) };
      }
      case 'DescribeImageScanFindingsCommand': {
        const digest = String((input.imageId as { imageDigest?: string }).imageDigest);
        return scanOf(digest, Number.parseInt(digest.slice(7), 16));
      }
      default:
        throw new Error(`unexpected ECR command ${command}`);
    }
  };
}

interface Run {
  readonly status: string;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly calls: Readonly<Record<string, number>>;
}

async function attempt(world: World): Promise<Run> {
  const findings = findingsOf(world);
  const policy = { text: blockPolicy(null).policyText as string | null };
  const answerFindings = getFindings(findings);
  const once = async (): Promise<Run> => {
    policy.text = blockPolicy(null).policyText as string;
    const clients = answeringClients({
      ecr: ecrOf(world, policy),
      securityHub: (command, input) => {
        if (command === 'GetFindingsCommand') return answerFindings(input);
        if (command === 'BatchUpdateFindingsCommand')
          return { ProcessedFindings: [], UnprocessedFindings: [] };
        throw new Error(`unexpected Security Hub command ${command}`);
      },
    });
    const deps = {
      policies: new EcrRepositoryPolicyStore({ client: clients.ecr }),
      audit: new SecurityHubAuditTrail({ client: clients.securityHub }),
      scans: new EcrScanFindingsSource({ client: clients.ecr, region: REGION }),
      images: new EcrRepositoryImages({ client: clients.ecr }),
      // No pacing: the calls are counted, and their time at the quota follows from the count.
      findings: new SecurityHubFindingsStore({ client: clients.securityHub, ratePerSecond: 1e6, burst: 1e6 }),
    };
    const trigger = { ...findings[0], RecordState: 'ARCHIVED' };
    const cpu = process.cpuUsage();
    const start = performance.now();
    const [outcome] = await remediateImportedFindings(
      deps,
      [trigger],
      { accountId: ACCOUNT, region: REGION, block: true, unblock: true },
      { actor: 'bench', now: '2026-12-02T00:00:00.000Z' },
    );
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    return {
      status: outcome?.status ?? 'none',
      cpuMs: (used.user + used.system) / 1000,
      wallMs,
      calls: Object.fromEntries(clients.calls),
    };
  };
  await once(); // warm-up: the JIT, and the simulated Security Hub's filter cache
  return once();
}

export async function run(ctx: BenchContext): Promise<BenchResult[]> {
  const scenarios: ReadonlyArray<{
    readonly label: string;
    readonly world: World;
    readonly status: string;
    readonly calls: Readonly<Record<string, number>>;
    readonly cpuGoalMs: number;
  }> = [
    {
      label: 'released (1,000 images, 100,000 findings)',
      world: { images: 1_000 },
      status: 'unblocked',
      calls: {
        GetRepositoryPolicyCommand: 2,
        ListImagesCommand: 1,
        GetFindingsCommand: 4,
        DescribeImageScanFindingsCommand: 1_000,
        SetRepositoryPolicyCommand: 0,
        DeleteRepositoryPolicyCommand: 1,
        BatchUpdateFindingsCommand: 1,
      },
      cpuGoalMs: 2_000,
    },
    {
      label: 'held by a HIGH image finding (image 500)',
      world: { images: 1_000, highFinding: 500 },
      status: 'skipped',
      calls: {
        GetRepositoryPolicyCommand: 1,
        ListImagesCommand: 1,
        GetFindingsCommand: 1,
        DescribeImageScanFindingsCommand: 0,
      },
      cpuGoalMs: 200,
    },
    {
      label: "held by ECR's scan of the first image",
      world: { images: 1_000, highScan: 0 },
      status: 'skipped',
      calls: {
        GetRepositoryPolicyCommand: 1,
        ListImagesCommand: 1,
        GetFindingsCommand: 4,
        DescribeImageScanFindingsCommand: 1,
      },
      cpuGoalMs: 200,
    },
    {
      label: 'refused (100,000 images, 100,000 image findings)',
      world: { images: 100_000 },
      status: 'skipped',
      calls: {
        GetRepositoryPolicyCommand: 1,
        ListImagesCommand: 2,
        GetFindingsCommand: 0,
        DescribeImageScanFindingsCommand: 0,
      },
      cpuGoalMs: 200,
    },
  ];
  const results: BenchResult[] = [];
  for (const scenario of scenarios) {
    ctx.progress(scenario.label);
    const measured = await attempt(scenario.world);
    const calls = Object.entries(scenario.calls).map(([command, wanted]) => {
      const value = measured.calls[command] ?? 0;
      return { command, value, wanted };
    });
    ctx.log(
      `${scenario.label}: ${measured.status}, ${Math.round(measured.cpuMs)} ms CPU (${Math.round(measured.wallMs)} ms wall); calls ${calls
        .filter((c) => c.value > 0)
        .map((c) => `${c.command.replace(/Command$/, '')} ${c.value}`)
        .join(', ')}`,
    );
    results.push(
      {
        name: `${scenario.label}: outcome ${scenario.status}`,
        value: measured.status === scenario.status ? 1 : 0,
        unit: 'ok',
        goal: '= 1',
        pass: measured.status === scenario.status,
      },
      {
        name: `${scenario.label}: CPU time`,
        value: measured.cpuMs,
        unit: 'ms',
        goal: `<= ${scenario.cpuGoalMs}`,
        pass: measured.cpuMs <= scenario.cpuGoalMs,
      },
      ...calls.map((c) => ({
        name: `${scenario.label}: ${c.command.replace(/Command$/, '')} calls`,
        value: c.value,
        unit: 'calls',
        goal: `= ${c.wanted}`,
        pass: c.value === c.wanted,
      })),
    );
  }
  return results;
}

import { InvalidInputError, ScanNotCompleteError } from '../errors.js';
import type { ScannedImage, Scanner } from '../model.js';
import { compiledOnFirstUse, parseWith } from '../parse.js';
import { groupBasic, groupEnhanced } from './groupFindings.js';
import {
  type DescribeImageScanFindings,
  DescribeImageScanFindingsSchema,
  type EnhancedFinding,
} from './schemas.js';

/** ECR basic scanning, as a {@link Scanner}. */
export const ECR_BASIC_SCANNER: Scanner = { id: 'ecr-basic', name: 'Amazon ECR basic scanning' };
/** ECR enhanced scanning (Amazon Inspector), as a {@link Scanner}. */
export const ECR_ENHANCED_SCANNER: Scanner = { id: 'ecr-enhanced', name: 'Amazon Inspector' };

/** Scan statuses whose response carries findings. */
const FINDING_STATUSES = new Set(['COMPLETE', 'ACTIVE']);

const compiledSchema = compiledOnFirstUse(DescribeImageScanFindingsSchema);

/** Options of {@link scannedImageFromEcr}. */
export interface FromEcrOptions {
  /** Region of the registry (the response does not say). */
  readonly region: string;
  /** Tags to report when the response names none (e.g. from the scan event). */
  readonly imageTags?: readonly string[];
}

/**
 * Turns what DescribeImageScanFindings returns (every page: one complete response, or all pages
 * merged with {@link mergeScanPages}) into a {@link ScannedImage}. A CVE reported for several
 * packages becomes one vulnerability with several packages, and the union of their scores and
 * references. A single page of several (one that carries a next-page token) is refused: it would
 * count only part of the image's vulnerabilities.
 *
 * @throws InvalidInputError when the data does not match the API's shape (names the field path),
 *   or when it is one page of several (`nextToken`, or the AWS CLI's `NextToken`)
 * @throws ScanNotCompleteError when the status carries no findings (IN_PROGRESS, FAILED, ...)
 */
export function scannedImageFromEcr(response: unknown, options: FromEcrOptions): ScannedImage {
  const data = parseWith(compiledSchema(), response, 'DescribeImageScanFindings response');
  refuseOnePageOfSeveral(data);
  const status = data.imageScanStatus.status;
  if (!FINDING_STATUSES.has(status)) throw new ScanNotCompleteError(status, data.imageScanStatus.description);
  const scan = data.imageScanFindings ?? {};
  const enhanced = scan.enhancedFindings ?? [];
  const basic = scan.findings ?? [];
  const isEnhanced = enhanced.length > 0 || (basic.length === 0 && status === 'ACTIVE');
  const grouped = isEnhanced ? groupEnhanced(enhanced) : undefined;
  const vulnerabilities = grouped ? grouped.vulnerabilities : groupBasic(basic);
  // Enhanced scanning re-evaluates images continuously: a finding can change after the image's
  // last scan completed, so the latest of both dates the findings (UpdatedAt must move forward).
  const latest = isEnhanced ? latestObservation(enhanced) : undefined;
  const completed = scan.imageScanCompletedAt;
  // ISO-8601 strings in UTC sort in time order.
  const scanCompletedAt = [completed, latest]
    .filter((t): t is string => t !== undefined)
    .sort()
    .at(-1);
  if (!scanCompletedAt) {
    throw new InvalidInputError(
      'required to date the findings (in DescribeImageScanFindings response)',
      'imageScanFindings.imageScanCompletedAt',
    );
  }
  const image = isEnhanced ? imageDetails(enhanced) : {};
  const tags = data.imageId.imageTag ? [data.imageId.imageTag] : [];
  return {
    scanner: isEnhanced ? ECR_ENHANCED_SCANNER : ECR_BASIC_SCANNER,
    accountId: data.registryId,
    region: options.region,
    repositoryName: data.repositoryName,
    imageDigest: data.imageId.imageDigest,
    imageTags: options.imageTags && options.imageTags.length > 0 ? [...options.imageTags] : tags,
    ...(image.pushedAt ? { imagePushedAt: image.pushedAt } : {}),
    ...(image.architecture ? { architecture: image.architecture } : {}),
    scanCompletedAt,
    ...(scan.vulnerabilitySourceUpdatedAt
      ? { vulnerabilitySourceUpdatedAt: scan.vulnerabilitySourceUpdatedAt }
      : {}),
    vulnerabilities,
    ...(grouped ? { suppressedCount: grouped.suppressedCount } : {}),
  };
}

/**
 * How to get a whole scan, for the refusal of a single page. `--max-items` makes the AWS CLI
 * print `NextToken`; `--no-paginate` (or one SDK call) leaves the service's `nextToken`.
 */
const ALL_PAGES_HINT =
  'run `aws ecr describe-image-scan-findings` without --max-items and --no-paginate (the CLI then fetches every page), or merge all pages into one response';

function refuseOnePageOfSeveral(data: DescribeImageScanFindings): void {
  for (const key of ['nextToken', 'NextToken'] as const) {
    const token = data[key];
    if (typeof token === 'string' && /\S/.test(token)) {
      throw new InvalidInputError(
        `the input is one page of several DescribeImageScanFindings pages, not the whole scan; ${ALL_PAGES_HINT}`,
        key,
      );
    }
  }
}

/**
 * Merges the pages of a paginated DescribeImageScanFindings into one response: findings and
 * enhanced findings are concatenated, everything else is taken from the first page, except the
 * next-page token, which is the last page's. A complete set of pages (as a paginator returns)
 * ends with a page without one; a set that stops early keeps its token, so that
 * {@link scannedImageFromEcr} refuses it as incomplete.
 *
 * @example
 * const pages = [];
 * for await (const page of paginateDescribeImageScanFindings(config, input)) pages.push(page);
 * const image = scannedImageFromEcr(mergeScanPages(pages), { region: 'us-east-1' });
 */
export function mergeScanPages(pages: readonly unknown[]): unknown {
  const [first, ...rest] = pages;
  if (rest.length === 0 || typeof first !== 'object' || first === null) return first;
  const head = first as { imageScanFindings?: Record<string, unknown> };
  const findings: unknown[] = [];
  const enhancedFindings: unknown[] = [];
  for (const page of pages) {
    const f = (page as { imageScanFindings?: { findings?: unknown[]; enhancedFindings?: unknown[] } })
      ?.imageScanFindings;
    if (Array.isArray(f?.findings)) findings.push(...f.findings);
    if (Array.isArray(f?.enhancedFindings)) enhancedFindings.push(...f.enhancedFindings);
  }
  const { nextToken: _first, NextToken: _firstCli, ...common } = head as Record<string, unknown>;
  const last = pages.at(-1) as Record<string, unknown> | null | undefined;
  const tokens: Record<string, unknown> = {};
  if (last && typeof last === 'object') {
    if (last.nextToken !== undefined) tokens.nextToken = last.nextToken;
    if (last.NextToken !== undefined) tokens.NextToken = last.NextToken;
  }
  return {
    ...common,
    imageScanFindings: { ...(head.imageScanFindings ?? {}), findings, enhancedFindings },
    ...tokens,
  };
}

function latestObservation(findings: readonly EnhancedFinding[]): string | undefined {
  let latest: string | undefined;
  for (const f of findings) {
    for (const t of [f.updatedAt, f.lastObservedAt]) if (t && (!latest || t > latest)) latest = t;
  }
  return latest;
}

function imageDetails(findings: readonly EnhancedFinding[]): {
  pushedAt?: string;
  architecture?: string;
} {
  for (const f of findings) {
    const d = f.resources?.[0]?.details?.awsEcrContainerImage;
    if (d) {
      return {
        ...(d.pushedAt ? { pushedAt: d.pushedAt } : {}),
        ...(d.architecture ? { architecture: d.architecture } : {}),
      };
    }
  }
  return {};
}

export type { DescribeImageScanFindings };

import type { CustomActionReference } from '../config.js';
import type { ScannedImage, Vulnerability, VulnerablePackage } from '../model.js';
import type { AsffFinding, AsffVulnerability, AsffVulnerablePackage } from './AsffFinding.js';
import { assertAsffFindings, LIMITS } from './constraints.js';
import { compact, field } from './fields.js';
import { fitSize } from './fitSize.js';
import { vulnerabilityFindingId } from './identity.js';
import { type ImageContext, imageContext, severityOf } from './imageContext.js';
import { imageFinding } from './imageFinding.js';
import { orElse, truncate } from './text.js';
import {
  missingDescription,
  packageNames,
  vulnerabilityRecommendation,
  vulnerabilityTitle,
} from './wording.js';

/** Which findings to produce for a scan. */
export type FindingGranularity = 'vulnerability' | 'image' | 'both';

export { CVE_FINDING_TYPE, FINDING_TYPE_FIELD } from './imageContext.js';

/** Options of {@link toAsffFindings}. */
export interface AsffMappingOptions {
  /** Which findings to produce. @default 'both' */
  readonly granularity?: FindingGranularity;
  /**
   * The custom action that blocks pulls, as deployed. The image finding's recommendation names
   * it ("run the custom action "Block ECR pulls" (ECR1)").
   * @default none: the recommendation speaks of "the block action of ecr-compliance"
   */
  readonly blockAction?: CustomActionReference;
  /**
   * Whether a vulnerability is covered by an active exception (its id, or undefined). The image
   * finding counts excepted vulnerabilities apart (`Count/EXCEPTED`), and its severity is that of
   * the others. The vulnerability findings are the same; exceptions suppress them in Security Hub.
   * @default none excepted
   */
  readonly exceptionFor?: (vulnerability: Vulnerability) => string | undefined;
}

/**
 * Maps one scanned image to ASFF findings: one per distinct vulnerability (all its packages in
 * `Vulnerabilities[0].VulnerablePackages`) and one image-level summary, in that order.
 * Pure and deterministic: timestamps come from the scan, so a later scan gives a later
 * `UpdatedAt`. Every finding is checked against Security Hub's limits before it is returned.
 *
 * @example
 * const findings = toAsffFindings(scannedImageFromEcr(response, { region: 'us-east-1' }));
 */
export function toAsffFindings(image: ScannedImage, options: AsffMappingOptions = {}): AsffFinding[] {
  const granularity = options.granularity ?? 'both';
  const context = imageContext(image);
  const out: AsffFinding[] = [];
  if (granularity !== 'image') {
    const details: DetailFields = { base: Object.keys(context.fields).length, names: new Map() };
    for (const v of image.vulnerabilities) out.push(vulnerabilityFinding(context, details, v));
  }
  if (granularity !== 'vulnerability')
    out.push(imageFinding(context, options.blockAction, options.exceptionFor));
  assertAsffFindings(out);
  return out;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type CvssEntry = NonNullable<AsffVulnerability['Cvss']>[number];

const PACKAGE_COUNT = field('PackageCount');
const SOURCE_FINDING_ID = field('SourceFindingId');

function toAsffPackage(p: VulnerablePackage): AsffVulnerablePackage {
  return compact<AsffVulnerablePackage>({
    Name: p.name,
    Version: p.version,
    Epoch: p.epoch,
    Release: p.release,
    Architecture: p.architecture,
    PackageManager: p.packageManager,
    FilePath: p.filePath,
    FixedInVersion: p.fixedInVersion,
    Remediation: p.remediation,
    SourceLayerHash: p.sourceLayerHash,
  });
}

function fixAvailable(v: Vulnerability): 'YES' | 'NO' | 'PARTIAL' | undefined {
  if (v.fixAvailable) return v.fixAvailable;
  const fixed = v.packages.filter((p) => p.fixedInVersion && p.fixedInVersion !== 'NotAvailable').length;
  if (fixed === 0) return undefined;
  return fixed === v.packages.length ? 'YES' : 'PARTIAL';
}

function httpUrl(url: string | undefined): string | undefined {
  return url && /^https?:\/\/\S+$/.test(url) ? url : undefined;
}

function vulnerabilityFinding(context: ImageContext, details: DetailFields, v: Vulnerability): AsffFinding {
  const { image } = context;
  const packages = v.packages.map(toAsffPackage);
  const names = packageNames(v);
  const vendorName = orElse(v.vendorName, image.scanner.name);
  const title = vulnerabilityTitle(v, names);
  const description = v.description?.trim() || missingDescription(v, vendorName);
  const fix = fixAvailable(v);
  const vulnerability = compact<AsffVulnerability>({
    Id: v.id,
    VulnerablePackages: packages,
    Cvss: v.cvss.map((c) =>
      compact<CvssEntry>({
        Version: c.version,
        BaseScore: c.baseScore,
        BaseVector: c.baseVector,
        Source: c.source,
      }),
    ),
    RelatedVulnerabilities: v.relatedVulnerabilities.filter((r) => /\S/.test(r)),
    Vendor: compact<NonNullable<AsffVulnerability['Vendor']>>({
      Name: truncate(vendorName, LIMITS.vendorName),
      Url: httpUrl(v.vendorUrl),
      VendorSeverity: v.vendorSeverity,
      VendorCreatedAt: v.vendorCreatedAt,
      VendorUpdatedAt: v.vendorUpdatedAt,
    }),
    ReferenceUrls: v.referenceUrls.filter((u) => /\S/.test(u)),
    FixAvailable: fix,
    ExploitAvailable: v.exploitAvailable,
    EpssScore: v.epssScore,
  });
  const firstObserved =
    v.firstObservedAt && v.firstObservedAt < image.scanCompletedAt
      ? v.firstObservedAt
      : image.scanCompletedAt;
  const fields: Record<string, string> = Object.assign({}, context.fields);
  fields[PACKAGE_COUNT] = String(v.packages.length);
  let count = details.base + 1;
  if (v.sourceFindingId) {
    fields[SOURCE_FINDING_ID] = truncate(v.sourceFindingId, LIMITS.productFieldValue);
    count += 1;
  }
  if (v.details) addDetails(fields, count, v.details, details.names);
  const url = httpUrl(v.remediationUrl) ?? httpUrl(v.vendorUrl);
  const severity = severityOf(v.severity, v.originalSeverity);
  const { common } = context;
  // One literal with every key and no spreads: V8 builds it on a fast path (spreads and
  // conditional keys made this mapping several times slower; see bench/mapping.bench.ts).
  const finding: Mutable<AsffFinding> = {
    SchemaVersion: common.SchemaVersion,
    ProductArn: common.ProductArn,
    ProductName: common.ProductName,
    CompanyName: common.CompanyName,
    AwsAccountId: common.AwsAccountId,
    Region: common.Region,
    Types: common.Types,
    LastObservedAt: common.LastObservedAt,
    UpdatedAt: common.UpdatedAt,
    RecordState: common.RecordState,
    Id: vulnerabilityFindingId(image, v.id),
    GeneratorId: context.generatorId,
    FirstObservedAt: firstObserved,
    CreatedAt: firstObserved,
    Severity: severity,
    Title: truncate(title, LIMITS.title),
    Description: truncate(description, LIMITS.description),
    Remediation: {
      Recommendation: url
        ? { Text: truncate(vulnerabilityRecommendation(v), LIMITS.recommendationText), Url: url }
        : { Text: truncate(vulnerabilityRecommendation(v), LIMITS.recommendationText) },
    },
    ProductFields: fields,
    Resources: context.resources,
    Vulnerabilities: [vulnerability],
    FindingProviderFields: { Severity: severity, Types: common.Types },
  };
  if (url) finding.SourceUrl = url;
  return fitSize(finding);
}

/**
 * ProductFields a finding may still get after the mapping: the fingerprint, and the note that
 * {@link fitSize} adds when it lists fewer packages.
 */
const RESERVED_PRODUCT_FIELDS = 2;

/**
 * What one mapping knows about the details' ProductFields: how many fields every vulnerability
 * finding has before its details, and the key of each detail, built once per detail key rather
 * than once per finding (a scanner gives the same few keys to thousands of findings).
 */
interface DetailFields {
  readonly base: number;
  readonly names: Map<string, string>;
}

/**
 * Writes each scanner detail as `ecr-compliance/<key>`: blank keys and values are left out, a key
 * longer than Security Hub allows too, and no detail overwrites a field of the mapping; past
 * Security Hub's 50 pairs, the remaining details are left out. `count` is the number of `fields`.
 */
function addDetails(
  fields: Record<string, string>,
  count: number,
  details: Readonly<Record<string, string>>,
  names: Map<string, string>,
): void {
  for (const key of Object.keys(details)) {
    if (count >= LIMITS.productFields - RESERVED_PRODUCT_FIELDS) return;
    const value = details[key];
    let name = names.get(key);
    if (name === undefined) {
      name = field(key.trim());
      names.set(key, name);
    }
    if (value === undefined || !/\S/.test(value) || !/\S/.test(key)) continue;
    if (name.length > LIMITS.productFieldKey || name in fields) continue;
    fields[name] = truncate(value, LIMITS.productFieldValue);
    count += 1;
  }
}

import type { ScannedImage, Vulnerability, VulnerablePackage } from '../model.js';
import { maxSeverity, SEVERITY_LABELS, type SeverityLabel, severityRank } from '../severity.js';
import type { AsffFinding, AsffResource, AsffVulnerability, AsffVulnerablePackage } from './AsffFinding.js';
import { assertAsffFindings, LIMITS } from './constraints.js';
import { compact, field } from './fields.js';
import { fitSize } from './fitSize.js';
import {
  imageArn,
  imageFindingId,
  imageGeneratorId,
  PRODUCT_PREFIX,
  partitionOf,
  productArn,
  repositoryArn,
  vulnerabilityFindingId,
  vulnerabilityGeneratorId,
} from './identity.js';
import { orElse, truncate } from './text.js';
import {
  type CustomActionRef,
  imageRecommendation,
  imageReference,
  imageTitle,
  missingDescription,
  packageNames,
  vulnerabilityRecommendation,
  vulnerabilityTitle,
} from './wording.js';

/** Which findings to produce for a scan. */
export type FindingGranularity = 'vulnerability' | 'image' | 'both';

/** The ASFF finding type of every finding this project writes. */
export const CVE_FINDING_TYPE = 'Software and Configuration Checks/Vulnerabilities/CVE';

/** Options of {@link toAsffFindings}. */
export interface AsffMappingOptions {
  /** Which findings to produce. @default 'both' */
  readonly granularity?: FindingGranularity;
  /**
   * The custom action that blocks pulls, as deployed. The image finding's recommendation names
   * it ("run the custom action "Block ECR pulls" (ECR1)").
   * @default none: the recommendation speaks of "the block action of ecr-compliance"
   */
  readonly blockAction?: CustomActionRef;
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
  if (granularity !== 'image')
    for (const v of image.vulnerabilities) out.push(vulnerabilityFinding(context, v));
  if (granularity !== 'vulnerability') out.push(imageFinding(context, options.blockAction));
  assertAsffFindings(out);
  return out;
}

/**
 * What every finding of one image shares, built once. The findings hold the same (readonly)
 * objects, which saves allocations and lets the validator check them once.
 */
interface ImageContext {
  readonly image: ScannedImage;
  readonly common: Pick<
    AsffFinding,
    | 'SchemaVersion'
    | 'ProductArn'
    | 'ProductName'
    | 'CompanyName'
    | 'AwsAccountId'
    | 'Region'
    | 'Types'
    | 'LastObservedAt'
    | 'UpdatedAt'
    | 'RecordState'
  >;
  readonly generatorId: string;
  readonly resources: readonly AsffResource[];
  readonly fields: Readonly<Record<string, string>>;
}

function imageContext(image: ScannedImage): ImageContext {
  return {
    image,
    common: {
      SchemaVersion: '2018-10-08',
      ProductArn: productArn(image.region, image.accountId),
      ProductName: PRODUCT_PREFIX,
      CompanyName: PRODUCT_PREFIX,
      AwsAccountId: image.accountId,
      Region: image.region,
      Types: [CVE_FINDING_TYPE],
      LastObservedAt: image.scanCompletedAt,
      UpdatedAt: image.scanCompletedAt,
      RecordState: 'ACTIVE',
    },
    generatorId: vulnerabilityGeneratorId(image.scanner.id),
    resources: [imageResource(image)],
    fields: baseFields(image, 'vulnerability'),
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type EcrImageDetails = NonNullable<NonNullable<AsffResource['Details']>['AwsEcrContainerImage']>;
type CvssEntry = NonNullable<AsffVulnerability['Cvss']>[number];

const PACKAGE_COUNT = field('PackageCount');
/** ProductFields key that says which kind of finding this is: `vulnerability` or `image`. */
export const FINDING_TYPE_FIELD = field('FindingType');
const SOURCE_FINDING_ID = field('SourceFindingId');

/** Tags listed in the image resource; the rest are left out (ProductFields lists them, truncated). */
const MAX_LISTED_TAGS = 100;

/** Tags worth showing: Security Hub rejects blank strings. */
function tagsOf(image: ScannedImage): string[] {
  return image.imageTags.filter((t) => /\S/.test(t));
}

function imageResource(image: ScannedImage): AsffResource {
  return {
    Type: 'AwsEcrContainerImage',
    Id: imageArn(image),
    Partition: partitionOf(image.region),
    Region: image.region,
    Details: {
      AwsEcrContainerImage: compact<EcrImageDetails>({
        RegistryId: image.accountId,
        RepositoryName: image.repositoryName,
        ImageDigest: image.imageDigest,
        // A finding has to stay under 240 KB whatever the number of tags.
        ImageTags: tagsOf(image).slice(0, MAX_LISTED_TAGS),
        ImagePublishedAt: image.imagePushedAt,
        Architecture: image.architecture,
      }),
    },
  };
}

function baseFields(image: ScannedImage, kind: 'vulnerability' | 'image'): Record<string, string> {
  const fields: Record<string, string> = {
    [FINDING_TYPE_FIELD]: kind,
    [field('Scanner')]: image.scanner.id,
    [field('RepositoryName')]: image.repositoryName,
    [field('ImageDigest')]: image.imageDigest,
  };
  const tags = tagsOf(image);
  if (tags.length > 0) fields[field('ImageTags')] = truncate(tags.join(','), LIMITS.productFieldValue);
  if (image.vulnerabilitySourceUpdatedAt)
    fields[field('VulnerabilitySourceUpdatedAt')] = image.vulnerabilitySourceUpdatedAt;
  return fields;
}

function severityOf(label: SeverityLabel, original: string) {
  return { Label: label, Original: truncate(orElse(original, label), LIMITS.severityOriginal) };
}

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

function vulnerabilityFinding(context: ImageContext, v: Vulnerability): AsffFinding {
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
  if (v.sourceFindingId) fields[SOURCE_FINDING_ID] = truncate(v.sourceFindingId, LIMITS.productFieldValue);
  if (v.details) addDetails(fields, v.details);
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
 * Writes each scanner detail as `ecr-compliance/<key>`: blank keys and values are left out, a key
 * longer than Security Hub allows too, and no detail overwrites a field of the mapping; past
 * Security Hub's 50 pairs, the remaining details are left out.
 */
function addDetails(fields: Record<string, string>, details: Readonly<Record<string, string>>): void {
  let count = Object.keys(fields).length;
  for (const key of Object.keys(details)) {
    if (count >= LIMITS.productFields - RESERVED_PRODUCT_FIELDS) return;
    const value = details[key];
    const name = field(key.trim());
    if (value === undefined || !/\S/.test(value) || !/\S/.test(key)) continue;
    if (name.length > LIMITS.productFieldKey || name in fields) continue;
    fields[name] = truncate(value, LIMITS.productFieldValue);
    count += 1;
  }
}

function imageFinding(context: ImageContext, blockAction: CustomActionRef | undefined): AsffFinding {
  const { image } = context;
  const counts = Object.fromEntries(SEVERITY_LABELS.map((l) => [l, 0])) as Record<SeverityLabel, number>;
  let highest: SeverityLabel | undefined;
  for (const v of image.vulnerabilities) {
    counts[v.severity] += 1;
    highest = highest ? maxSeverity(highest, v.severity) : v.severity;
  }
  const total = image.vulnerabilities.length;
  const label = highest ?? 'INFORMATIONAL';
  const breakdown = [...SEVERITY_LABELS]
    .reverse()
    .map((l) => `${counts[l]} ${l.toLowerCase()}`)
    .join(', ');
  const worst = highest
    ? image.vulnerabilities
        .filter((v) => severityRank(v.severity) === severityRank(highest))
        .map((v) => v.id)
        .slice(0, 10)
    : [];
  const ref = imageReference(image);
  const tags = tagsOf(image).length > 0 ? ` (tags: ${tagsOf(image).join(', ')})` : ' (untagged)';
  const description =
    total === 0
      ? `${image.scanner.name} found no vulnerabilities in image ${ref}${tags}.`
      : `${image.scanner.name} found ${total} distinct ${total === 1 ? 'vulnerability' : 'vulnerabilities'} in image ${ref}${tags}: ${breakdown}. Highest severity ${label}: ${worst.join(', ')}${worst.length < counts[label] ? ', ...' : ''}.`;
  const fields = baseFields(image, 'image');
  for (const l of SEVERITY_LABELS) fields[field(`Count/${l}`)] = String(counts[l]);
  fields[field('Count/TOTAL')] = String(total);
  if (image.suppressedCount !== undefined) fields[field('Count/SUPPRESSED')] = String(image.suppressedCount);
  const severity = severityOf(label, highest ? label : 'NONE');
  const repository: AsffResource = {
    Type: 'AwsEcrRepository',
    Id: repositoryArn(image.region, image.accountId, image.repositoryName),
    Partition: partitionOf(image.region),
    Region: image.region,
    Details: {
      AwsEcrRepository: {
        RepositoryName: image.repositoryName,
        Arn: repositoryArn(image.region, image.accountId, image.repositoryName),
      },
    },
  };
  return {
    ...context.common,
    Id: imageFindingId(image),
    GeneratorId: imageGeneratorId(image.scanner.id),
    FirstObservedAt: image.scanCompletedAt,
    CreatedAt: image.scanCompletedAt,
    Severity: severity,
    Title: truncate(imageTitle(image, { total, critical: counts.CRITICAL, high: counts.HIGH }), LIMITS.title),
    Description: truncate(description, LIMITS.description),
    Remediation: {
      Recommendation: {
        Text: truncate(imageRecommendation(total, blockAction), LIMITS.recommendationText),
      },
    },
    ProductFields: fields,
    Resources: [...context.resources, repository],
    FindingProviderFields: { Severity: severity, Types: context.common.Types },
  };
}

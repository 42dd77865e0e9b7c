import { EcrComplianceError } from '../errors.js';
import type { ScannedImage, Vulnerability, VulnerablePackage } from '../model.js';
import { maxSeverity, SEVERITY_LABELS, type SeverityLabel, severityRank } from '../severity.js';
import type { AsffFinding, AsffResource, AsffVulnerability, AsffVulnerablePackage } from './AsffFinding.js';
import { assertAsffFindings, LIMITS, PROVED_WITHIN_SIZE } from './constraints.js';
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
import { jsonBytesUpperBound, orElse, truncate, utf8Length } from './text.js';

/** Which findings to produce for a scan. */
export type FindingGranularity = 'vulnerability' | 'image' | 'both';

/** The ASFF finding type of every finding this project writes. */
export const CVE_FINDING_TYPE = 'Software and Configuration Checks/Vulnerabilities/CVE';

/** Options of {@link toAsffFindings}. */
export interface AsffMappingOptions {
  /** Which findings to produce. @default 'both' */
  readonly granularity?: FindingGranularity;
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
  if (granularity !== 'vulnerability') out.push(imageFinding(context));
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

const field = (name: string) => `${PRODUCT_PREFIX}/${name}`;
const PACKAGE_COUNT = field('PackageCount');
/** ProductFields key that says which kind of finding this is: `vulnerability` or `image`. */
export const FINDING_TYPE_FIELD = field('FindingType');
const SOURCE_FINDING_ID = field('SourceFindingId');

/** Drops undefined values, blank strings and empty arrays, which Security Hub rejects. */
function compact<T extends object>(value: { [K in keyof T]?: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  const source = value as Record<string, unknown>;
  // Object.keys, not Object.entries: same keys and order, without an array per property.
  for (const k of Object.keys(source)) {
    const v = source[k];
    if (v === undefined || (typeof v === 'string' && !/\S/.test(v))) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out as T;
}

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

function describePackage(p: VulnerablePackage): string {
  return p.version ? `${p.name} ${p.version}` : p.name;
}

function fixAvailable(v: Vulnerability): 'YES' | 'NO' | 'PARTIAL' | undefined {
  if (v.fixAvailable) return v.fixAvailable;
  const fixed = v.packages.filter((p) => p.fixedInVersion && p.fixedInVersion !== 'NotAvailable').length;
  if (fixed === 0) return undefined;
  return fixed === v.packages.length ? 'YES' : 'PARTIAL';
}

function recommendation(v: Vulnerability): string {
  if (v.remediationText?.trim()) return v.remediationText.trim();
  const fixes = v.packages.filter((p) => p.fixedInVersion && p.fixedInVersion !== 'NotAvailable');
  if (fixes.length > 0) {
    const list = fixes.map((p) => `${p.name} to ${p.fixedInVersion}`).join(', ');
    return `Upgrade ${list} or later, then rebuild and push the image.`;
  }
  const names = v.packages.map((p) => p.name);
  const what = names.length > 0 ? names.join(', ') : 'the affected packages';
  return `Update ${what} to a version that fixes ${v.id} (or rebuild on an updated base image), then push the image and scan it again.`;
}

function httpUrl(url: string | undefined): string | undefined {
  return url && /^https?:\/\/\S+$/.test(url) ? url : undefined;
}

function vulnerabilityFinding(context: ImageContext, v: Vulnerability): AsffFinding {
  const { image } = context;
  const packages = v.packages.map(toAsffPackage);
  const packageNames = [...new Set(v.packages.map((p) => p.name))];
  const vendorName = orElse(v.vendorName, image.scanner.name);
  const title = packageNames.length > 0 ? `${v.id} - ${packageNames.join(', ')}` : v.id;
  const description = orElse(
    v.description,
    `${vendorName} reported ${v.id} without a description${packageNames.length > 0 ? `; affected: ${v.packages.map(describePackage).join(', ')}` : ''}.`,
  );
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
  if (v.details)
    for (const key of Object.keys(v.details)) {
      const value = v.details[key];
      if (value !== undefined && /\S/.test(value) && /\S/.test(key))
        fields[field(key)] = truncate(value, LIMITS.productFieldValue);
    }
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
        ? { Text: truncate(recommendation(v), LIMITS.recommendationText), Url: url }
        : { Text: truncate(recommendation(v), LIMITS.recommendationText) },
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
 * Keeps a finding under Security Hub's 240 KB by listing fewer packages and reference URLs, and
 * says so in its ProductFields. Only images with thousands of packages for one advisory get here.
 */
function fitSize(finding: AsffFinding): AsffFinding {
  // Nearly every finding is far below the limit: a cheap bound proves it without serializing.
  if (jsonBytesUpperBound(finding) <= LIMITS.findingBytes) {
    PROVED_WITHIN_SIZE.add(finding);
    return finding;
  }
  const fits = (f: AsffFinding) => utf8Length(JSON.stringify(f)) <= LIMITS.findingBytes;
  if (fits(finding)) return finding;
  const [vulnerability] = finding.Vulnerabilities ?? [];
  if (!vulnerability) return finding;
  // Halve the longest lists first: reference URLs, related advisories and CVSS scores, then the
  // packages (one always stays). Every other field has a bounded length.
  const lists = {
    ReferenceUrls: vulnerability.ReferenceUrls ?? [],
    RelatedVulnerabilities: vulnerability.RelatedVulnerabilities ?? [],
    Cvss: vulnerability.Cvss ?? [],
    VulnerablePackages: vulnerability.VulnerablePackages ?? [],
  };
  const kept = {
    ReferenceUrls: lists.ReferenceUrls.length,
    RelatedVulnerabilities: lists.RelatedVulnerabilities.length,
    Cvss: lists.Cvss.length,
    VulnerablePackages: lists.VulnerablePackages.length,
  };
  const build = (): AsffFinding => ({
    ...finding,
    ProductFields: {
      ...finding.ProductFields,
      [field('ListedPackages')]:
        `${kept.VulnerablePackages} of ${lists.VulnerablePackages.length} packages listed (finding size limit)`,
    },
    Vulnerabilities: [
      compact<AsffVulnerability>({
        ...vulnerability,
        ReferenceUrls: lists.ReferenceUrls.slice(0, kept.ReferenceUrls),
        RelatedVulnerabilities: lists.RelatedVulnerabilities.slice(0, kept.RelatedVulnerabilities),
        Cvss: lists.Cvss.slice(0, kept.Cvss),
        VulnerablePackages: lists.VulnerablePackages.slice(0, kept.VulnerablePackages),
      }),
    ],
  });
  let candidate = build();
  while (!fits(candidate)) {
    if (kept.ReferenceUrls > 0) kept.ReferenceUrls = Math.floor(kept.ReferenceUrls / 2);
    else if (kept.RelatedVulnerabilities > 0)
      kept.RelatedVulnerabilities = Math.floor(kept.RelatedVulnerabilities / 2);
    else if (kept.Cvss > 1) kept.Cvss = Math.floor(kept.Cvss / 2);
    else if (kept.VulnerablePackages > 1) kept.VulnerablePackages = Math.floor(kept.VulnerablePackages / 2);
    else {
      throw new EcrComplianceError(
        `finding ${finding.Id} cannot be brought under ${LIMITS.findingBytes} bytes: one of its texts is longer than Security Hub allows`,
      );
    }
    candidate = build();
  }
  return candidate;
}

function imageFinding(context: ImageContext): AsffFinding {
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
  const ref = `${image.repositoryName}@${image.imageDigest}`;
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
    Title: truncate(
      `${total} ${total === 1 ? 'vulnerability' : 'vulnerabilities'} (${counts.CRITICAL} critical, ${counts.HIGH} high) in ECR image ${ref}`,
      LIMITS.title,
    ),
    Description: truncate(description, LIMITS.description),
    Remediation: {
      Recommendation: {
        Text: truncate(
          total === 0
            ? 'No action needed.'
            : 'Rebuild the image on an updated base image with fixed packages, push it and scan it again. To stop pulls of the repository meanwhile, select this finding and run the block action (ECR1).',
          LIMITS.recommendationText,
        ),
      },
    },
    ProductFields: fields,
    Resources: [...context.resources, repository],
    FindingProviderFields: { Severity: severity, Types: context.common.Types },
  };
}

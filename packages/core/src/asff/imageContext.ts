/** What every finding of one image shares: common fields, the image resource, base ProductFields. */
import type { ScannedImage } from '../model.js';
import type { SeverityLabel } from '../severity.js';
import type { AsffFinding, AsffResource } from './AsffFinding.js';
import { LIMITS } from './constraints.js';
import { compact, field } from './fields.js';
import { imageArn, PRODUCT_PREFIX, partitionOf, productArn, vulnerabilityGeneratorId } from './identity.js';
import { orElse, truncate } from './text.js';

/** The ASFF finding type of every finding this project writes. */
export const CVE_FINDING_TYPE = 'Software and Configuration Checks/Vulnerabilities/CVE';

/** ProductFields key that says which kind of finding this is: `vulnerability` or `image`. */
export const FINDING_TYPE_FIELD = field('FindingType');

/**
 * What every finding of one image shares, built once. The findings hold the same (readonly)
 * objects, which saves allocations and lets the validator check them once.
 */
export interface ImageContext {
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

/** Builds the {@link ImageContext} of `image`, once per mapping. */
export function imageContext(image: ScannedImage): ImageContext {
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

type EcrImageDetails = NonNullable<NonNullable<AsffResource['Details']>['AwsEcrContainerImage']>;
/** Tags listed in the image resource; the rest are left out (ProductFields lists them, truncated). */
const MAX_LISTED_TAGS = 100;

/** The image's tags worth showing: Security Hub rejects blank strings. */
export function tagsOf(image: ScannedImage): string[] {
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

/** The ProductFields every finding of `image` has: its kind, the scanner, repository, digest and tags. */
export function baseFields(image: ScannedImage, kind: 'vulnerability' | 'image'): Record<string, string> {
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

/** An ASFF severity: the label, and the scanner's own word as `Original` (the label when blank). */
export function severityOf(label: SeverityLabel, original: string) {
  return { Label: label, Original: truncate(orElse(original, label), LIMITS.severityOriginal) };
}

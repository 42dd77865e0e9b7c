import type { RepositoryIdentity, ScannedImage } from '../model.js';
import { stableHash } from './text.js';

/** Prefix of every GeneratorId and finding Id this project writes; it marks our findings. */
export const PRODUCT_PREFIX = 'ecr-compliance';

/** ASFF `Id` and `GeneratorId` limit. */
export const MAX_ID_LENGTH = 512;

/** AWS partition of a region. */
export function partitionOf(region: string): 'aws' | 'aws-cn' | 'aws-us-gov' {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** The default product ARN of a custom integration: `arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default`. */
export function productArn(region: string, accountId: string): string {
  return `arn:${partitionOf(region)}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/** `arn:aws:ecr:REGION:ACCOUNT:repository/NAME`. */
export function repositoryArn(region: string, accountId: string, repositoryName: string): string {
  return `arn:${partitionOf(region)}:ecr:${region}:${accountId}:repository/${repositoryName}`;
}

/** The parts of an ECR repository ARN or image ARN ({@link repositoryArn}, {@link imageArn}). */
export interface EcrArnParts extends RepositoryIdentity {
  /** Present for an image ARN. */
  readonly imageDigest?: string;
}

const ECR_ARN =
  /^arn:aws(?:-cn|-us-gov)?:ecr:([a-z0-9-]+):(\d{12}):repository\/(.+?)(?:\/(sha\d+:[a-f0-9]+))?$/;

/** Reads an ECR repository ARN or image ARN; undefined for anything else. */
export function parseEcrArn(arn: string): EcrArnParts | undefined {
  const match = ECR_ARN.exec(arn);
  if (!match) return undefined;
  const [, region, accountId, repositoryName, imageDigest] = match as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  return imageDigest === undefined
    ? { region, accountId, repositoryName }
    : { region, accountId, repositoryName, imageDigest };
}

/** The digest of `resourceId` when it is an image ARN of exactly this repository (not of `NAME/nested`); undefined otherwise. */
export function imageDigestIn(resourceId: string, repository: RepositoryIdentity): string | undefined {
  const arn = parseEcrArn(resourceId);
  return arn?.imageDigest !== undefined &&
    arn.accountId === repository.accountId &&
    arn.region === repository.region &&
    arn.repositoryName === repository.repositoryName
    ? arn.imageDigest
    : undefined;
}

/** `arn:aws:ecr:REGION:ACCOUNT:repository/NAME/sha256:DIGEST`, the resource Id Inspector uses for an image. */
export function imageArn(
  image: Pick<ScannedImage, 'region' | 'accountId' | 'repositoryName' | 'imageDigest'>,
): string {
  return `${repositoryArn(image.region, image.accountId, image.repositoryName)}/${image.imageDigest}`;
}

/** GeneratorId of a scanner's per-vulnerability findings, e.g. `ecr-compliance/ecr-basic`. */
export function vulnerabilityGeneratorId(scannerId: string): string {
  return bounded(`${PRODUCT_PREFIX}/${scannerId}`);
}

/** GeneratorId of a scanner's image-level findings, e.g. `ecr-compliance/ecr-basic/image`. */
export function imageGeneratorId(scannerId: string): string {
  return bounded(`${PRODUCT_PREFIX}/${scannerId}/image`);
}

function imageKey(image: ScannedImage): string {
  return `${PRODUCT_PREFIX}/${image.scanner.id}/${image.accountId}/${image.region}/${image.repositoryName}/${image.imageDigest}`;
}

/**
 * Id of the finding for one vulnerability of one image. Stable across re-scans: built from the
 * scanner, account, region, repository, digest and advisory id; tags never enter it.
 */
export function vulnerabilityFindingId(image: ScannedImage, vulnerabilityId: string): string {
  return bounded(`${imageKey(image)}/vulnerability/${vulnerabilityId}`);
}

/** Id of the image-level finding of one image and scanner. */
export function imageFindingId(image: ScannedImage): string {
  return bounded(`${imageKey(image)}/image`);
}

/** Keeps an identifier within 512 characters; an over-long one keeps a readable prefix and a hash of the whole. */
function bounded(id: string): string {
  if (id.length <= MAX_ID_LENGTH) return id;
  const hash = stableHash(id);
  return `${id.slice(0, MAX_ID_LENGTH - hash.length - 1)}~${hash}`;
}

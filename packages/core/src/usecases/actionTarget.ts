/**
 * Which findings an action may act on, and which repository: the rules of issue 10 §1 (a click acts
 * only on a finding this tool imported, or Amazon Inspector's) and §4 (a finding names one
 * repository, and that name is a valid ECR repository name). Refusals are reasons, never errors.
 */
import { type EcrArnParts, PRODUCT_PREFIX, parseEcrArn } from '../asff/identity.js';
import { type FindingOrigin, productPlaceOf } from '../findings/rules.js';
import type { ImageIdentity, RepositoryIdentity } from '../ports.js';
import { type ActionFinding, RepositoryName } from '../schemas.js';

const ECR_RESOURCE_TYPES = new Set(['AwsEcrContainerImage', 'AwsEcrRepository']);
const ECR_ARN_START = /^arn:[^:]*:ecr:/;
/** ProductFields key in which this tool names the finding's repository. */
const REPOSITORY_FIELD = `${PRODUCT_PREFIX}/RepositoryName`;

/** What the Id of one of this tool's findings says it is about. */
export interface OurFindingIdParts extends ImageIdentity {
  readonly scannerId: string;
}

// The inverse of identity.ts: `ecr-compliance/SCANNER/ACCOUNT/REGION/REPOSITORY/DIGEST/` and then
// `image` or `vulnerability/ID` (an over-long Id is cut inside the vulnerability id, never before).
const OUR_FINDING_ID =
  /^ecr-compliance\/(.+?)\/(\d{12})\/([a-z0-9-]+)\/(.+)\/(sha\d+:[a-f0-9]+)\/(?:image|vulnerability\/.+)$/;

/** Reads the Id of a finding of this tool (see `imageFindingId`, `vulnerabilityFindingId`); undefined for any other text. */
export function parseOurFindingId(id: string): OurFindingIdParts | undefined {
  const match = OUR_FINDING_ID.exec(id);
  if (!match) return undefined;
  const [, scannerId, accountId, region, repositoryName, imageDigest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { scannerId, accountId, region, repositoryName, imageDigest };
}

/** Whether `name` is a valid ECR repository name: 2-256 characters, `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`. */
export function isRepositoryName(name: string): boolean {
  return RepositoryName.safeParse(name).success;
}

/** Result of {@link targetRepositoryOf}. */
export type ActionTarget =
  | { readonly ok: true; readonly repository: RepositoryIdentity }
  | { readonly ok: false; readonly reason: string };

const refuse = (reason: string): ActionTarget => ({ ok: false, reason });
const place = (arn: Pick<EcrArnParts, 'region' | 'repositoryName'>) =>
  `${arn.repositoryName} in ${arn.region}`;

/**
 * The one repository a finding is about, or the reason there is none. Every ECR resource (type
 * `AwsEcrContainerImage` or `AwsEcrRepository`, or any resource with an ECR ARN) must be an image
 * or repository ARN of `accountId` (and of `actingRegion` when given) with a valid ECR repository
 * name, and all of them must name the same repository, as must their `Region` and `Details`. A
 * finding of this tool must also say the same in its Id (account, Region, repository, and the
 * image digest of its image resources) and in `ProductFields["ecr-compliance/RepositoryName"]`;
 * a finding's product ARN must be of the repository's Region. So a finding whose Id is about
 * `team-a/api` cannot act on `prod/db`.
 */
export function targetRepositoryOf(
  finding: ActionFinding,
  origin: FindingOrigin,
  accountId: string,
  actingRegion: string | undefined,
): ActionTarget {
  const resources = finding.Resources.filter(
    (resource) => ECR_RESOURCE_TYPES.has(resource.Type) || ECR_ARN_START.test(resource.Id),
  );
  if (resources.length === 0) {
    return refuse(
      'finding has no ECR image or repository resource (AwsEcrContainerImage or AwsEcrRepository with an ECR ARN)',
    );
  }
  let target: EcrArnParts | undefined;
  const digests: string[] = [];
  for (const resource of resources) {
    const arn = parseEcrArn(resource.Id);
    if (!arn)
      return refuse(`resource ${resource.Id} (${resource.Type}) is not an ECR image or repository ARN`);
    if (arn.accountId !== accountId) {
      return refuse(
        `repository ${resource.Id} is in account ${arn.accountId}, not in this account ${accountId}`,
      );
    }
    if (actingRegion && arn.region !== actingRegion) {
      return refuse(
        `repository ${resource.Id} is in region ${arn.region}, not in this region ${actingRegion}`,
      );
    }
    if (!isRepositoryName(arn.repositoryName)) {
      return refuse(
        `resource ${resource.Id} names ${JSON.stringify(arn.repositoryName)}, which is not a valid ECR repository name`,
      );
    }
    if (resource.Region !== undefined && resource.Region !== arn.region) {
      return refuse(
        `resource ${resource.Id} gives Region ${resource.Region}, but its ARN is in ${arn.region}`,
      );
    }
    const image = resource.Details?.AwsEcrContainerImage;
    const named = [image?.RepositoryName, resource.Details?.AwsEcrRepository?.RepositoryName];
    for (const name of named) {
      if (name !== undefined && name !== arn.repositoryName) {
        return refuse(
          `resource ${resource.Id} gives RepositoryName ${JSON.stringify(name)}, but its ARN names ${arn.repositoryName}`,
        );
      }
    }
    if (image?.RegistryId !== undefined && image.RegistryId !== arn.accountId) {
      return refuse(
        `resource ${resource.Id} gives RegistryId ${image.RegistryId}, but its ARN is in ${arn.accountId}`,
      );
    }
    if (target && (target.region !== arn.region || target.repositoryName !== arn.repositoryName)) {
      return refuse(`finding names more than one repository: ${place(target)} and ${place(arn)}`);
    }
    target ??= arn;
    if (arn.imageDigest !== undefined) digests.push(arn.imageDigest);
  }
  // `resources` is not empty, so the loop set it.
  const repository = target as EcrArnParts;
  const product = productPlaceOf(finding.ProductArn);
  if (product && product.region !== repository.region) {
    return refuse(
      `finding was imported for region ${product.region} (ProductArn), but its repository is in ${repository.region}`,
    );
  }
  const field = finding.ProductFields?.[REPOSITORY_FIELD];
  if (origin === 'ecr-compliance') {
    const id = parseOurFindingId(finding.Id);
    if (!id) return refuse(`finding Id ${finding.Id} does not name an image as ecr-compliance writes it`);
    if (id.accountId !== accountId || id.region !== repository.region) {
      return refuse(
        `finding Id is about account ${id.accountId} in ${id.region}, but its resources are in account ${accountId} in ${repository.region}`,
      );
    }
    if (id.repositoryName !== repository.repositoryName) {
      return refuse(
        `finding Id is about repository ${id.repositoryName}, but its resources name ${repository.repositoryName}`,
      );
    }
    const other = digests.find((digest) => digest !== id.imageDigest);
    if (other !== undefined) {
      return refuse(`finding Id is about image ${id.imageDigest}, but a resource names image ${other}`);
    }
    if (field === undefined) return refuse(`finding has no ProductFields ${REPOSITORY_FIELD}`);
  }
  if (field !== undefined && field !== repository.repositoryName) {
    return refuse(
      `ProductFields ${REPOSITORY_FIELD} is ${JSON.stringify(field)}, but the finding's resources name ${repository.repositoryName}`,
    );
  }
  return {
    ok: true,
    repository: {
      accountId: repository.accountId,
      region: repository.region,
      repositoryName: repository.repositoryName,
    },
  };
}

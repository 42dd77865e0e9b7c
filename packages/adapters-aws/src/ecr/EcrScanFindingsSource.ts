import { type ECRClient, paginateDescribeImageScanFindings } from '@aws-sdk/client-ecr';
import {
  type ImageReference,
  ResourceNotFoundError,
  type ScanFindingsSource,
  type ScannedImage,
} from '@ecr-compliance/core';
import { mergeScanPages, scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { errorName } from '../awsErrors.js';

/** Options of {@link EcrScanFindingsSource}. */
export interface EcrScanFindingsSourceOptions {
  readonly client: ECRClient;
  /** Region of the client, for the findings' ARNs. @default the client's configured region */
  readonly region?: string;
  /** Results per DescribeImageScanFindings call; 1000 is the API maximum, so the fewest calls. @default 1000 */
  readonly pageSize?: number;
}

const NOT_FOUND: Record<string, 'scan' | 'image' | 'repository'> = {
  ScanNotFoundException: 'scan',
  ImageNotFoundException: 'image',
  RepositoryNotFoundException: 'repository',
};

/**
 * The scan findings of an ECR image (basic or enhanced), read through the
 * DescribeImageScanFindings paginator and mapped by the core.
 */
export class EcrScanFindingsSource implements ScanFindingsSource {
  readonly #client: ECRClient;
  readonly #region: string | undefined;
  readonly #pageSize: number;

  constructor(options: EcrScanFindingsSourceOptions) {
    this.#client = options.client;
    this.#region = options.region;
    this.#pageSize = options.pageSize ?? 1000;
  }

  /**
   * @throws ResourceNotFoundError when the scan, image or repository does not exist
   * @throws ScanNotCompleteError when the scan has no findings yet (IN_PROGRESS, FAILED, ...)
   * @throws InvalidInputError when ECR's answer does not have the documented shape
   */
  async getScan(image: ImageReference): Promise<ScannedImage> {
    if (!image.imageDigest && !image.imageTag) {
      throw new ResourceNotFoundError('image', 'an image digest or tag is required');
    }
    const pages: unknown[] = [];
    try {
      const paginator = paginateDescribeImageScanFindings(
        { client: this.#client, pageSize: this.#pageSize },
        {
          repositoryName: image.repositoryName,
          imageId: {
            ...(image.imageDigest ? { imageDigest: image.imageDigest } : {}),
            ...(image.imageTag ? { imageTag: image.imageTag } : {}),
          },
          ...(image.accountId ? { registryId: image.accountId } : {}),
        },
      );
      for await (const page of paginator) pages.push(page);
    } catch (error) {
      const kind = NOT_FOUND[errorName(error)];
      if (kind) {
        const what = `${image.repositoryName}@${image.imageDigest ?? image.imageTag}`;
        throw new ResourceNotFoundError(kind, `${kind} not found for ${what}: ${(error as Error).message}`, {
          cause: error,
        });
      }
      throw error;
    }
    const region = this.#region ?? (await this.#client.config.region());
    const tags = image.imageTags ?? [];
    return scannedImageFromEcr(mergeScanPages(pages), {
      region,
      ...(tags.length > 0 ? { imageTags: tags } : {}),
    });
  }
}

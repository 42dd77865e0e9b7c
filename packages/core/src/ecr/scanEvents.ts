import { parseEcrArn } from '../asff/identity.js';
import { InvalidInputError } from '../errors.js';
import type { ImageReference } from '../ports.js';
import { RepositoryName } from '../schemas.js';
import { PARSE_IN_ENGLISH } from '../zodLocale.js';

/** What a scan event carries about its image, whatever envelope delivered it. */
interface ScanEventDetail {
  readonly 'repository-name': string;
  readonly 'image-digest': string;
  readonly 'image-tags': readonly string[];
}

/**
 * A completed scan event of either kind, as the adapters parsed it from EventBridge: basic
 * scanning ("ECR Image Scan", source `aws.ecr`) or enhanced scanning ("Inspector2 Scan", source
 * `aws.inspector2`). Only the fields that name the image are read.
 */
export interface ScanEvent {
  readonly source: 'aws.ecr' | 'aws.inspector2';
  readonly account: string;
  readonly region: string;
  readonly detail: ScanEventDetail;
}

/** The image a scan event names, in the registry of the event's account. */
export interface ScannedImageReference extends ImageReference {
  readonly accountId: string;
  readonly imageDigest: string;
  readonly imageTags: readonly string[];
  /** Which scanning sent the event. */
  readonly scanning: 'basic' | 'enhanced';
}

/**
 * Names the image of a completed scan event. For "Inspector2 Scan", `detail.repository-name`
 * holds the repository ARN in every published example (AWS-FACTS §1.5), so an ARN is read
 * (it must be of the event's account and Region) and a plain name is accepted as well.
 *
 * @throws InvalidInputError naming `detail.repository-name` when it is neither
 */
export function imageOfScanEvent(event: ScanEvent): ScannedImageReference {
  const detail = event.detail;
  const base = {
    accountId: event.account,
    imageDigest: detail['image-digest'],
    imageTags: detail['image-tags'],
  };
  if (event.source === 'aws.ecr') {
    return { ...base, repositoryName: detail['repository-name'], scanning: 'basic' };
  }
  return { ...base, repositoryName: inspectorRepositoryName(event), scanning: 'enhanced' };
}

function inspectorRepositoryName(event: ScanEvent): string {
  const value = event.detail['repository-name'];
  const path = 'detail.repository-name';
  if (value.startsWith('arn:')) {
    const arn = parseEcrArn(value);
    if (!arn || arn.imageDigest !== undefined) {
      throw new InvalidInputError(
        `expected an ECR repository ARN or name, got ${JSON.stringify(value)}`,
        path,
      );
    }
    if (arn.accountId !== event.account || arn.region !== event.region) {
      throw new InvalidInputError(
        `repository ${value} is not in the event's account and Region ${event.account}/${event.region}`,
        path,
      );
    }
    return checkedName(arn.repositoryName, path);
  }
  return checkedName(value, path);
}

function checkedName(name: string, path: string): string {
  const parsed = RepositoryName.safeParse(name, PARSE_IN_ENGLISH);
  if (!parsed.success) {
    throw new InvalidInputError(
      `${parsed.error.issues[0]?.message ?? 'invalid'}: ${JSON.stringify(name)}`,
      path,
    );
  }
  return parsed.data;
}

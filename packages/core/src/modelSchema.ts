/**
 * The schema of the scanner-neutral model ({@link ScannedImage}): what any scanner's parser must
 * produce before the core maps it. A parser written against this project's own schemas produces
 * a valid image by construction; a parser written elsewhere gets a field-path error here instead
 * of an ASFF violation later.
 */
import * as z from 'zod/mini';
import type { ScannedImage } from './model.js';
import { parseWith } from './parse.js';
import { AccountId, ImageDigest, Region, RepositoryName } from './schemas.js';
import { SEVERITY_LABELS } from './severity.js';

const Text = z.string().check(z.regex(/\S/, 'must not be empty or blank'));
/** An ISO-8601 date-time with an offset (`Z` or `+hh:mm`), as ASFF requires. */
const IsoTime = z.iso.datetime({ offset: true });

const ScannerSchema = z.object({
  id: z
    .string()
    .check(z.regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a lowercase scanner id such as trivy')),
  name: Text,
});

const PackageSchema = z.object({
  name: Text,
  version: z.optional(z.string()),
  epoch: z.optional(z.string()),
  release: z.optional(z.string()),
  architecture: z.optional(z.string()),
  packageManager: z.optional(z.string()),
  filePath: z.optional(z.string()),
  fixedInVersion: z.optional(z.string()),
  remediation: z.optional(z.string()),
  sourceLayerHash: z.optional(z.string()),
});

const CvssSchema = z.object({
  version: Text,
  baseScore: z.number().check(z.gte(0), z.lte(10)),
  baseVector: z.optional(z.string()),
  source: z.optional(z.string()),
});

const VulnerabilitySchema = z.object({
  id: Text,
  title: z.optional(z.string()),
  description: z.optional(z.string()),
  severity: z.enum(SEVERITY_LABELS),
  originalSeverity: z.string(),
  packages: z.readonly(z.array(PackageSchema)),
  cvss: z.readonly(z.array(CvssSchema)),
  referenceUrls: z.readonly(z.array(z.string())),
  relatedVulnerabilities: z.readonly(z.array(z.string())),
  vendorName: z.optional(z.string()),
  vendorUrl: z.optional(z.string()),
  vendorSeverity: z.optional(z.string()),
  vendorCreatedAt: z.optional(IsoTime),
  vendorUpdatedAt: z.optional(IsoTime),
  fixAvailable: z.optional(z.enum(['YES', 'NO', 'PARTIAL'])),
  exploitAvailable: z.optional(z.enum(['YES', 'NO'])),
  epssScore: z.optional(z.number().check(z.gte(0), z.lte(1))),
  remediationText: z.optional(z.string()),
  remediationUrl: z.optional(z.string()),
  firstObservedAt: z.optional(IsoTime),
  sourceFindingId: z.optional(z.string()),
  details: z.optional(z.record(z.string(), z.string())),
});

/** Checks a {@link ScannedImage}: identity fields, ISO-8601 times, ASFF severity labels, score ranges. */
export const ScannedImageSchema = z.object({
  scanner: ScannerSchema,
  accountId: AccountId,
  region: Region,
  repositoryName: RepositoryName,
  imageDigest: ImageDigest,
  imageTags: z.readonly(z.array(z.string())),
  imagePushedAt: z.optional(IsoTime),
  architecture: z.optional(z.string()),
  scanCompletedAt: IsoTime,
  vulnerabilitySourceUpdatedAt: z.optional(IsoTime),
  vulnerabilities: z.readonly(z.array(VulnerabilitySchema)),
  suppressedCount: z.optional(z.int().check(z.gte(0))),
});

/**
 * Checks that `input` is a {@link ScannedImage} and returns it as given (unknown keys are not
 * stripped: a valid image comes back unchanged).
 *
 * @throws InvalidInputError naming the first offending field, e.g.
 *   `vulnerabilities[3].severity: Invalid option: expected one of ... (in scanned image)`
 * @example
 * const image = parseScannedImage(myScannerOutputMappedToTheModel);
 * const findings = toAsffFindings(image);
 */
export function parseScannedImage(input: unknown): ScannedImage {
  parseWith(ScannedImageSchema, input, 'scanned image');
  return input as ScannedImage;
}

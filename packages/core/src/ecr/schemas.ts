/**
 * Schemas of what ECR's DescribeImageScanFindings returns, basic and enhanced, as printed by
 * `aws ecr describe-image-scan-findings` or returned by SDK v3.
 */
import * as z from 'zod/mini';
import { AccountId, ImageDigest, NonBlank, RepositoryName, Timestamp } from '../schemas.js';

/** One basic-scanning finding (`imageScanFindings.findings[]`). */
export const BasicFindingSchema = z.object({
  name: NonBlank,
  description: z.optional(z.string()),
  uri: z.optional(z.string()),
  severity: z.optional(z.string()),
  attributes: z.optional(z.array(z.object({ key: z.string(), value: z.optional(z.string()) }))),
});
/** One basic-scanning finding after validation. */
export type BasicFinding = z.output<typeof BasicFindingSchema>;

const VulnerablePackageSchema = z.object({
  name: NonBlank,
  version: z.optional(z.string()),
  epoch: z.optional(z.union([z.number(), z.string()])),
  release: z.optional(z.string()),
  arch: z.optional(z.string()),
  packageManager: z.optional(z.string()),
  filePath: z.optional(z.string()),
  fixedInVersion: z.optional(z.string()),
  remediation: z.optional(z.string()),
  sourceLayerHash: z.optional(z.string()),
});

const CvssSchema = z.object({
  baseScore: z.optional(z.number()),
  scoringVector: z.optional(z.string()),
  source: z.optional(z.string()),
  version: z.optional(z.string()),
});

/** One enhanced-scanning (Amazon Inspector) finding (`imageScanFindings.enhancedFindings[]`). */
export const EnhancedFindingSchema = z
  .object({
    awsAccountId: z.optional(z.string()),
    description: z.optional(z.string()),
    findingArn: z.optional(z.string()),
    firstObservedAt: z.optional(Timestamp),
    lastObservedAt: z.optional(Timestamp),
    updatedAt: z.optional(Timestamp),
    title: z.optional(z.string()),
    type: z.optional(z.string()),
    severity: z.optional(z.string()),
    status: z.optional(z.string()),
    score: z.optional(z.number()),
    fixAvailable: z.optional(z.string()),
    exploitAvailable: z.optional(z.string()),
    epss: z.optional(z.object({ score: z.optional(z.number()) })),
    remediation: z.optional(
      z.object({
        recommendation: z.optional(z.object({ text: z.optional(z.string()), url: z.optional(z.string()) })),
      }),
    ),
    scoreDetails: z.optional(
      z.object({ cvss: z.optional(z.extend(CvssSchema, { score: z.optional(z.number()) })) }),
    ),
    packageVulnerabilityDetails: z.optional(
      z.object({
        vulnerabilityId: z.optional(NonBlank),
        source: z.optional(z.string()),
        sourceUrl: z.optional(z.string()),
        vendorSeverity: z.optional(z.string()),
        vendorCreatedAt: z.optional(Timestamp),
        vendorUpdatedAt: z.optional(Timestamp),
        referenceUrls: z.optional(z.array(z.string())),
        relatedVulnerabilities: z.optional(z.array(z.string())),
        cvss: z.optional(z.array(CvssSchema)),
        vulnerablePackages: z.optional(z.array(VulnerablePackageSchema)),
      }),
    ),
    resources: z.optional(
      z.array(
        z.object({
          details: z.optional(
            z.object({
              awsEcrContainerImage: z.optional(
                z.object({
                  architecture: z.optional(z.string()),
                  pushedAt: z.optional(Timestamp),
                  platform: z.optional(z.string()),
                }),
              ),
            }),
          ),
        }),
      ),
    ),
  })
  .check(
    z.refine((f) => /\S/.test(f.packageVulnerabilityDetails?.vulnerabilityId ?? f.title ?? ''), {
      message: 'needs packageVulnerabilityDetails.vulnerabilityId or title',
    }),
  );
/** One enhanced-scanning finding after validation. */
export type EnhancedFinding = z.output<typeof EnhancedFindingSchema>;

/**
 * What ECR's DescribeImageScanFindings returns (one page, or all pages merged), as printed by
 * `aws ecr describe-image-scan-findings` or returned by SDK v3.
 */
export const DescribeImageScanFindingsSchema = z.object({
  registryId: AccountId,
  repositoryName: RepositoryName,
  imageId: z.object({ imageDigest: ImageDigest, imageTag: z.optional(z.string()) }),
  imageScanStatus: z.object({ status: NonBlank, description: z.optional(z.string()) }),
  imageScanFindings: z.optional(
    z.object({
      imageScanCompletedAt: z.optional(Timestamp),
      vulnerabilitySourceUpdatedAt: z.optional(Timestamp),
      findingSeverityCounts: z.optional(z.record(z.string(), z.number().check(z.int(), z.nonnegative()))),
      findings: z.optional(z.array(BasicFindingSchema)),
      enhancedFindings: z.optional(z.array(EnhancedFindingSchema)),
    }),
  ),
  /** Next-page token of the service: set on every page but the last (null or absent there). */
  nextToken: z.optional(z.nullable(z.string())),
  /** Next-page token that the AWS CLI prints under `--max-items` when items remain. */
  NextToken: z.optional(z.nullable(z.string())),
});
/** A validated DescribeImageScanFindings response. */
export type DescribeImageScanFindings = z.output<typeof DescribeImageScanFindingsSchema>;

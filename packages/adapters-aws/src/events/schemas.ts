/**
 * The EventBridge events the handlers receive: the envelope (id, account, Region, time,
 * resources) with each event's `detail` (AWS-FACTS §1, §5). Envelopes are the adapters' business;
 * the core receives what they carry. Errors name the field path through `parseWith`.
 */
import { AccountId, ImageDigest, NonBlank, RepositoryName, Timestamp } from '@ecr-compliance/core';
import * as z from 'zod/mini';

/** The fields every EventBridge event carries. */
const envelope = {
  version: z.optional(z.string()),
  id: NonBlank,
  account: AccountId,
  time: Timestamp,
  region: z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as us-east-1')),
  resources: z.array(z.string()),
};

/** The EventBridge "ECR Image Scan" event (AWS-FACTS §1.2). */
export const EcrImageScanEventSchema = z.object({
  ...envelope,
  source: z.literal('aws.ecr'),
  'detail-type': z.literal('ECR Image Scan'),
  detail: z.object({
    'scan-status': NonBlank,
    'repository-name': RepositoryName,
    'image-digest': ImageDigest,
    'image-tags': z._default(z.array(z.string()), []),
    'finding-severity-counts': z.optional(z.record(z.string(), z.number())),
  }),
});
/** A validated "ECR Image Scan" event. */
export type EcrImageScanEvent = z.output<typeof EcrImageScanEventSchema>;

/**
 * The EventBridge "Inspector2 Scan" event (AWS-FACTS §1.5): Amazon Inspector finished the initial
 * scan of an image in a registry with enhanced scanning, which sends no "ECR Image Scan" event.
 * Every published example puts the repository ARN, not its name, in `repository-name`, so both are
 * accepted here; `imageOfScanEvent` (`@ecr-compliance/core/ecr`) resolves it. The event carries counts only, no findings.
 */
export const Inspector2ScanEventSchema = z.object({
  ...envelope,
  source: z.literal('aws.inspector2'),
  'detail-type': z.literal('Inspector2 Scan'),
  detail: z.object({
    'scan-status': NonBlank,
    'repository-name': NonBlank,
    'image-digest': ImageDigest,
    'image-tags': z._default(z.array(z.string()), []),
    'finding-severity-counts': z.optional(z.record(z.string(), z.number())),
  }),
});
/** A validated "Inspector2 Scan" event. */
export type Inspector2ScanEvent = z.output<typeof Inspector2ScanEventSchema>;

/**
 * The EventBridge "ECR Image Action" event (AWS-FACTS §1.3): a push or a deletion. `image-tag` is
 * one string here (the scan event has an array) and may be absent for an untagged image.
 */
export const EcrImageActionEventSchema = z.object({
  ...envelope,
  source: z.literal('aws.ecr'),
  'detail-type': z.literal('ECR Image Action'),
  detail: z.object({
    'action-type': NonBlank,
    result: NonBlank,
    'repository-name': RepositoryName,
    'image-digest': ImageDigest,
    'image-tag': z.optional(z.string()),
  }),
});
/** A validated "ECR Image Action" event. */
export type EcrImageActionEvent = z.output<typeof EcrImageActionEventSchema>;

/** The EventBridge "Security Hub Findings - Custom Action" event (AWS-FACTS §5.2). Findings are validated one by one. */
export const CustomActionEventSchema = z.object({
  ...envelope,
  source: z.literal('aws.securityhub'),
  'detail-type': z.literal('Security Hub Findings - Custom Action'),
  resources: z.array(z.string()).check(z.minLength(1, 'expected the custom action ARN')),
  detail: z.object({
    actionName: z.optional(z.string()),
    actionDescription: z.optional(z.string()),
    findings: z.array(z.unknown()).check(z.minLength(1, 'expected at least one finding')),
  }),
});
/** A validated custom action event; `detail.findings` still need `ActionFindingSchema`. */
export type CustomActionEvent = z.output<typeof CustomActionEventSchema>;

/**
 * The EventBridge "Security Hub Findings - Imported" event (AWS-FACTS §5.4): one finding,
 * created or updated. Automatic remediation acts on it. Findings are validated one by one.
 */
export const FindingsImportedEventSchema = z.object({
  ...envelope,
  source: z.literal('aws.securityhub'),
  'detail-type': z.literal('Security Hub Findings - Imported'),
  detail: z.object({
    findings: z.array(z.unknown()).check(z.minLength(1, 'expected at least one finding')),
  }),
});
/** A validated "Findings - Imported" event; `detail.findings` still need `ActionFindingSchema`. */
export type FindingsImportedEvent = z.output<typeof FindingsImportedEventSchema>;

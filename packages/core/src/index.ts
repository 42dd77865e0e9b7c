/**
 * @ecr-compliance/core: the pure domain of ecr-compliance. It maps scan results to AWS
 * Security Finding Format findings and builds deny policies; it performs no I/O, reads no
 * clock and no environment, and depends on zod only.
 */
export type {
  AsffFinding,
  AsffResource,
  AsffSeverity,
  AsffVulnerability,
  AsffVulnerablePackage,
} from './asff/AsffFinding.js';
export { BATCH_LIMITS, toBatches } from './asff/batch.js';
export { AsffFindingSchema, assertAsffFinding, LIMITS } from './asff/constraints.js';
export { FINGERPRINT_FIELD, findingFingerprint } from './asff/fingerprint.js';
export { fromStoredFinding } from './asff/fromStoredFinding.js';
export {
  type EcrArnParts,
  imageArn,
  imageDigestIn,
  imageFindingId,
  imageGeneratorId,
  PRODUCT_PREFIX,
  parseEcrArn,
  partitionOf,
  productArn,
  repositoryArn,
  vulnerabilityFindingId,
  vulnerabilityGeneratorId,
} from './asff/identity.js';
export { stableHash, TRUNCATION_MARKER, truncate, utf8Length } from './asff/text.js';
export {
  type AsffMappingOptions,
  CVE_FINDING_TYPE,
  FINDING_TYPE_FIELD,
  type FindingGranularity,
  toAsffFindings,
} from './asff/toAsffFindings.js';
export { imageOfScanEvent, type ScanEvent, type ScannedImageReference } from './ecr/scanEvents.js';
export {
  ECR_BASIC_SCANNER,
  ECR_ENHANCED_SCANNER,
  type FromEcrOptions,
  mergeScanPages,
  scannedImageFromEcr,
} from './ecr/scannedImageFromEcr.js';
export {
  EcrComplianceError,
  InvalidInputError,
  PolicyTooLargeError,
  PolicyUnreadableError,
  PublishError,
  ResourceNotFoundError,
  ScanNotCompleteError,
} from './errors.js';
export type { CvssScore, ScannedImage, Scanner, Vulnerability, VulnerablePackage } from './model.js';
export { formatPath, parseWith } from './parse.js';
export {
  BLOCK_STATEMENT_SID,
  type BlockOptions,
  blockPolicy,
  blockStatement,
  DENIED_PULL_ACTIONS,
  isBlocked,
  MAX_POLICY_LENGTH,
  type PolicyChange,
  type PolicyDocument,
  type PolicyStatement,
  parsePolicy,
  serializePolicy,
  unblockPolicy,
  validateExemptPrincipals,
} from './policy/denyPolicy.js';
export type {
  AuditEntry,
  AuditTrail,
  FindingsPublisher,
  FindingsStore,
  HolderSearch,
  ImageIdentity,
  ImageReference,
  PublishResult,
  RepositoryFindings,
  RepositoryIdentity,
  RepositoryImages,
  RepositoryPolicyStore,
  RepositoryReference,
  ScanFindingsSource,
  StoredFinding,
} from './ports.js';
export {
  type ActionFinding,
  ActionFindingSchema,
  type CustomActionEvent,
  CustomActionEventSchema,
  type DescribeImageScanFindings,
  DescribeImageScanFindingsSchema,
  type EcrImageActionEvent,
  EcrImageActionEventSchema,
  type EcrImageScanEvent,
  EcrImageScanEventSchema,
  type FindingsImportedEvent,
  FindingsImportedEventSchema,
  type Inspector2ScanEvent,
  Inspector2ScanEventSchema,
} from './schemas.js';
export {
  isAtOrAbove,
  maxSeverity,
  NORMALIZED_SEVERITY,
  SEVERITY_LABELS,
  type SeverityLabel,
  severityRank,
  toSeverityLabel,
} from './severity.js';
export { type ArchiveImageResult, archiveImageFindings } from './usecases/archiveImageFindings.js';
export {
  type AutomaticOutcome,
  type AutomaticRemediationConfig,
  type AutomaticRemediationDeps,
  releaseRepository,
  remediateAutomatically,
  remediateImportedFindings,
} from './usecases/automaticRemediation.js';
export {
  DEFAULT_KEEP_ALIVE_DAYS,
  type ReconcileScanOptions,
  type ReconcileScanResult,
  type Reconciliation,
  reconcile,
  reconcileScan,
  resolveReconcileScanOptions,
  STORED_TIME_SKEW_MS,
  trustedFindings,
} from './usecases/reconcileScan.js';
export {
  AUTOMATIC_LIMITS,
  type BlockVerdict,
  blockVerdict,
  type CheckedTrigger,
  findingHolds,
  type Holder,
  type ReleaseEvidence,
  type ReleaseVerdict,
  readTrigger,
  releaseVerdict,
  type ScanEvidence,
  scanEvidenceOf,
  scanHolds,
  type Trigger,
} from './usecases/remediationVerdict.js';
export { type ReportScanResult, reportScan } from './usecases/reportScan.js';
export {
  type ActionContext,
  type AuditOutcome,
  blockRepository,
  changeRepositoryPolicy,
  type RepositoryActionConfig,
  type RepositoryActionDeps,
  type RepositoryActionOutcome,
  type RepositoryPolicyChange,
  unblockRepository,
} from './usecases/repositoryAction.js';

/**
 * @ecr-compliance/core: the pure, scanner-neutral domain of ecr-compliance. It maps a scanned
 * image (from any scanner) to AWS Security Finding Format findings, keeps their lifecycle, and
 * builds deny policies; it performs no I/O, reads no clock and no environment, and depends on
 * zod only. Scanner parsers sit behind subpaths (`@ecr-compliance/core/ecr`, `@ecr-compliance/core/scanners`).
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
export { TRUNCATION_MARKER, truncate, utf8Length } from './asff/text.js';
export {
  type AsffMappingOptions,
  CVE_FINDING_TYPE,
  FINDING_TYPE_FIELD,
  toAsffFindings,
} from './asff/toAsffFindings.js';
export {
  type CustomActionReference,
  DEFAULT_BLOCK_ACTION,
  DEFAULT_ENHANCED_FINDING_GRANULARITY,
  DEFAULT_FINDING_GRANULARITY,
  DEFAULT_KEEP_ALIVE_DAYS,
  DEFAULT_SEVERITY_THRESHOLD,
  FINDING_GRANULARITIES,
  FINDING_RETENTION_DAYS,
  type FindingGranularity,
  MAX_ACTION_NAME_LENGTH,
  MAX_KEEP_ALIVE_DAYS,
  resolveCustomActionReference,
  resolveFindingGranularity,
  resolveKeepAliveDays,
  resolveSeverityThreshold,
} from './config.js';
export {
  EcrComplianceError,
  type FindingFailure,
  FindingsNotHandledError,
  InvalidInputError,
  PolicyConflictError,
  PolicyTooLargeError,
  PolicyUnreadableError,
  PublishError,
  ResourceNotFoundError,
  ScanNotCompleteError,
} from './errors.js';
export {
  type BlockRefusedDetail,
  DOMAIN_EVENT_SOURCE,
  DOMAIN_EVENT_TYPES,
  DOMAIN_EVENT_VERSION,
  type DomainEvent,
  type DomainEvents,
  type DomainEventsResult,
  type EventRepository,
  eventRepository,
  type ImageFindingsImportedDetail,
  imageFindingsImported,
  MAX_EVENT_TEXT,
  MAX_LISTED_VULNERABILITIES,
  type NewVulnerability,
  type RepositoryChangedDetail,
} from './events/domainEvents.js';
export { REFUSAL_REASONS, type RefusalReason, refusalReasonOf } from './events/refusalReasons.js';
export {
  addException,
  EXPIRY_NOTICE_DAYS,
  type ExceptionChange,
  type ExceptionDeps,
  type ExpiryResult,
  expireExceptions,
  removeException,
} from './exceptions/applyExceptions.js';
export {
  ArrivingFindingSchema,
  type ArrivingFindingsResult,
  suppressArrivingFindings,
} from './exceptions/arrivingFindings.js';
export {
  DEFAULT_MAX_EXCEPTION_DAYS,
  EXCEPTION_JUSTIFICATIONS,
  type ExceptionJustification,
  type ExceptionRecord,
  ExceptionRecordSchema,
  type ExceptionScope,
  MAX_EXCEPTION_DAYS_LIMIT,
  MAX_EXPIRY_DAYS_TAG,
  newException,
  parseExceptionRecord,
  resolveMaxExceptionDays,
  withinMaxExpiry,
} from './exceptions/ExceptionRecord.js';
export {
  EXCEPTION_ID_FIELD,
  EXCEPTION_STATE_FIELD,
  type ExceptionCandidate,
  type ExceptionUpdate,
  endNote,
  exceptionTargetOf,
  markedException,
  planExceptionUpdates,
  suppressionNote,
} from './exceptions/exceptionEffects.js';
export {
  activeExceptionFor,
  type ExceptionState,
  type ExceptionTarget,
  exceptionCovers,
  exceptionState,
  exceptionsExpiringWithin,
  isExceptionActive,
  packageOfScope,
  scopeCoversRepository,
} from './exceptions/matching.js';
export {
  OpenVexDocumentSchema,
  readOpenVex,
  toOpenVex,
  type VexClaim,
  type VexReading,
} from './exceptions/openVex.js';
export type { ExceptionFindings, ExceptionStore, FindingsWorkflow } from './exceptions/ports.js';
export type { ImageReevaluation, ImageReevaluationDeps } from './exceptions/reevaluateImage.js';
export {
  isTrivyIgnoreYaml,
  parsePlainTrivyIgnore,
  parseTrivyIgnore,
  parseTrivyIgnoreYaml,
  type TrivyIgnoreEntry,
  toTrivyIgnoreYaml,
} from './exceptions/trivyIgnore.js';
export {
  asSeverityLabel,
  blockingSeverity,
  defaultProductAccount,
  type FindingOrigin,
  type FindingProvenance,
  type FindingSeverityFields,
  highestSeverity,
  inspectorProductArn,
  isInspectorFinding,
  isOurFinding,
  isOurImageFinding,
  labelOfNormalized,
  originOf,
  productPlaceOf,
} from './findings/rules.js';
export type {
  CvssScore,
  ImageIdentity,
  RepositoryIdentity,
  ScannedImage,
  Scanner,
  Vulnerability,
  VulnerablePackage,
} from './model.js';
export { parseScannedImage, ScannedImageSchema } from './modelSchema.js';
export { formatPath, parseWith } from './parse.js';
export { type BlockState, blockStateOf } from './policy/blockState.js';
export {
  type BlockOptions,
  blockPolicy,
  isBlocked,
  type PolicyChange,
  unblockPolicy,
} from './policy/denyPolicy.js';
export { type ExemptionOptions, validateExemptPrincipals } from './policy/exemptPrincipals.js';
export {
  BLOCK_STATEMENT_SID,
  blockStatement,
  DENIED_PULL_ACTIONS,
  findOurStatement,
  isOurStatement,
} from './policy/ourStatement.js';
export {
  MAX_POLICY_LENGTH,
  type PolicyDocument,
  type PolicyStatement,
  parsePolicy,
  policyLength,
  serializePolicy,
} from './policy/policyDocument.js';
export type {
  AuditEntry,
  AuditTrail,
  BlockMarks,
  FindingIdentifier,
  FindingsPublisher,
  FindingsStore,
  HolderSearch,
  ImageReference,
  PublishResult,
  RepositoryFindings,
  RepositoryImages,
  RepositoryPolicyStore,
  RepositoryReference,
  ScanFindingsSource,
  StoredFinding,
} from './ports.js';
export {
  AccountId,
  type ActionFinding,
  ActionFindingSchema,
  ImageDigest,
  NonBlank,
  Region,
  RepositoryName,
  Timestamp,
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
export {
  type ActionTarget,
  isRepositoryName,
  type OurFindingIdParts,
  parseOurFindingId,
  targetRepositoryOf,
} from './usecases/actionTarget.js';
export { type ArchiveImageResult, archiveImageFindings } from './usecases/archiveImageFindings.js';
export {
  type AutomaticOutcome,
  type AutomaticRemediationConfig,
  type AutomaticRemediationDeps,
  remediateAutomatically,
  remediateImportedFindings,
} from './usecases/automaticRemediation.js';
export {
  BLOCK_MARK_FIELD,
  BLOCK_MARK_VALUES,
  type BlockMarkOutcome,
  type BlockMarkValue,
  blockMarkingPublisher,
  blockStateForScan,
  markRepository,
  marksToWrite,
  type ScanBlockState,
  withBlockMark,
} from './usecases/blockMark.js';
export {
  actOnFindings,
  type CustomActionChoice,
  type CustomActionConfig,
  type CustomActionRequest,
  type CustomActionResult,
  chooseCustomAction,
  handleCustomAction,
} from './usecases/handleCustomAction.js';
export { decideImageAction, type ImageAction, type ImageActionDecision } from './usecases/imageAction.js';
export {
  type ReconcileScanOptions,
  type ReconcileScanResult,
  reconcileScan,
  resolveReconcileScanOptions,
  STORED_TIME_SKEW_MS,
} from './usecases/reconcileScan.js';
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

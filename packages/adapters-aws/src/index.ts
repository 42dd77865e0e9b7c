/**
 * @ecr-compliance/adapters-aws: the core's ports implemented with AWS SDK v3, the Lambda
 * handlers' building blocks and the command line.
 */
export { describeError, errorName, httpStatus, isRetriable, isThrottling } from './awsErrors.js';
export { EcrRepositories } from './ecr/EcrRepositories.js';
export { EcrRepositoryImages } from './ecr/EcrRepositoryImages.js';
export { EcrRepositoryPolicyStore } from './ecr/EcrRepositoryPolicyStore.js';
export { EcrScanFindingsSource, type EcrScanFindingsSourceOptions } from './ecr/EcrScanFindingsSource.js';
export {
  EventBridgeDomainEvents,
  type EventBridgeDomainEventsOptions,
  entrySize,
  MAX_ENTRY_BYTES,
  PUT_EVENTS_BATCH,
} from './eventbridge/EventBridgeDomainEvents.js';
export { DynamoDbExceptionStore } from './exceptions/DynamoDbExceptionStore.js';
export {
  EventBridgeExceptionNotices,
  EXCEPTION_EVENT_SOURCE,
  EXCEPTION_EXPIRING,
} from './exceptions/EventBridgeExceptionNotices.js';
export { SecurityHubExceptionFindings } from './exceptions/SecurityHubExceptionFindings.js';
export {
  ConfigurationError,
  loadOnCustomActionConfig,
  loadOnFindingImportedConfig,
  loadOnImageActionConfig,
  loadOnImageScanConfig,
  type OnCustomActionConfig,
  type OnFindingImportedConfig,
  type OnImageActionConfig,
  type OnImageScanConfig,
} from './lambda/config.js';
export {
  type CommonSettings,
  ON_CUSTOM_ACTION_VARIABLES,
  ON_FINDING_IMPORTED_VARIABLES,
  ON_IMAGE_ACTION_VARIABLES,
  ON_IMAGE_SCAN_VARIABLES,
  type OnCustomActionEnvironment,
  type OnCustomActionSettings,
  type OnImageActionEnvironment,
  type OnImageActionSettings,
  type OnImageScanEnvironment,
  type OnImageScanSettings,
  onCustomActionEnvironment,
  onFindingImportedEnvironment,
  onImageActionEnvironment,
  onImageScanEnvironment,
} from './lambda/environment.js';
export {
  EXCEPTION_VARIABLES,
  exceptionsTableOf,
  loadOnExceptionScheduleConfig,
  maxExceptionDaysOf,
  type OnExceptionScheduleConfig,
  withinLimit,
} from './lambda/exceptionsConfig.js';
export { loadOrganizationConfig, type OrganizationConfig } from './lambda/organizationConfig.js';
export {
  CENTRAL_EVENT_BUS_NAME,
  centralRoleName,
  type MemberRoleKind,
  memberRoleName,
  ORGANIZATION_VARIABLES,
  type OrganizationSettings,
  organizationEnvironment,
} from './lambda/organizationEnvironment.js';
export { type AccountRuntime, accountRuntime } from './organization/accountRuntime.js';
export { admitEvent, type EventRefused } from './organization/admitEvent.js';
export {
  handleOrganizationCustomAction,
  type OrganizationCustomActionDeps,
} from './organization/handleOrganizationCustomAction.js';
export {
  OrganizationScope,
  type OrganizationScopeOptions,
  type PlaceDecision,
} from './organization/OrganizationScope.js';
export {
  type AccountDirectory,
  OrganizationsAccountDirectory,
  type OrganizationsAccountDirectoryOptions,
} from './organizations/OrganizationsAccountDirectory.js';
export { AUDIT_FIELDS, SecurityHubAuditTrail } from './securityhub/SecurityHubAuditTrail.js';
export { SecurityHubBlockMarks } from './securityhub/SecurityHubBlockMarks.js';
export {
  SecurityHubFindingsPublisher,
  type SecurityHubFindingsPublisherOptions,
} from './securityhub/SecurityHubFindingsPublisher.js';
export {
  type RecordedAction,
  SecurityHubFindingsStore,
  type SecurityHubFindingsStoreOptions,
} from './securityhub/SecurityHubFindingsStore.js';
export { systemTimer, type Timer, TokenBucket } from './securityhub/TokenBucket.js';
export {
  type AccountCredentialIdentity,
  type AccountCredentials,
  type AccountCredentialsProvider,
  type AccountPlace,
  clientCredentials,
  OwnAccountCredentials,
  PerPlace,
  samePlace,
} from './sts/AccountCredentials.js';
export { StsAccountCredentials, type StsAccountCredentialsOptions } from './sts/StsAccountCredentials.js';

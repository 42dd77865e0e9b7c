export { handlerMetric, Observability, type ObservabilityInputs } from './dashboard.js';
export { EcrComplianceStack, type EcrComplianceStackProps } from './EcrComplianceStack.js';
export { EcrContinuousCompliance, SERVICE_NAME } from './EcrContinuousCompliance.js';
export {
  type BlockableRepositories,
  type CustomActionOptions,
  DEFAULT_BLOCK_ACTION,
  DEFAULT_UNBLOCK_ACTION,
  type EcrContinuousComplianceProps,
  FINDING_GRANULARITIES,
  type FindingGranularity,
  LOG_LEVELS,
  type LogLevel,
  type ResolvedBlockableRepositories,
  type ResolvedEcrContinuousComplianceProps,
  resolveProps,
  SEVERITY_THRESHOLDS,
  type SeverityThreshold,
} from './EcrContinuousComplianceProps.js';
export { EcrComplianceInfraError, InvalidPropsError } from './errors.js';
export {
  EcrComplianceExceptions,
  type EcrComplianceExceptionsProps,
  EXCEPTION_WORKFLOW_DENIED_FIELDS,
  type ExceptionsOptions,
  exceptionWorkflowStatements,
  type MakeFunction,
  resolveExceptionsOptions,
} from './exceptions.js';
export { HANDLERS, type HandlerName, handlerBundleDir } from './handlers.js';
export { INSIGHTS } from './insights.js';
export { NOTIFICATION_PATTERNS, Notifications, type NotificationsOptions } from './notifications.js';
export {
  EcrComplianceMemberStack,
  type EcrComplianceMemberStackProps,
} from './organization/EcrComplianceMemberStack.js';
export { FORWARDED_EVENTS } from './organization/forwardedEvents.js';
export {
  DEFAULT_ORGANIZATION_CONCURRENCY,
  type OrganizationOptions,
  type ResolvedOrganizationOptions,
  resolveOrganization,
} from './organization/OrganizationOptions.js';
export { addOrganizationStacks, type OrganizationStacks } from './organization/organizationApp.js';
export {
  ORGANIZATION_CONTEXT_DEFAULTS,
  type OrganizationContext,
  readOrganizationContext,
} from './organization/organizationContext.js';

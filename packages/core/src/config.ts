/**
 * The settings a deployment chooses, their defaults and the one rule that checks each of them.
 * The Lambda environment (adapters) and the CDK construct's props (infra) both parse their own
 * text or values and then call these functions, so the three layers cannot disagree about what
 * is valid. Every resolver takes `undefined` for "not set" and returns the documented default;
 * `path` names the setting in the error (`keepAliveDays`, `KEEP_ALIVE_DAYS`, ...).
 */
import type { FindingGranularity } from './asff/toAsffFindings.js';
import { InvalidInputError } from './errors.js';
import { SEVERITY_LABELS, type SeverityLabel } from './severity.js';

export type { FindingGranularity };

/** Every {@link FindingGranularity}: one finding per vulnerability, one per image, or both. */
export const FINDING_GRANULARITIES = [
  'vulnerability',
  'image',
  'both',
] as const satisfies readonly FindingGranularity[];

// A granularity added to the mapping but not listed here fails the build.
const everyGranularityListed: [Exclude<FindingGranularity, (typeof FINDING_GRANULARITIES)[number]>] extends [
  never,
]
  ? true
  : false = true;
void everyGranularityListed;

/** Findings imported for a basic scan ("ECR Image Scan"): this tool is their only source. */
export const DEFAULT_FINDING_GRANULARITY: FindingGranularity = 'both';

/**
 * Findings imported for an enhanced scan ("Inspector2 Scan"): Amazon Inspector already sends one
 * finding per vulnerability to Security Hub, so only this tool's image finding, to avoid duplicates.
 */
export const DEFAULT_ENHANCED_FINDING_GRANULARITY: FindingGranularity = 'image';

/** Lowest severity that blocking acts on. */
export const DEFAULT_SEVERITY_THRESHOLD: SeverityLabel = 'HIGH';

/** Security Hub deletes a finding this many days after its last update (AWS-FACTS §3.5). */
export const FINDING_RETENTION_DAYS = 90;

/** Largest keep-alive age: a whole number of days below {@link FINDING_RETENTION_DAYS}. */
export const MAX_KEEP_ALIVE_DAYS = FINDING_RETENTION_DAYS - 1;

/** Default keep-alive age: a finding survives when its image is scanned at least every 60 days. */
export const DEFAULT_KEEP_ALIVE_DAYS = 30;

/** A Security Hub custom action as people see it: its Id (end of its ARN) and its console name. */
export interface CustomActionReference {
  /** 1 to 20 letters and digits. */
  readonly id: string;
  /** 1 to 19 characters, not blank. */
  readonly name: string;
}

/** The block action of the original AWS sample, which the construct creates unless told otherwise. */
export const DEFAULT_BLOCK_ACTION: CustomActionReference = { id: 'ECR1', name: 'Block ECR pulls' };

// CreateActionTarget: Id "up to 20 alphanumeric characters"; Name "up to 20" (API) vs "fewer than
// 20" (console guide), so at most 19 (AWS-FACTS §5.1).
const ACTION_ID = /^[A-Za-z0-9]{1,20}$/;
/** Longest custom action name Security Hub's console accepts. */
export const MAX_ACTION_NAME_LENGTH = 19;

const shown = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/**
 * The keep-alive age in days: after it, a finding whose content has not changed is imported again
 * anyway, so that Security Hub (which deletes a finding 90 days after its last update) keeps it
 * while the image is scanned at least every `90 - keepAliveDays` days. 0 imports every finding on
 * every scan. Whole days only, from 0 to {@link MAX_KEEP_ALIVE_DAYS}: a fraction such as 12.5
 * would say more than the setting means (the age is compared with scan times, not a calendar).
 *
 * @param value - the configured age, or undefined for the default ({@link DEFAULT_KEEP_ALIVE_DAYS})
 * @param path - the setting's name, for the error
 * @throws InvalidInputError when `value` is not a whole number from 0 to 89
 * @example resolveKeepAliveDays(undefined) // 30
 */
export function resolveKeepAliveDays(value: unknown, path = 'keepAliveDays'): number {
  if (value === undefined) return DEFAULT_KEEP_ALIVE_DAYS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_KEEP_ALIVE_DAYS) {
    throw new InvalidInputError(
      `must be a whole number of days from 0 to ${MAX_KEEP_ALIVE_DAYS} (Security Hub deletes a finding ${FINDING_RETENTION_DAYS} days after its last update), got ${shown(value)}`,
      path,
    );
  }
  return value;
}

/**
 * The lowest severity that blocking acts on: an ASFF severity label, in capitals.
 *
 * @param value - the configured label, or undefined for the default ({@link DEFAULT_SEVERITY_THRESHOLD})
 * @param path - the setting's name, for the error
 * @throws InvalidInputError when `value` is not one of {@link SEVERITY_LABELS}
 */
export function resolveSeverityThreshold(value: unknown, path = 'severityThreshold'): SeverityLabel {
  if (value === undefined) return DEFAULT_SEVERITY_THRESHOLD;
  if (!(SEVERITY_LABELS as readonly unknown[]).includes(value)) {
    throw new InvalidInputError(`must be one of ${SEVERITY_LABELS.join(', ')}, got ${shown(value)}`, path);
  }
  return value as SeverityLabel;
}

/**
 * Which findings to import for a scan.
 *
 * @param value - the configured granularity, or undefined for `fallback`
 * @param fallback - {@link DEFAULT_FINDING_GRANULARITY} for basic scans,
 *   {@link DEFAULT_ENHANCED_FINDING_GRANULARITY} for enhanced ones
 * @param path - the setting's name, for the error
 * @throws InvalidInputError when `value` is not one of {@link FINDING_GRANULARITIES}
 */
export function resolveFindingGranularity(
  value: unknown,
  fallback: FindingGranularity,
  path = 'findingGranularity',
): FindingGranularity {
  if (value === undefined) return fallback;
  if (!(FINDING_GRANULARITIES as readonly unknown[]).includes(value)) {
    throw new InvalidInputError(
      `must be one of ${FINDING_GRANULARITIES.join(', ')}, got ${shown(value)}`,
      path,
    );
  }
  return value as FindingGranularity;
}

/**
 * A custom action's Id and name, as Security Hub accepts them. Each part left out takes the
 * fallback's.
 *
 * @param value - the configured action, or undefined for `fallback`
 * @param fallback - for the block action, {@link DEFAULT_BLOCK_ACTION}
 * @param path - the setting's name, for the error (`blockAction` gives `blockAction.id`)
 * @throws InvalidInputError when the Id is not 1 to 20 letters or digits, or the name is blank or
 *   longer than {@link MAX_ACTION_NAME_LENGTH}
 */
export function resolveCustomActionReference(
  value: { readonly id?: string | undefined; readonly name?: string | undefined } | undefined,
  fallback: CustomActionReference,
  path = 'blockAction',
): CustomActionReference {
  const id = value?.id ?? fallback.id;
  const name = value?.name ?? fallback.name;
  if (typeof id !== 'string' || !ACTION_ID.test(id)) {
    throw new InvalidInputError(
      `must be 1 to 20 letters or digits (Security Hub action Ids are alphanumeric), got ${shown(id)}`,
      `${path}.id`,
    );
  }
  if (typeof name !== 'string' || name.trim().length === 0 || name.length > MAX_ACTION_NAME_LENGTH) {
    throw new InvalidInputError(
      `must be 1 to ${MAX_ACTION_NAME_LENGTH} characters and not blank (Security Hub refuses longer names), got ${shown(name)}`,
      `${path}.name`,
    );
  }
  return { id, name };
}

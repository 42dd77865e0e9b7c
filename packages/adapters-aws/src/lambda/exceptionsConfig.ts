/**
 * The exceptions part of the handlers' configuration, read once at cold start. It is optional for
 * on-image-scan and on-finding-imported (a deployment without exceptions sets nothing) and required
 * for on-exception-schedule. Errors are one line that names the variable.
 */
import {
  type CustomActionReference,
  DEFAULT_BLOCK_ACTION,
  type ExceptionRecord,
  type ExceptionStore,
  resolveCustomActionReference,
  resolveMaxExceptionDays,
  withinMaxExpiry,
} from '@ecr-compliance/core';
import { ConfigurationError } from './config.js';

/** Variables of exceptions, as the construct writes them. */
export const EXCEPTION_VARIABLES = ['EXCEPTIONS_TABLE_NAME', 'MAX_EXCEPTION_DAYS', 'EVENT_BUS_NAME'] as const;

/** MAX_EXCEPTION_DAYS (default 90), checked by the core's rule. */
export function maxExceptionDaysOf(env: Record<string, string | undefined>, handler: string): number {
  const raw = env.MAX_EXCEPTION_DAYS;
  try {
    return resolveMaxExceptionDays(
      raw === undefined ? undefined : /^\d+$/.test(raw) ? Number(raw) : Number.NaN,
      'MAX_EXCEPTION_DAYS',
    );
  } catch (error) {
    throw new ConfigurationError(
      `invalid configuration of ${handler}: ${(error as Error).message.replace('got NaN', `got ${JSON.stringify(raw)}`)}`,
    );
  }
}

/**
 * The store's exceptions without those that last longer than the deployment allows: such a record
 * was written around the command line's check and suppresses nothing. `ignored` hears of each.
 */
export function withinLimit(
  store: Pick<ExceptionStore, 'list'>,
  maxDays: number,
  ignored: (record: ExceptionRecord) => void,
): Pick<ExceptionStore, 'list'> {
  return {
    list: async () =>
      (await store.list()).filter((r) => {
        const ok = withinMaxExpiry(r, maxDays);
        if (!ok) ignored(r);
        return ok;
      }),
  };
}

/** The exceptions table, when the deployment has one. */
export function exceptionsTableOf(
  env: Record<string, string | undefined>,
  handler: string,
): string | undefined {
  const value = env.EXCEPTIONS_TABLE_NAME;
  if (value === undefined) return undefined;
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(value)) {
    throw new ConfigurationError(
      `invalid configuration of ${handler}: EXCEPTIONS_TABLE_NAME: must be a DynamoDB table name (3 to 255 letters, digits, _ . -), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Configuration of on-exception-schedule. */
export interface OnExceptionScheduleConfig {
  readonly AWS_REGION: string;
  readonly ACCOUNT_ID: string;
  readonly EXCEPTIONS_TABLE_NAME: string;
  /** Where "Exception Expiring" events go. @default 'default' */
  readonly EVENT_BUS_NAME: string;
  readonly BLOCK_ACTION: CustomActionReference;
}

/** Reads and checks the environment of on-exception-schedule. */
export function loadOnExceptionScheduleConfig(
  env: Record<string, string | undefined>,
): OnExceptionScheduleConfig {
  const fail = (message: string): never => {
    throw new ConfigurationError(`invalid configuration of on-exception-schedule: ${message}`);
  };
  const region = env.AWS_REGION?.trim() || fail('AWS_REGION is required');
  const account = env.ACCOUNT_ID ?? fail('ACCOUNT_ID is required');
  if (!/^\d{12}$/.test(account)) fail('ACCOUNT_ID must be a 12-digit account id');
  const table = exceptionsTableOf(env, 'on-exception-schedule') ?? fail('EXCEPTIONS_TABLE_NAME is required');
  const bus = env.EVENT_BUS_NAME ?? 'default';
  if (!/^[A-Za-z0-9._\-/:]{1,1600}$/.test(bus))
    fail(`EVENT_BUS_NAME must be an event bus name or ARN, got ${JSON.stringify(bus)}`);
  let blockAction: CustomActionReference = DEFAULT_BLOCK_ACTION;
  try {
    blockAction = resolveCustomActionReference(
      { id: env.BLOCK_ACTION_ID, name: env.BLOCK_ACTION_NAME },
      DEFAULT_BLOCK_ACTION,
      'BLOCK_ACTION',
    );
  } catch (error) {
    fail((error as Error).message);
  }
  return {
    AWS_REGION: region,
    ACCOUNT_ID: account,
    EXCEPTIONS_TABLE_NAME: table,
    EVENT_BUS_NAME: bus,
    BLOCK_ACTION: blockAction,
  };
}

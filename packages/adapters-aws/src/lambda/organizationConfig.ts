/**
 * The organization shape's part of a handler's configuration, read once at cold start. Without
 * `ORGANIZATION_ID` the handler is in the single-account shape and this returns undefined; with
 * it, every organization variable is checked, and a wrong one stops the cold start with a message
 * that names it.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { ConfigurationError } from './config.js';
import type { ORGANIZATION_VARIABLES } from './organizationEnvironment.js';

/** Configuration of the organization shape. */
export interface OrganizationConfig {
  /** The AWS Organizations id; accounts outside it are refused. */
  readonly ORGANIZATION_ID: string;
  /** The member role's name without its Region (`ecr-compliance-import-`). */
  readonly MEMBER_ROLE_PREFIX: string;
  /** Regions of the member footprint; others are refused. */
  readonly DEPLOYED_REGIONS: readonly string[];
  /** When not empty, the only accounts acted in. @default [] */
  readonly ALLOWED_ACCOUNTS: readonly string[];
}

const list = (check: RegExp, what: string) =>
  z.pipe(
    z._default(z.string(), ''),
    z.pipe(
      z.transform((value: string) =>
        value
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item.length > 0),
      ),
      z.array(z.string().check(z.regex(check, `each entry must be ${what}`))),
    ),
  );

const OrganizationEnv = z.object({
  ORGANIZATION_ID: z
    .string()
    .check(z.regex(/^o-[a-z0-9]{10,32}$/, 'ORGANIZATION_ID must be an organization id (o-...)')),
  MEMBER_ROLE_PREFIX: z
    .string({ error: 'MEMBER_ROLE_PREFIX is required with ORGANIZATION_ID' })
    .check(z.regex(/^[\w+=,.@-]{1,40}$/, 'MEMBER_ROLE_PREFIX must be the start of an IAM role name')),
  DEPLOYED_REGIONS: list(/^[a-z]{2}(-[a-z]+)+-\d$/, 'a Region name').check(
    z.minLength(1, 'DEPLOYED_REGIONS must name at least one Region'),
  ),
  ALLOWED_ACCOUNTS: list(/^\d{12}$/, 'a 12-digit account id'),
} satisfies Record<(typeof ORGANIZATION_VARIABLES)[number], z.ZodMiniType>);

/**
 * Reads the organization variables of `handler`'s environment; undefined in the single-account
 * shape (no `ORGANIZATION_ID`).
 *
 * @throws ConfigurationError naming the variable that is missing or invalid
 */
export function loadOrganizationConfig(
  env: Record<string, string | undefined>,
  handler: string,
): OrganizationConfig | undefined {
  if (env.ORGANIZATION_ID === undefined) return undefined;
  const result = OrganizationEnv.safeParse(env, { error: en().localeError });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const name = String(issue?.path[0] ?? '');
  const message = issue?.message.includes(name) ? issue.message : `${name}: ${issue?.message}`;
  throw new ConfigurationError(`invalid configuration of ${handler}: ${message}`);
}

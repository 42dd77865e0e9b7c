/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (an esbuild alias set
 * by the CDK construct). Lambda always hands the function's role credentials over in environment
 * variables, so the SDK's full default chain (SSO, profiles, web identity, container, instance
 * metadata, with the STS and SSO clients they bring) is dead weight there: leaving it out makes
 * each bundle about 120 KB smaller and its cold start faster. Nothing else imports this module.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type FromEnvInit = Parameters<typeof fromEnv>[0];

/** The SDK clients' default credential provider: the environment variables Lambda sets. */
export const defaultProvider = (init?: FromEnvInit): ReturnType<typeof fromEnv> => fromEnv(init);

type Expiring = { readonly expiration?: Date } | undefined;

/** Part of the replaced module's interface, with its behaviour: credentials that expire need refreshing. */
export const credentialsWillNeedRefresh = (credentials: Expiring): boolean =>
  credentials?.expiration !== undefined;

/** Part of the replaced module's interface, with its behaviour: within 5 minutes of expiry counts as expired. */
export const credentialsTreatedAsExpired = (credentials: Expiring, now: number = Date.now()): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - now < 300_000;

import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import {
  type AccountCredentialIdentity,
  type AccountCredentials,
  type AccountCredentialsProvider,
  type AccountPlace,
  samePlace,
} from './AccountCredentials.js';

/** Options of {@link StsAccountCredentials}. */
export interface StsAccountCredentialsOptions {
  /** STS client with the function's own credentials. */
  readonly client: STSClient;
  /** The function's own account and Region: acted in with its own credentials, no role. */
  readonly own: AccountPlace;
  /** The member role's name in a Region (`ecr-compliance-import-eu-west-1`). */
  readonly roleName: (region: string) => string;
  /** Partition of the role ARNs. @default 'aws' */
  readonly partition?: string;
  /** RoleSessionName, which CloudTrail in the member account shows. @default 'ecr-compliance' */
  readonly sessionName?: string;
  /** Credentials are renewed this long before they expire. @default 300_000 (5 minutes) */
  readonly refreshBeforeMs?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

/**
 * The organization shape: for a member account and Region, the credentials of that account's
 * member role in that Region (`sts:AssumeRole`), cached until shortly before they expire; one
 * AssumeRole at a time per role, however many requests wait for it. The function's own account
 * and Region use its own credentials.
 */
export class StsAccountCredentials implements AccountCredentials {
  readonly #client: STSClient;
  readonly #own: AccountPlace;
  readonly #roleName: (region: string) => string;
  readonly #partition: string;
  readonly #sessionName: string;
  readonly #refreshBeforeMs: number;
  readonly #now: () => number;
  readonly #providers = new Map<string, AccountCredentialsProvider>();

  constructor(options: StsAccountCredentialsOptions) {
    this.#client = options.client;
    this.#own = options.own;
    this.#roleName = options.roleName;
    this.#partition = options.partition ?? 'aws';
    this.#sessionName = options.sessionName ?? 'ecr-compliance';
    this.#refreshBeforeMs = options.refreshBeforeMs ?? 300_000;
    this.#now = options.now ?? Date.now;
  }

  /** The ARN of the member role this acts through in `place`. */
  roleArnFor(place: AccountPlace): string {
    return `arn:${this.#partition}:iam::${place.accountId}:role/${this.#roleName(place.region)}`;
  }

  credentialsFor(place: AccountPlace): AccountCredentialsProvider | undefined {
    if (samePlace(place, this.#own)) return undefined;
    const roleArn = this.roleArnFor(place);
    let provider = this.#providers.get(roleArn);
    if (provider === undefined) {
      provider = this.#provider(roleArn);
      this.#providers.set(roleArn, provider);
    }
    return provider;
  }

  #provider(roleArn: string): AccountCredentialsProvider {
    let current: AccountCredentialIdentity | undefined;
    let pending: Promise<AccountCredentialIdentity> | undefined;
    const fresh = (identity: AccountCredentialIdentity | undefined): identity is AccountCredentialIdentity =>
      identity?.expiration !== undefined &&
      identity.expiration.getTime() - this.#refreshBeforeMs > this.#now();
    return async () => {
      if (fresh(current)) return current;
      pending ??= this.#assume(roleArn).finally(() => {
        pending = undefined;
      });
      current = await pending;
      return current;
    };
  }

  async #assume(roleArn: string): Promise<AccountCredentialIdentity> {
    const out = await this.#client.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: this.#sessionName }),
    );
    const credentials = out.Credentials;
    if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.Expiration) {
      throw new Error(`AssumeRole of ${roleArn} returned no credentials`);
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      ...(credentials.SessionToken ? { sessionToken: credentials.SessionToken } : {}),
      expiration: new Date(credentials.Expiration),
    };
  }
}

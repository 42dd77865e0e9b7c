/**
 * Where a function's SDK clients get their credentials for one account and Region: the port that
 * lets the same handler code act in its own account (the single-account shape) or in a member
 * account through that account's role (the organization shape).
 */

/** An account and Region to act in. */
export interface AccountPlace {
  /** 12 digits. */
  readonly accountId: string;
  readonly region: string;
}

/** Temporary credentials, as the SDK clients take them. */
export interface AccountCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** What an SDK client's `credentials` option accepts: called for each request, cached inside. */
export type AccountCredentialsProvider = () => Promise<AccountCredentialIdentity>;

/** The credentials to act in an account and Region with. */
export interface AccountCredentials {
  /**
   * The credentials for `place`, or undefined for the function's own (the SDK's default, the
   * function role's credentials from the environment).
   */
  credentialsFor(place: AccountPlace): AccountCredentialsProvider | undefined;
}

/** The same account and Region. */
export const samePlace = (a: AccountPlace, b: AccountPlace): boolean =>
  a.accountId === b.accountId && a.region === b.region;

/**
 * The single-account shape: the function acts only in its own account and Region, with its own
 * credentials. The handlers refuse events and findings of other places before they ask; asking
 * anyway is a bug, and throws.
 */
export class OwnAccountCredentials implements AccountCredentials {
  readonly #own: AccountPlace;

  constructor(own: AccountPlace) {
    this.#own = own;
  }

  credentialsFor(place: AccountPlace): undefined {
    if (!samePlace(place, this.#own)) {
      throw new Error(
        `no credentials for ${place.accountId}/${place.region}: this function acts in ${this.#own.accountId}/${this.#own.region} only`,
      );
    }
    return undefined;
  }
}

/**
 * SDK clients (or adapters built on them) per account and Region, built once on first use with
 * that place's credentials and kept for the function's lifetime (their credentials refresh
 * themselves). So a publisher's rate limiter is one per account and Region, where Security Hub's
 * quota is.
 */
export class PerPlace<T> {
  readonly #credentials: AccountCredentials;
  readonly #build: (place: AccountPlace, credentials: AccountCredentialsProvider | undefined) => T;
  readonly #built = new Map<string, T>();

  constructor(
    credentials: AccountCredentials,
    build: (place: AccountPlace, credentials: AccountCredentialsProvider | undefined) => T,
  ) {
    this.#credentials = credentials;
    this.#build = build;
  }

  /** What was built for `place`, building it on first use. */
  for(place: AccountPlace): T {
    const key = `${place.accountId}/${place.region}`;
    let built = this.#built.get(key);
    if (built === undefined) {
      built = this.#build(place, this.#credentials.credentialsFor(place));
      this.#built.set(key, built);
    }
    return built;
  }
}

/** The `credentials` option of an SDK client: absent for the function's own. */
export const clientCredentials = (
  credentials: AccountCredentialsProvider | undefined,
): { credentials?: AccountCredentialsProvider } => (credentials ? { credentials } : {});

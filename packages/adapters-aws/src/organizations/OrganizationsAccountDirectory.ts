import { DescribeAccountCommand, type OrganizationsClient } from '@aws-sdk/client-organizations';
import { errorName } from '../awsErrors.js';

/** Whether an account belongs to the organization, and may be acted in. */
export interface AccountDirectory {
  /** Undefined when the account is an active account of the organization, else the reason it is not. */
  refusalOf(accountId: string): Promise<string | undefined>;
}

/** Options of {@link OrganizationsAccountDirectory}. */
export interface OrganizationsAccountDirectoryOptions {
  /** Organizations client with the function's own credentials (the delegated administrator's). */
  readonly client: OrganizationsClient;
  /** The organization: an account whose ARN names another is refused. */
  readonly organizationId: string;
  /** How long an answer is kept. @default 900_000 (15 minutes) */
  readonly ttlMs?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
}

/**
 * The organization's accounts, one `organizations:DescribeAccount` per account and quarter of an
 * hour. A delegated administrator may call it; the central role may call it only on the accounts
 * of its own organization, so an account of another organization is "not found" too.
 */
export class OrganizationsAccountDirectory implements AccountDirectory {
  readonly #client: OrganizationsClient;
  readonly #organizationId: string;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #answers = new Map<string, { readonly refusal: string | undefined; readonly at: number }>();

  constructor(options: OrganizationsAccountDirectoryOptions) {
    this.#client = options.client;
    this.#organizationId = options.organizationId;
    this.#ttlMs = options.ttlMs ?? 900_000;
    this.#now = options.now ?? Date.now;
  }

  /**
   * @throws the SDK's error for anything but "not found" (an outage, a missing permission): not
   *   knowing is not a refusal
   */
  async refusalOf(accountId: string): Promise<string | undefined> {
    const known = this.#answers.get(accountId);
    if (known && this.#now() - known.at < this.#ttlMs) return known.refusal;
    const refusal = await this.#ask(accountId);
    this.#answers.set(accountId, { refusal, at: this.#now() });
    return refusal;
  }

  async #ask(accountId: string): Promise<string | undefined> {
    try {
      const { Account: account } = await this.#client.send(
        new DescribeAccountCommand({ AccountId: accountId }),
      );
      // arn:aws:organizations::MANAGEMENT:account/o-ORGANIZATION/ACCOUNT
      if (account?.Arn !== undefined && !account.Arn.includes(`:account/${this.#organizationId}/`)) {
        return `account ${accountId} is not in the organization ${this.#organizationId}`;
      }
      const state = account?.State ?? account?.Status;
      return state === 'ACTIVE'
        ? undefined
        : `account ${accountId} is ${state ?? 'of unknown state'}, not ACTIVE`;
    } catch (error) {
      if (errorName(error) === 'AccountNotFoundException') {
        return `account ${accountId} is not in the organization ${this.#organizationId}`;
      }
      throw error;
    }
  }
}

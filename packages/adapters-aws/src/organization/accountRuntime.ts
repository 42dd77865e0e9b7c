/**
 * The composition of a handler's way into accounts, from its configuration: in the single-account
 * shape its own credentials and no scope; in the organization shape the member role's credentials
 * per account and Region and the organization scope that refuses what is outside it.
 */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { partitionOf } from '@ecr-compliance/core';
import type { OrganizationConfig } from '../lambda/organizationConfig.js';
import { OrganizationsAccountDirectory } from '../organizations/OrganizationsAccountDirectory.js';
import {
  type AccountCredentials,
  type AccountPlace,
  OwnAccountCredentials,
} from '../sts/AccountCredentials.js';
import { StsAccountCredentials } from '../sts/StsAccountCredentials.js';
import { OrganizationScope } from './OrganizationScope.js';

/** A handler's credentials per place, and the organization scope when there is one. */
export interface AccountRuntime {
  readonly credentials: AccountCredentials;
  /** Undefined in the single-account shape, where the handler acts in its own place only. */
  readonly scope: OrganizationScope | undefined;
}

/**
 * Builds the {@link AccountRuntime} of a handler acting from `own` (its account and Region).
 * `sessionName` is the RoleSessionName the member account's CloudTrail shows.
 */
export function accountRuntime(
  organization: OrganizationConfig | undefined,
  own: AccountPlace,
  sessionName: string,
): AccountRuntime {
  if (!organization) return { credentials: new OwnAccountCredentials(own), scope: undefined };
  return {
    credentials: new StsAccountCredentials({
      client: new STSClient({ region: own.region }),
      own,
      roleName: (region) => `${organization.MEMBER_ROLE_PREFIX}${region}`,
      partition: partitionOf(own.region),
      sessionName,
    }),
    scope: new OrganizationScope({
      accounts: new OrganizationsAccountDirectory({
        client: new OrganizationsClient({ region: own.region }),
        organizationId: organization.ORGANIZATION_ID,
      }),
      deployedRegions: organization.DEPLOYED_REGIONS,
      allowedAccounts: organization.ALLOWED_ACCOUNTS,
    }),
  };
}

import { assertOwnEvent } from '../lambda/config.js';
import type { OrganizationScope } from './OrganizationScope.js';

/** An event the organization shape does not act on, with the reason; nothing was read or written. */
export interface EventRefused {
  readonly outcome: 'refused';
  readonly account: string;
  readonly region: string;
  readonly reason: string;
}

/**
 * Whether a handler acts on an event of `event.account` in `event.region`. Single-account shape
 * (no scope): only its own account and Region, and a misrouted event throws as it always did.
 * Organization shape: the place must be an allowed, active account of the organization in a
 * deployed Region; otherwise the refusal, with its reason, is returned.
 *
 * @throws InvalidInputError in the single-account shape, for another account or Region
 */
export async function admitEvent(
  scope: OrganizationScope | undefined,
  event: { readonly account: string; readonly region: string },
  config: { readonly ACCOUNT_ID: string; readonly AWS_REGION: string },
  acts: string,
): Promise<EventRefused | undefined> {
  if (!scope) {
    assertOwnEvent(event, config, acts);
    return undefined;
  }
  const decision = await scope.decide({ accountId: event.account, region: event.region });
  return decision.ok
    ? undefined
    : { outcome: 'refused', account: event.account, region: event.region, reason: decision.reason };
}

import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { EcrComplianceError, type ExceptionRecord } from '@ecr-compliance/core';

/** The `source` of this tool's own events (EventBridge refuses `aws.` sources from PutEvents). */
export const EXCEPTION_EVENT_SOURCE = 'ecr-compliance';
/** The detail-type of the announcement, seven days before an exception ends. */
export const EXCEPTION_EXPIRING = 'Exception Expiring';

/** Puts "Exception Expiring" events on an event bus, one per exception, for people to act on. */
export class EventBridgeExceptionNotices {
  readonly #client: EventBridgeClient;
  readonly #bus: string;

  constructor(options: { readonly client: EventBridgeClient; readonly eventBusName: string }) {
    this.#client = options.client;
    this.#bus = options.eventBusName;
  }

  /** Announces one exception; throws when EventBridge did not take the event. */
  async expiring(exception: ExceptionRecord, now: string): Promise<void> {
    const out = await this.#client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.#bus,
            Source: EXCEPTION_EVENT_SOURCE,
            DetailType: EXCEPTION_EXPIRING,
            Time: new Date(now),
            Detail: JSON.stringify({
              exceptionId: exception.id,
              vulnerabilityId: exception.vulnerabilityId,
              scope: exception.scope,
              justification: exception.justification,
              statement: exception.statement,
              owner: exception.owner,
              expiresAt: exception.expiresAt,
            }),
          },
        ],
      }),
    );
    if ((out.FailedEntryCount ?? 0) > 0) {
      const entry = out.Entries?.find((e) => e.ErrorCode);
      throw new EcrComplianceError(
        `EventBridge did not take the "${EXCEPTION_EXPIRING}" event of ${exception.id}: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }
}

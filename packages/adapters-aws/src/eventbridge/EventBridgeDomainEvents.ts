import {
  type EventBridgeClient,
  PutEventsCommand,
  type PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import {
  DOMAIN_EVENT_SOURCE,
  type DomainEvent,
  type DomainEvents,
  type DomainEventsResult,
} from '@ecr-compliance/core';
import { describeError } from '../awsErrors.js';

/** PutEvents takes at most 10 entries per request. */
export const PUT_EVENTS_BATCH = 10;
/** PutEvents refuses an entry larger than 256 KB (detail-type, source, detail, resources). */
export const MAX_ENTRY_BYTES = 256 * 1024;

/** Options of {@link EventBridgeDomainEvents}. */
export interface EventBridgeDomainEventsOptions {
  readonly client: EventBridgeClient;
  /** The bus the events go to. @default 'default' */
  readonly eventBusName?: string;
}

/** The size PutEvents counts for an entry (EventBridge user guide, "Calculating PutEvents entry size"). */
export function entrySize(entry: PutEventsRequestEntry): number {
  let size = 14; // the Time field
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])])
    if (text) size += Buffer.byteLength(text, 'utf8');
  return size;
}

/**
 * Domain events on an EventBridge bus (PutEvents, source `ecr-compliance`), ten to a request. It
 * never throws: an entry EventBridge refused, a request that failed or an entry over 256 KB is
 * reported in the result, so that the import or block that raised the event is not failed by it.
 */
export class EventBridgeDomainEvents implements DomainEvents {
  readonly #client: EventBridgeClient;
  readonly #bus: string;

  constructor(options: EventBridgeDomainEventsOptions) {
    this.#client = options.client;
    this.#bus = options.eventBusName ?? 'default';
  }

  async put(events: readonly DomainEvent[]): Promise<DomainEventsResult> {
    const failed: Array<{ type: string; error: string }> = [];
    const entries: Array<{ type: string; entry: PutEventsRequestEntry }> = [];
    for (const event of events) {
      const entry: PutEventsRequestEntry = {
        Source: DOMAIN_EVENT_SOURCE,
        DetailType: event.type,
        Detail: JSON.stringify(event.detail),
        Resources: [...event.resources],
        EventBusName: this.#bus,
      };
      if (entrySize(entry) > MAX_ENTRY_BYTES) failed.push({ type: event.type, error: 'entry over 256 KB' });
      else entries.push({ type: event.type, entry });
    }
    let put = 0;
    for (let start = 0; start < entries.length; start += PUT_EVENTS_BATCH) {
      const batch = entries.slice(start, start + PUT_EVENTS_BATCH);
      try {
        const answer = await this.#client.send(new PutEventsCommand({ Entries: batch.map((b) => b.entry) }));
        batch.forEach((b, index) => {
          const result = answer.Entries?.[index];
          if (result?.ErrorCode)
            failed.push({ type: b.type, error: `${result.ErrorCode}: ${result.ErrorMessage ?? ''}` });
          else put += 1;
        });
      } catch (error) {
        for (const b of batch) failed.push({ type: b.type, error: describeError(error) });
      }
    }
    return { put, failed };
  }
}

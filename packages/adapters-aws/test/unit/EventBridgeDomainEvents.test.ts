import '../support/mockMatchers.js';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DOMAIN_EVENT_VERSION, type DomainEvent } from '@ecr-compliance/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import {
  EventBridgeDomainEvents,
  entrySize,
  MAX_ENTRY_BYTES,
} from '../../src/eventbridge/EventBridgeDomainEvents.js';

const eventBridge = mockClient(EventBridgeClient);
const client = new EventBridgeClient({ region: 'us-east-1' });
beforeEach(() => eventBridge.reset());
afterAll(() => eventBridge.restore());

const refused = (findingId: string, reason = 'severity MEDIUM is below the threshold HIGH'): DomainEvent => ({
  type: 'Block Refused',
  resources: [],
  detail: {
    version: DOMAIN_EVENT_VERSION,
    findingId,
    reasonCode: 'below-threshold',
    reason,
    trigger: 'person',
    at: '2026-11-20T10:17:00.000Z',
  },
});

describe('EventBridgeDomainEvents', () => {
  it('puts each event with source ecr-compliance on the default bus, ten entries to a request', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_: unknown, i: number) => ({ EventId: `e-${i}` })),
    }));
    const events = Array.from({ length: 12 }, (_, i) => refused(`f-${i}`));

    const result = await new EventBridgeDomainEvents({ client }).put(events);

    expect(result).toEqual({ put: 12, failed: [] });
    const calls = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries ?? []);
    expect(calls.map((entries) => entries.length)).toEqual([10, 2]);
    expect(calls[0]?.[0]).toEqual({
      Source: 'ecr-compliance',
      DetailType: 'Block Refused',
      Detail: JSON.stringify(events[0]?.detail),
      Resources: [],
      EventBusName: 'default',
    });
  });

  it('reports the entries EventBridge refused and a request that failed, and never throws', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 1,
        Entries: [{ EventId: 'e-0' }, { ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }],
      })
      .rejectsOnce(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const sink = new EventBridgeDomainEvents({ client });

    const first = await sink.put([refused('a'), refused('b')]);
    const second = await sink.put([refused('c')]);

    expect(first).toEqual({
      put: 1,
      failed: [{ type: 'Block Refused', error: 'InternalFailure: try again' }],
    });
    expect(second).toEqual({
      put: 0,
      failed: [{ type: 'Block Refused', error: 'AccessDeniedException: denied' }],
    });
  });

  it('does not send an entry over 256 KB, and says so', async () => {
    const big = refused('a', 'x'.repeat(MAX_ENTRY_BYTES));

    const result = await new EventBridgeDomainEvents({ client }).put([big]);

    expect(result).toEqual({ put: 0, failed: [{ type: 'Block Refused', error: 'entry over 256 KB' }] });
    expect(eventBridge).not.toHaveReceivedAnyCommand();
  });

  it('sizes an entry as EventBridge does: its texts in UTF-8 plus 14 bytes of time', () => {
    expect(entrySize({ Source: 'ab', DetailType: 'c', Detail: '{"é":1}', Resources: ['r'] })).toBe(
      14 + 2 + 1 + 8 + 1,
    );
  });
});

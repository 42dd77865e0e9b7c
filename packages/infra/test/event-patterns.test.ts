/**
 * The synthesized event patterns, checked by an independent matcher: EventBridge in moto (server
 * mode). Each pattern goes on a rule of the default bus that delivers to an SQS queue; real-shaped
 * sample events are put on the bus, and the queue must receive exactly the ones that must match.
 * moto 5.2.5 accepts PutEvents with `aws.*` sources (real EventBridge refuses them), so the AWS
 * service events can be replayed as they are.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsJsonRequest, type MotoServer, startMoto } from '../../adapters-aws/test/support/moto.js';
import { type Synthesized, synthesize } from './support/synth.js';
import { resourcesOfType } from './support/template.js';

interface SampleEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly time: string;
  readonly resources: string[];
  readonly detail: unknown;
}

// The account and Region of the sample events (AWS-FACTS §1.2, §5.3); the action target ARNs of the
// synthesized pattern are resolved for them.
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';

const eventsDir = fileURLToPath(new URL('./events/', import.meta.url));
const samples: ReadonlyMap<string, SampleEvent> = new Map(
  readdirSync(eventsDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => [file.replace(/\.json$/, ''), JSON.parse(readFileSync(join(eventsDir, file), 'utf8'))]),
);

function sample(name: string): SampleEvent {
  const event = samples.get(name);
  if (event === undefined) throw new Error(`no sample event ${name}`);
  return event;
}

// A custom source can claim any detail-type; the source filter must keep it out.
const spoofed: SampleEvent = { ...sample('ecr-image-scan-complete'), source: 'acme.ecr-relay' };
const spoofedDelete: SampleEvent = { ...sample('ecr-image-action-delete'), source: 'acme.ecr-relay' };
const spoofedInspector: SampleEvent = { ...sample('inspector2-scan'), source: 'acme.inspector-relay' };
const spoofedAction: SampleEvent = {
  ...sample('securityhub-custom-action-block'),
  source: 'acme.securityhub',
};

let moto: MotoServer;
let synthesized: Synthesized;
let patterns: { imageScan: unknown; enhancedScan: unknown; customAction: unknown; imageDelete: unknown };

const call = <T = Record<string, unknown>>(service: string, target: string, body: unknown) =>
  awsJsonRequest<T>(moto.endpoint, moto.region, {
    service,
    target,
    jsonVersion: service === 'sqs' ? '1.0' : '1.1',
    body,
  });

/** The rule's pattern, with each action target's ARN in place of its GetAtt. */
function resolvedPattern(description: RegExp): unknown {
  const rule = resourcesOfType(synthesized.template, 'AWS::Events::Rule').find((candidate) =>
    description.test(String(candidate.Properties.Description)),
  );
  if (rule === undefined) throw new Error(`no rule described ${description}`);
  const actionIds = synthesized.template.findResources('AWS::SecurityHub::ActionTarget');
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve);
    if (typeof node !== 'object' || node === null) return node;
    const getAtt = (node as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
    if (getAtt?.[1] === 'ActionTargetArn') {
      const id = (actionIds[getAtt[0]] as { Properties: { Id: string } }).Properties.Id;
      return `arn:aws:securityhub:${REGION}:${ACCOUNT}:action/custom/${id}`;
    }
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolve(value)]));
  };
  const pattern = resolve(rule.Properties.EventPattern);
  expect(JSON.stringify(pattern)).not.toMatch(/Fn::|"Ref"/);
  return pattern;
}

/** Puts a rule with this pattern and a fresh queue as its target; returns the queue URL. */
async function ruleToQueue(name: string, pattern: unknown): Promise<string> {
  const { QueueUrl } = await call<{ QueueUrl: string }>('sqs', 'AmazonSQS.CreateQueue', { QueueName: name });
  const { Attributes } = await call<{ Attributes: { QueueArn: string } }>(
    'sqs',
    'AmazonSQS.GetQueueAttributes',
    {
      QueueUrl,
      AttributeNames: ['QueueArn'],
    },
  );
  await call('events', 'AWSEvents.PutRule', {
    Name: name,
    EventPattern: JSON.stringify(pattern),
    State: 'ENABLED',
  });
  await call('events', 'AWSEvents.PutTargets', {
    Rule: name,
    Targets: [{ Id: 'queue', Arn: Attributes.QueueArn }],
  });
  return QueueUrl;
}

/** Puts the events on the default bus; returns the event Id EventBridge gave each. */
async function putEvents(events: ReadonlyMap<string, SampleEvent>): Promise<Map<string, string>> {
  const names = [...events.keys()];
  const ids = new Map<string, string>();
  // PutEvents takes at most 10 entries.
  for (let start = 0; start < names.length; start += 10) {
    const batch = names.slice(start, start + 10);
    const result = await call<{
      FailedEntryCount: number;
      Entries: { EventId?: string; ErrorCode?: string }[];
    }>('events', 'AWSEvents.PutEvents', {
      Entries: batch.map((name) => {
        const event = events.get(name) as SampleEvent;
        return {
          Source: event.source,
          DetailType: event['detail-type'],
          Time: Math.floor(Date.parse(event.time) / 1000),
          Resources: event.resources,
          Detail: JSON.stringify(event.detail),
        };
      }),
    });
    expect(result.FailedEntryCount, JSON.stringify(result)).toBe(0);
    batch.forEach((name, index) => {
      const id = result.Entries[index]?.EventId;
      if (id === undefined) throw new Error(`no EventId for ${name}`);
      ids.set(id, name);
    });
  }
  return ids;
}

/** Every event waiting in the queue, as delivered. */
async function drain(queueUrl: string): Promise<Array<SampleEvent & { id: string }>> {
  const received: Array<SampleEvent & { id: string }> = [];
  for (let emptyReceives = 0; emptyReceives < 2; ) {
    const { Messages = [] } = await call<{ Messages?: { Body: string; ReceiptHandle: string }[] }>(
      'sqs',
      'AmazonSQS.ReceiveMessage',
      { QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 },
    );
    if (Messages.length === 0) emptyReceives += 1;
    for (const message of Messages) {
      received.push(JSON.parse(message.Body));
      await call('sqs', 'AmazonSQS.DeleteMessage', {
        QueueUrl: queueUrl,
        ReceiptHandle: message.ReceiptHandle,
      });
    }
  }
  return received;
}

beforeAll(async () => {
  synthesized = synthesize();
  patterns = {
    imageScan: resolvedPattern(/completed ECR basic scan/),
    enhancedScan: resolvedPattern(/completed initial enhanced scan/),
    customAction: resolvedPattern(/custom action/),
    imageDelete: resolvedPattern(/image deleted/),
  };
  moto = await startMoto(REGION);
});
afterAll(async () => {
  await moto?.stop();
  if (synthesized) rmSync(synthesized.outdir, { recursive: true, force: true });
});

describe('event patterns on EventBridge (moto)', () => {
  it('resolves the custom action pattern to the ARNs of ECR1 and ECR2', () => {
    expect(patterns.customAction).toEqual({
      source: ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Custom Action'],
      resources: [
        `arn:aws:securityhub:${REGION}:${ACCOUNT}:action/custom/ECR1`,
        `arn:aws:securityhub:${REGION}:${ACCOUNT}:action/custom/ECR2`,
      ],
    });
  });

  it('delivers exactly the matching sample events to each rule', async () => {
    const imageScanQueue = await ruleToQueue('image-scan', patterns.imageScan);
    const enhancedScanQueue = await ruleToQueue('enhanced-scan', patterns.enhancedScan);
    const customActionQueue = await ruleToQueue('custom-action', patterns.customAction);
    const imageDeleteQueue = await ruleToQueue('image-delete', patterns.imageDelete);
    const events = new Map([
      ...samples,
      ['spoofed-ecr-image-scan', spoofed],
      ['spoofed-ecr-image-action-delete', spoofedDelete],
      ['spoofed-inspector2-scan', spoofedInspector],
      ['spoofed-custom-action', spoofedAction],
    ]);
    const names = await putEvents(events);

    const delivered = async (queueUrl: string) => {
      const received = await drain(queueUrl);
      for (const event of received) {
        // What arrives is the event that was put, unchanged.
        const original = events.get(names.get(event.id) ?? '');
        expect(event).toMatchObject({
          source: original?.source,
          'detail-type': original?.['detail-type'],
          resources: original?.resources,
          detail: original?.detail,
        });
      }
      return received.map((event) => names.get(event.id)).sort();
    };

    expect(await delivered(imageScanQueue)).toEqual([
      'ecr-image-scan-complete',
      'ecr-image-scan-complete-untagged-clean',
    ]);
    // Enhanced scanning: only Inspector's own "initial scan complete" event, not its per-finding
    // events nor a relay's copy.
    expect(await delivered(enhancedScanQueue)).toEqual(['inspector2-scan']);
    expect(await delivered(customActionQueue)).toEqual([
      'securityhub-custom-action-block',
      'securityhub-custom-action-unblock',
    ]);
    // A push, a failed deletion and a deletion from another source never archive anything.
    expect(await delivered(imageDeleteQueue)).toEqual(['ecr-image-action-delete']);
    // Must not match, for the record: ecr-image-scan-failed, ecr-image-action-push,
    // ecr-image-action-delete-failed, inspector2-finding, spoofed-ecr-image-scan,
    // spoofed-ecr-image-action-delete, spoofed-inspector2-scan, securityhub-custom-action-other,
    // securityhub-findings-imported, spoofed-custom-action.
    expect([...names.values()].sort()).toEqual(
      [
        'ecr-image-action-delete',
        'ecr-image-action-delete-failed',
        'ecr-image-action-push',
        'ecr-image-scan-complete',
        'ecr-image-scan-complete-untagged-clean',
        'ecr-image-scan-failed',
        'inspector2-finding',
        'inspector2-scan',
        'securityhub-custom-action-block',
        'securityhub-custom-action-other',
        'securityhub-custom-action-unblock',
        'securityhub-findings-imported',
        'spoofed-custom-action',
        'spoofed-ecr-image-action-delete',
        'spoofed-ecr-image-scan',
        'spoofed-inspector2-scan',
      ].sort(),
    );
  });
});

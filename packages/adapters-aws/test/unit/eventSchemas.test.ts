import { parseWith } from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import { CustomActionEventSchema, EcrImageScanEventSchema } from '../../src/events/schemas.js';
import { coreFixture as fixture } from './helpers.js';

describe('event schemas', () => {
  it('parses the ECR Image Scan event and defaults missing image-tags to []', () => {
    const event = fixture<Record<string, any>>('events/ecr-image-scan.json');
    delete event.detail['image-tags'];
    const parsed = parseWith(EcrImageScanEventSchema, event, 'ECR Image Scan event');
    expect(parsed.detail['image-tags']).toEqual([]);
    expect(parsed.detail['repository-name']).toBe('team-a/payments-api');
  });

  it('names the path of a bad event field', () => {
    const event = fixture<Record<string, any>>('events/ecr-image-scan.json');
    event.detail['image-digest'] = 'latest';
    expect(() => parseWith(EcrImageScanEventSchema, event, 'ECR Image Scan event')).toThrow(
      /^detail\.image-digest: /,
    );
  });

  it('refuses another detail-type', () => {
    const event = fixture<Record<string, any>>('events/ecr-image-scan.json');
    event['detail-type'] = 'ECR Image Action';
    expect(() => parseWith(EcrImageScanEventSchema, event, 'event')).toThrow(/^detail-type: /);
  });

  it('parses the custom action event and requires at least one finding', () => {
    const event = fixture<Record<string, any>>('events/custom-action.json');
    expect(parseWith(CustomActionEventSchema, event, 'event').detail.findings).toHaveLength(1);
    event.detail.findings = [];
    expect(() => parseWith(CustomActionEventSchema, event, 'event')).toThrow(/^detail\.findings: /);
  });
});

import { InvalidInputError, parseWith } from '@ecr-compliance/core';
import { imageOfScanEvent } from '@ecr-compliance/core/ecr';
import { describe, expect, it } from 'vitest';
import { EcrImageScanEventSchema, Inspector2ScanEventSchema } from '../../src/events/schemas.js';
import { coreFixture as fixture } from './helpers.js';

const clone = <T>(value: T): T => structuredClone(value);

const digest = 'sha256:9e8e9cd9d4031388e76ffd1f01c039d441df45180e70b83da6e4b3fa6a76ca85';
/** "Inspector2 Scan" as published (AWS-FACTS §1.5): `repository-name` holds the repository ARN. */
const inspectorScan = {
  version: '0',
  id: '739c0d3c-4f02-85c7-5a88-94a9EXAMPLE',
  'detail-type': 'Inspector2 Scan',
  source: 'aws.inspector2',
  account: '111122223333',
  time: '2026-11-20T10:17:45Z',
  region: 'us-east-1',
  resources: ['arn:aws:ecr:us-east-1:111122223333:repository/team-a/payments-api'],
  detail: {
    'scan-status': 'INITIAL_SCAN_COMPLETE',
    'repository-name': 'arn:aws:ecr:us-east-1:111122223333:repository/team-a/payments-api',
    'finding-severity-counts': { CRITICAL: 0, HIGH: 1, MEDIUM: 1, TOTAL: 2 },
    'image-digest': digest,
    'image-tags': ['1.8.2', 'latest'],
    version: '1.0',
  },
};

const parseInspector = (event: unknown) =>
  parseWith(Inspector2ScanEventSchema, event, 'Inspector2 Scan event');

function withRepository(value: string) {
  const event = clone(inspectorScan);
  event.detail['repository-name'] = value;
  return parseInspector(event);
}

describe('imageOfScanEvent', () => {
  it('names the image of an "ECR Image Scan" event (basic scanning)', () => {
    const event = parseWith(EcrImageScanEventSchema, fixture('events/ecr-image-scan.json'), 'event');
    expect(imageOfScanEvent(event)).toEqual({
      accountId: event.account,
      repositoryName: event.detail['repository-name'],
      imageDigest: event.detail['image-digest'],
      imageTags: event.detail['image-tags'],
      scanning: 'basic',
    });
  });

  it('reads the repository ARN that "Inspector2 Scan" puts in repository-name (enhanced scanning)', () => {
    expect(imageOfScanEvent(parseInspector(inspectorScan))).toEqual({
      accountId: '111122223333',
      repositoryName: 'team-a/payments-api',
      imageDigest: digest,
      imageTags: ['1.8.2', 'latest'],
      scanning: 'enhanced',
    });
  });

  it('accepts a plain repository name there too', () => {
    expect(imageOfScanEvent(withRepository('team-a/payments-api')).repositoryName).toBe(
      'team-a/payments-api',
    );
  });

  it('defaults missing tags to none', () => {
    const event = clone(inspectorScan) as { detail: Record<string, unknown> };
    delete event.detail['image-tags'];
    expect(imageOfScanEvent(parseInspector(event)).imageTags).toEqual([]);
  });

  it.each([
    [
      'a repository of another account',
      'arn:aws:ecr:us-east-1:444455556666:repository/team-a/payments-api',
      "detail.repository-name: repository arn:aws:ecr:us-east-1:444455556666:repository/team-a/payments-api is not in the event's account and Region 111122223333/us-east-1",
    ],
    [
      'a repository of another Region',
      'arn:aws:ecr:eu-west-1:111122223333:repository/team-a/payments-api',
      "detail.repository-name: repository arn:aws:ecr:eu-west-1:111122223333:repository/team-a/payments-api is not in the event's account and Region 111122223333/us-east-1",
    ],
    [
      'an image ARN',
      `arn:aws:ecr:us-east-1:111122223333:repository/team-a/payments-api/${digest}`,
      'detail.repository-name: expected an ECR repository ARN or name, got',
    ],
    [
      'an ARN of another service',
      'arn:aws:s3:::bucket',
      'detail.repository-name: expected an ECR repository ARN or name, got "arn:aws:s3:::bucket"',
    ],
    [
      'an invalid name',
      'Team A',
      'detail.repository-name: expected an ECR repository name (lowercase letters, digits, . _ - and / between segments): "Team A"',
    ],
  ])('refuses %s, naming the field', (_, value, message) => {
    const event = withRepository(value);
    expect(() => imageOfScanEvent(event)).toThrow(InvalidInputError);
    expect(() => imageOfScanEvent(event)).toThrow(message);
  });

  it('refuses an Inspector2 Scan event without a digest, naming the field', () => {
    const event = clone(inspectorScan) as { detail: Record<string, unknown> };
    event.detail['image-digest'] = 'latest';
    expect(() => parseInspector(event)).toThrow(/detail\.image-digest/);
  });
});

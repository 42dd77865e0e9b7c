/**
 * Every rule's synthesized pattern, matched by AWS Event Ruler: the engine EventBridge runs, so
 * array conditions (the "Findings - Imported" rule's `detail.findings`) match as they do in AWS,
 * which moto's matcher cannot do. Each sample is a real-shaped event; each must reach exactly the
 * rules listed for it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { matchWithEventRuler, resolvedPatterns } from './support/ruler.js';
import { synthesize } from './support/synth.js';

const env = { account: '111122223333', region: 'us-east-1' } as const;
const eventsDir = fileURLToPath(new URL('./events/', import.meta.url));
const samples: Record<string, Record<string, any>> = Object.fromEntries(
  readdirSync(eventsDir)
    .filter((file) => file.endsWith('.json'))
    .map((file) => [file.replace(/\.json$/, ''), JSON.parse(readFileSync(join(eventsDir, file), 'utf8'))]),
);
const sample = (name: string): Record<string, any> => {
  const event = samples[name];
  if (event === undefined) throw new Error(`no sample event ${name}`);
  return structuredClone(event);
};

const digest = 'sha256:9e8e9cd9d4031388e76ffd1f01c039d441df45180e70b83da6e4b3fa6a76ca85';
const ourProduct = `arn:aws:securityhub:${env.region}:${env.account}:product/${env.account}/default`;

/** A "Findings - Imported" event of one finding, from the sample, with these fields changed. */
function imported(change: Record<string, unknown>): Record<string, any> {
  const event = sample('securityhub-findings-imported');
  const [finding] = event.detail.findings;
  event.detail.findings = [
    {
      ...finding,
      ProductArn: ourProduct,
      GeneratorId: 'ecr-compliance/ecr-basic/image',
      Id: `ecr-compliance/ecr-basic/${env.account}/${env.region}/team-a/payments-api/${digest}/image`,
      RecordState: 'ACTIVE',
      Severity: { Label: 'HIGH', Normalized: 70, Original: 'HIGH' },
      ...change,
    },
  ];
  return event;
}

/** Which rule a logical Id is, by its construct id (the hash suffix varies). */
const ruleName = (logicalId: string) => logicalId.replace(/[0-9A-F]{8}$/, '').replace(/^EcrCompliance/, '');

function matches(props: Record<string, unknown>, events: Record<string, unknown>) {
  const { template } = synthesize({ props });
  const result = matchWithEventRuler(resolvedPatterns(template, env), events);
  return Object.fromEntries(
    Object.entries(result).map(([event, rules]) => [event, rules.map(ruleName).sort()]),
  );
}

describe('event patterns, matched by AWS Event Ruler', () => {
  describe('the default deployment', () => {
    let result: Record<string, string[]>;
    beforeAll(() => {
      result = matches(
        {},
        {
          ...samples,
          'relayed-scan': { ...sample('ecr-image-scan-complete'), source: 'acme.ecr-relay' },
          'relayed-custom-action': {
            ...sample('securityhub-custom-action-block'),
            source: 'acme.securityhub',
          },
          'image-finding-imported': imported({}),
        },
      );
    });

    it.each([
      ['ecr-image-scan-complete', ['ImageScanRule']],
      ['ecr-image-scan-complete-untagged-clean', ['ImageScanRule']],
      ['ecr-image-scan-failed', []],
      ['inspector2-scan', ['EnhancedScanRule']],
      ['inspector2-finding', []],
      ['ecr-image-action-delete', ['ImageDeleteRule']],
      ['ecr-image-action-delete-failed', []],
      ['ecr-image-action-push', []],
      ['securityhub-custom-action-block', ['CustomActionRule']],
      ['securityhub-custom-action-unblock', ['CustomActionRule']],
      ['securityhub-custom-action-other', []],
      ['relayed-scan', []],
      ['relayed-custom-action', []],
      // Without automatic remediation no rule follows imported findings.
      ['image-finding-imported', []],
    ])('delivers %s to %j', (event, rules) => {
      expect(result[event]).toEqual(rules);
    });

    it('checks every sample event of test/events', () => {
      for (const name of Object.keys(samples)) expect(result, name).toHaveProperty(name);
    });
  });

  describe("the rule of Amazon Inspector's arriving findings (exceptions)", () => {
    const inspectorProduct = (region: string) => `arn:aws:securityhub:${region}::product/aws/inspector`;
    const inspector = (change: Record<string, unknown> = {}) =>
      imported({
        ProductArn: inspectorProduct(env.region),
        GeneratorId: 'AWSInspector',
        Id: `arn:aws:inspector2:${env.region}:${env.account}:finding/4f1c0e9a2b7d48c6a5e3f2d1c0b9a887`,
        Workflow: { Status: 'NEW' },
        ...change,
      });
    const events = {
      'inspector-new': inspector(),
      'inspector-suppressed': inspector({ Workflow: { Status: 'SUPPRESSED' } }),
      'inspector-archived': inspector({ RecordState: 'ARCHIVED' }),
      'inspector-linked-region': inspector({ ProductArn: inspectorProduct('eu-west-1') }),
      'inspector-lambda': inspector({
        Resources: [{ Type: 'AwsLambdaFunction', Id: 'arn:aws:lambda:us-east-1:111122223333:function:f' }],
      }),
      ours: imported({ Workflow: { Status: 'NEW' } }),
    };
    const delivered = (props: Record<string, unknown>) => {
      const result = matches(props, events);
      return Object.keys(events).filter((name) =>
        (result[name] ?? []).some((r) => r.includes('InspectorFindingRule')),
      );
    };

    it('follows only NEW, ACTIVE Inspector findings of ECR images of its own Region', () => {
      expect(delivered({ exceptions: {} })).toEqual(['inspector-new']);
      expect(delivered({})).toEqual([]);
    });

    it("follows every linked Region's in the organization shape (the administrator's feed)", () => {
      const organization = { organizationId: 'o-a1b2c3d4e5', deployedRegions: ['us-east-1', 'eu-west-1'] };
      expect(delivered({ exceptions: {}, organization })).toEqual([
        'inspector-new',
        'inspector-linked-region',
      ]);
    });
  });

  describe('the "Findings - Imported" rule', () => {
    const events = {
      'active-high': imported({}),
      'active-critical': imported({ Severity: { Label: 'CRITICAL', Normalized: 90 } }),
      'active-medium': imported({ Severity: { Label: 'MEDIUM', Normalized: 40 } }),
      archived: imported({ RecordState: 'ARCHIVED' }),
      'trivy-image-finding': imported({ GeneratorId: 'ecr-compliance/trivy/image' }),
      'vulnerability-finding': imported({ GeneratorId: 'ecr-compliance/ecr-basic' }),
      'another-generator': imported({ GeneratorId: 'acme-scanner/image' }),
      'another-account': imported({
        ProductArn: 'arn:aws:securityhub:us-east-1:444455556666:product/444455556666/default',
      }),
      inspector: imported({ ProductArn: `arn:aws:securityhub:${env.region}::product/aws/inspector` }),
    };

    it('follows only our active image findings at or above the threshold with automatic remediation alone', () => {
      const result = matches({ autoRemediation: true }, events);
      const delivered = Object.keys(events).filter((name) => (result[name] ?? []).length > 0);
      expect(delivered).toEqual(['active-high', 'active-critical', 'trivy-image-finding']);
    });

    it('follows our image findings in every state and severity with automatic unblock', () => {
      const result = matches({ autoRemediation: true, autoUnblock: true }, events);
      const delivered = Object.keys(events).filter((name) => (result[name] ?? []).length > 0);
      expect(delivered).toEqual([
        'active-high',
        'active-critical',
        'active-medium',
        'archived',
        'trivy-image-finding',
      ]);
    });

    it('moves the threshold with severityThreshold', () => {
      const result = matches({ autoRemediation: true, severityThreshold: 'CRITICAL' }, events);
      expect(result['active-high']).toEqual([]);
      expect(result['active-critical']?.length).toBe(1);
    });
  });
});

import {
  blockingSeverity,
  defaultProductAccount,
  highestSeverity,
  inspectorProductArn,
  isInspectorFinding,
  isOurFinding,
  isOurImageFinding,
  labelOfNormalized,
} from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';

const account = '111122223333';
const ours = {
  Id: `ecr-compliance/ecr-basic/${account}/us-east-1/app/sha256:${'a'.repeat(64)}/image`,
  ProductArn: `arn:aws:securityhub:us-east-1:${account}:product/${account}/default`,
  GeneratorId: 'ecr-compliance/ecr-basic/image',
};

describe('which findings are ours', () => {
  it('recognises our image finding in our account', () => {
    expect(isOurFinding(ours, account)).toBe(true);
    expect(isOurImageFinding(ours, account)).toBe(true);
    expect(isOurImageFinding({ ...ours, GeneratorId: 'ecr-compliance/trivy' }, account)).toBe(false);
  });

  it.each([
    [
      'another account’s product',
      { ProductArn: `arn:aws:securityhub:us-east-1:444455556666:product/444455556666/default` },
    ],
    [
      'a product of two accounts',
      { ProductArn: `arn:aws:securityhub:us-east-1:${account}:product/444455556666/default` },
    ],
    ['another generator', { GeneratorId: 'trivy/image' }],
    ['another Id', { Id: 'CVE-2024-1' }],
    ['Inspector’s product', { ProductArn: inspectorProductArn('us-east-1') }],
  ])('refuses %s', (_, change) => {
    expect(isOurFinding({ ...ours, ...change }, account)).toBe(false);
  });

  it('reads the account of a default product ARN only', () => {
    expect(defaultProductAccount(ours.ProductArn)).toBe(account);
    expect(defaultProductAccount(inspectorProductArn('eu-west-1'))).toBeUndefined();
  });

  it('recognises Inspector’s product in every partition', () => {
    expect(inspectorProductArn('cn-north-1')).toBe(
      'arn:aws-cn:securityhub:cn-north-1::product/aws/inspector',
    );
    expect(isInspectorFinding({ ProductArn: inspectorProductArn('us-gov-west-1') })).toBe(true);
    expect(
      isInspectorFinding({ ProductArn: 'arn:aws:securityhub:us-east-1:111122223333:product/aws/inspector' }),
    ).toBe(false);
  });
});

describe('how a severity is read', () => {
  it('follows a person’s label for a block, and the highest of every field for a release', () => {
    const triagedDown = {
      Severity: { Label: 'LOW', Normalized: 1 },
      FindingProviderFields: { Severity: { Label: 'CRITICAL' } },
    };
    expect(blockingSeverity(triagedDown)).toBe('LOW');
    expect(highestSeverity(triagedDown)).toBe('CRITICAL');
  });

  it('falls back to the provider’s label, then to Normalized, and never guesses a label', () => {
    expect(
      blockingSeverity({
        Severity: { Label: 'severe' },
        FindingProviderFields: { Severity: { Label: 'high' } },
      }),
    ).toBe('HIGH');
    expect(blockingSeverity({ Severity: { Normalized: 95 } })).toBe('CRITICAL');
    expect(blockingSeverity({ Severity: { Label: 'severe' } })).toBeUndefined();
    expect(highestSeverity({})).toBeUndefined();
  });

  it.each([
    [0, 'INFORMATIONAL'],
    [1, 'LOW'],
    [39, 'LOW'],
    [40, 'MEDIUM'],
    [70, 'HIGH'],
    [89, 'HIGH'],
    [90, 'CRITICAL'],
  ] as const)('reads Normalized %d as %s', (normalized, label) => {
    expect(labelOfNormalized(normalized)).toBe(label);
  });
});

import { EcrComplianceError } from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  loadOnCustomActionConfig,
  loadOnFindingImportedConfig,
  loadOnImageScanConfig,
} from '../../src/lambda/config.js';

const BLOCK = 'arn:aws:securityhub:us-east-1:111122223333:action/custom/BlockEcrPull';
const UNBLOCK = 'arn:aws:securityhub:us-east-1:111122223333:action/custom/UnblockEcrPull';
const imageScanEnv = {
  AWS_REGION: 'us-east-1',
  ACCOUNT_ID: '111122223333',
  IDEMPOTENCY_TABLE_NAME: 'ecr-compliance-idempotency',
};
const customActionEnv = { ...imageScanEnv, BLOCK_ACTION_ARN: BLOCK, UNBLOCK_ACTION_ARN: UNBLOCK };

/** The ConfigurationError `load` throws for `env`. */
function failure(
  load: (env: Record<string, string | undefined>) => unknown,
  env: Record<string, string | undefined>,
) {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toBeInstanceOf(EcrComplianceError);
    expect((error as Error).name).toBe('ConfigurationError');
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected a ConfigurationError');
}

const without = (env: Record<string, string>, name: string) => {
  const { [name]: _removed, ...rest } = env;
  return rest;
};

describe('loadOnImageScanConfig', () => {
  it('applies the default granularities: both for basic scans, the image finding only for enhanced ones', () => {
    expect(loadOnImageScanConfig(imageScanEnv)).toEqual({
      ...imageScanEnv,
      FINDING_GRANULARITY: 'both',
      ENHANCED_FINDING_GRANULARITY: 'image',
      KEEP_ALIVE_DAYS: 30,
      BLOCK_ACTION: { id: 'ECR1', name: 'Block ECR pulls' },
    });
  });

  it('reads the block action the recommendation names from BLOCK_ACTION_ID and BLOCK_ACTION_NAME', () => {
    expect(
      loadOnImageScanConfig({
        ...imageScanEnv,
        BLOCK_ACTION_ID: 'Quarantine',
        BLOCK_ACTION_NAME: 'Quarantine image',
      }).BLOCK_ACTION,
    ).toEqual({ id: 'Quarantine', name: 'Quarantine image' });
    expect(loadOnImageScanConfig({ ...imageScanEnv, BLOCK_ACTION_ID: 'Block2' }).BLOCK_ACTION).toEqual({
      id: 'Block2',
      name: 'Block ECR pulls',
    });
  });

  it.each([
    [
      'BLOCK_ACTION_ID',
      'Has-Dash',
      /^invalid configuration of on-image-scan: BLOCK_ACTION_ID: must be 1 to 20 letters or digits/,
    ],
    [
      'BLOCK_ACTION_ID',
      '',
      /^invalid configuration of on-image-scan: BLOCK_ACTION_ID: must be 1 to 20 letters or digits/,
    ],
    [
      'BLOCK_ACTION_NAME',
      '  ',
      /^invalid configuration of on-image-scan: BLOCK_ACTION_NAME: must be 1 to 19 characters/,
    ],
    [
      'BLOCK_ACTION_NAME',
      'A name of twenty chr',
      /^invalid configuration of on-image-scan: BLOCK_ACTION_NAME: must be 1 to 19 characters/,
    ],
  ])('names %s when it is %j', (name, value, message) => {
    expect(failure(loadOnImageScanConfig, { ...imageScanEnv, [name]: value })).toMatch(message);
  });

  it.each([
    ['0', 0],
    ['7', 7],
    ['89', 89],
  ])('reads KEEP_ALIVE_DAYS %s as a number of days', (value, days) => {
    expect(loadOnImageScanConfig({ ...imageScanEnv, KEEP_ALIVE_DAYS: value }).KEEP_ALIVE_DAYS).toBe(days);
  });

  it("refuses KEEP_ALIVE_DAYS 12.5 with the core's rule, naming it", () => {
    expect(failure(loadOnImageScanConfig, { ...imageScanEnv, KEEP_ALIVE_DAYS: '12.5' })).toBe(
      'invalid configuration of on-image-scan: KEEP_ALIVE_DAYS: must be a whole number of days from 0 to 89 (Security Hub deletes a finding 90 days after its last update), got 12.5',
    );
  });

  it.each([
    ['90', 'got 90'],
    ['-1', 'got -1'],
    ['1.5', 'got 1.5'],
    ['thirty', 'got "thirty"'],
    ['', 'got ""'],
    ['1e1', 'got "1e1"'],
  ])('refuses KEEP_ALIVE_DAYS %j, naming it', (value, got) => {
    const message = failure(loadOnImageScanConfig, { ...imageScanEnv, KEEP_ALIVE_DAYS: value });
    expect(message).toMatch(
      /^invalid configuration of on-image-scan: KEEP_ALIVE_DAYS: must be a whole number of days from 0 to 89 /,
    );
    expect(message.endsWith(got)).toBe(true);
  });

  it.each(['vulnerability', 'image', 'both'])('accepts ENHANCED_FINDING_GRANULARITY %s', (granularity) => {
    expect(
      loadOnImageScanConfig({ ...imageScanEnv, ENHANCED_FINDING_GRANULARITY: granularity })
        .ENHANCED_FINDING_GRANULARITY,
    ).toBe(granularity);
  });

  it.each(['vulnerability', 'image', 'both'])('accepts FINDING_GRANULARITY %s', (granularity) => {
    expect(
      loadOnImageScanConfig({ ...imageScanEnv, FINDING_GRANULARITY: granularity }).FINDING_GRANULARITY,
    ).toBe(granularity);
  });

  it('ignores variables it does not know', () => {
    expect(loadOnImageScanConfig({ ...imageScanEnv, PATH: '/usr/bin', HOME: '/root' })).not.toHaveProperty(
      'PATH',
    );
  });

  it('trims surrounding blanks', () => {
    expect(loadOnImageScanConfig({ ...imageScanEnv, AWS_REGION: ' eu-west-1 ' }).AWS_REGION).toBe(
      'eu-west-1',
    );
  });

  it.each(['AWS_REGION', 'ACCOUNT_ID', 'IDEMPOTENCY_TABLE_NAME'])('names %s when it is missing', (name) => {
    expect(failure(loadOnImageScanConfig, without(imageScanEnv, name))).toBe(
      `invalid configuration of on-image-scan: ${name} is required`,
    );
  });

  it.each(['AWS_REGION', 'IDEMPOTENCY_TABLE_NAME'])('names %s when it is blank', (name) => {
    expect(failure(loadOnImageScanConfig, { ...imageScanEnv, [name]: '   ' })).toContain(
      `${name} is required`,
    );
  });

  it('names ACCOUNT_ID when it is not 12 digits', () => {
    expect(failure(loadOnImageScanConfig, { ...imageScanEnv, ACCOUNT_ID: '1234' })).toBe(
      'invalid configuration of on-image-scan: ACCOUNT_ID must be a 12-digit account id',
    );
  });

  it('names FINDING_GRANULARITY when it is not one of the choices', () => {
    expect(failure(loadOnImageScanConfig, { ...imageScanEnv, FINDING_GRANULARITY: 'per-package' })).toBe(
      'invalid configuration of on-image-scan: FINDING_GRANULARITY: must be one of vulnerability, image, both, got "per-package"',
    );
  });
});

describe('loadOnCustomActionConfig', () => {
  it('applies the defaults: threshold HIGH, no exempt principals', () => {
    expect(loadOnCustomActionConfig(customActionEnv)).toEqual({
      ...customActionEnv,
      SEVERITY_THRESHOLD: 'HIGH',
      EXEMPT_PRINCIPAL_ARNS: [],
      ALLOW_BROAD_EXEMPTIONS: false,
    });
  });

  it('reads a comma-separated list of exempt principals, ignoring blanks and empty entries', () => {
    const config = loadOnCustomActionConfig({
      ...customActionEnv,
      SEVERITY_THRESHOLD: 'CRITICAL',
      EXEMPT_PRINCIPAL_ARNS:
        ' arn:aws:iam::111122223333:role/breakglass , ,arn:aws:iam::111122223333:role/ecs-task-execution,',
    });

    expect(config.SEVERITY_THRESHOLD).toBe('CRITICAL');
    expect(config.EXEMPT_PRINCIPAL_ARNS).toEqual([
      'arn:aws:iam::111122223333:role/breakglass',
      'arn:aws:iam::111122223333:role/ecs-task-execution',
    ]);
  });

  it('accepts action ARNs of the China and GovCloud partitions', () => {
    expect(() =>
      loadOnCustomActionConfig({
        ...customActionEnv,
        BLOCK_ACTION_ARN: 'arn:aws-cn:securityhub:cn-north-1:111122223333:action/custom/Block',
        UNBLOCK_ACTION_ARN: 'arn:aws-us-gov:securityhub:us-gov-west-1:111122223333:action/custom/Unblock',
      }),
    ).not.toThrow();
  });

  it.each(['AWS_REGION', 'ACCOUNT_ID', 'IDEMPOTENCY_TABLE_NAME', 'BLOCK_ACTION_ARN', 'UNBLOCK_ACTION_ARN'])(
    'names %s when it is missing',
    (name) => {
      expect(failure(loadOnCustomActionConfig, without(customActionEnv, name))).toBe(
        `invalid configuration of on-custom-action: ${name} is required`,
      );
    },
  );

  it.each([
    ['BLOCK_ACTION_ARN', 'BlockEcrPull'],
    ['BLOCK_ACTION_ARN', 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default'],
    ['UNBLOCK_ACTION_ARN', 'arn:aws:securityhub:us-east-1:1111:action/custom/Unblock'],
    ['UNBLOCK_ACTION_ARN', 'arn:aws:securityhub:us-east-1:111122223333:action/custom/Has-Dash'],
    [
      'UNBLOCK_ACTION_ARN',
      'arn:aws:securityhub:us-east-1:111122223333:action/custom/ThisIdIsLongerThan20Chars',
    ],
  ])('names %s when it is not a custom action ARN (%s)', (name, value) => {
    expect(failure(loadOnCustomActionConfig, { ...customActionEnv, [name]: value })).toBe(
      `invalid configuration of on-custom-action: ${name} must be a Security Hub custom action ARN (arn:aws:securityhub:REGION:ACCOUNT:action/custom/ID)`,
    );
  });

  it('refuses the same ARN for both actions', () => {
    expect(failure(loadOnCustomActionConfig, { ...customActionEnv, UNBLOCK_ACTION_ARN: BLOCK })).toBe(
      'invalid configuration of on-custom-action: BLOCK_ACTION_ARN and UNBLOCK_ACTION_ARN must differ',
    );
  });

  it.each(['high', 'SEVERE', 'UNDEFINED', ''])('names SEVERITY_THRESHOLD when it is %j', (value) => {
    expect(failure(loadOnCustomActionConfig, { ...customActionEnv, SEVERITY_THRESHOLD: value })).toBe(
      `invalid configuration of on-custom-action: SEVERITY_THRESHOLD: must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL, got ${JSON.stringify(value)}`,
    );
  });

  it('names EXEMPT_PRINCIPAL_ARNS and the offending entry when one is not a principal ARN', () => {
    const message = failure(loadOnCustomActionConfig, {
      ...customActionEnv,
      EXEMPT_PRINCIPAL_ARNS: 'arn:aws:iam::111122223333:role/breakglass,breakglass',
    });

    expect(message).toMatch(/^invalid configuration of on-custom-action: EXEMPT_PRINCIPAL_ARNS: entry \[1\]/);
    expect(message).toContain('"breakglass"');
  });

  it('refuses a wildcard role prefix unless ALLOW_BROAD_EXEMPTIONS is "true", and role/* even then', () => {
    const prefix = {
      ...customActionEnv,
      EXEMPT_PRINCIPAL_ARNS: 'arn:aws:iam::111122223333:role/breakglass-*',
    };
    expect(failure(loadOnCustomActionConfig, prefix)).toMatch(
      /^invalid configuration of on-custom-action: EXEMPT_PRINCIPAL_ARNS: entry \[0\]: .*has a wildcard.*allowBroadExemptions/,
    );
    expect(
      loadOnCustomActionConfig({ ...prefix, ALLOW_BROAD_EXEMPTIONS: 'true' }).EXEMPT_PRINCIPAL_ARNS,
    ).toEqual(['arn:aws:iam::111122223333:role/breakglass-*']);
    expect(
      failure(loadOnCustomActionConfig, {
        ...customActionEnv,
        ALLOW_BROAD_EXEMPTIONS: 'true',
        EXEMPT_PRINCIPAL_ARNS: 'arn:aws:iam::111122223333:role/*',
      }),
    ).toMatch(/EXEMPT_PRINCIPAL_ARNS: entry \[0\]: .*role\/\* is every role/);
  });

  it('refuses an exempt principal of another partition than AWS_REGION', () => {
    expect(
      failure(loadOnCustomActionConfig, {
        ...customActionEnv,
        EXEMPT_PRINCIPAL_ARNS: 'arn:aws-cn:iam::111122223333:role/breakglass',
      }),
    ).toMatch(
      new RegExp(
        `EXEMPT_PRINCIPAL_ARNS: entry \\[0\\]: .*is in the partition aws-cn, but the Region ${customActionEnv.AWS_REGION} is in aws`,
      ),
    );
  });
});

describe('loadOnFindingImportedConfig', () => {
  it('applies the defaults: threshold HIGH, no exempt principals, both automatic modes off', () => {
    expect(loadOnFindingImportedConfig(imageScanEnv)).toEqual({
      ...imageScanEnv,
      SEVERITY_THRESHOLD: 'HIGH',
      EXEMPT_PRINCIPAL_ARNS: [],
      ALLOW_BROAD_EXEMPTIONS: false,
      AUTO_REMEDIATION: false,
      AUTO_UNBLOCK: false,
    });
  });

  it.each(['AUTO_REMEDIATION', 'AUTO_UNBLOCK'])(
    'reads %s as a boolean, and names it when it is not one',
    (name) => {
      expect(loadOnFindingImportedConfig({ ...imageScanEnv, [name]: 'true' })[name as 'AUTO_UNBLOCK']).toBe(
        true,
      );
      expect(failure(loadOnFindingImportedConfig, { ...imageScanEnv, [name]: 'yes' })).toBe(
        `invalid configuration of on-finding-imported: ${name} must be "true" or "false"`,
      );
    },
  );

  it('refuses an exempt principal that is no IAM principal ARN, naming the variable', () => {
    expect(
      failure(loadOnFindingImportedConfig, { ...imageScanEnv, EXEMPT_PRINCIPAL_ARNS: 'not-an-arn' }),
    ).toMatch(/^invalid configuration of on-finding-imported: EXEMPT_PRINCIPAL_ARNS: /);
  });
});

import { FINDING_GRANULARITIES, MAX_KEEP_ALIVE_DAYS, SEVERITY_LABELS } from '@ecr-compliance/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  loadOnCustomActionConfig,
  loadOnFindingImportedConfig,
  loadOnImageActionConfig,
  loadOnImageScanConfig,
} from '../../src/lambda/config.js';
import {
  ON_CUSTOM_ACTION_VARIABLES,
  ON_FINDING_IMPORTED_VARIABLES,
  ON_IMAGE_ACTION_VARIABLES,
  ON_IMAGE_SCAN_VARIABLES,
  onCustomActionEnvironment,
  onFindingImportedEnvironment,
  onImageActionEnvironment,
  onImageScanEnvironment,
} from '../../src/lambda/environment.js';

// Lambda sets AWS_REGION itself; the writers never write it.
const REGION = { AWS_REGION: 'eu-west-1' };

const accountId = fc.stringMatching(/^\d{12}$/);
const idempotencyTableName = fc.stringMatching(/^[A-Za-z0-9_.-]{3,64}$/);
const actionId = fc.stringMatching(/^[A-Za-z0-9]{1,20}$/);
const actionName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 ]{0,18}$/);
const granularity = fc.constantFrom(...FINDING_GRANULARITIES);
const stateTableName = idempotencyTableName;
const imageScanSettings = fc.record({
  accountId,
  idempotencyTableName,
  stateTableName,
  findingGranularity: granularity,
  enhancedFindingGranularity: granularity,
  keepAliveDays: fc.integer({ min: 0, max: MAX_KEEP_ALIVE_DAYS }),
  blockAction: fc.record({ id: actionId, name: actionName }),
});
const actionArn = (account: string, id: string) =>
  `arn:aws:securityhub:eu-west-1:${account}:action/custom/${id}`;
const customActionSettings = fc
  .record({
    accountId,
    idempotencyTableName,
    block: actionId,
    unblock: actionId,
    severityThreshold: fc.constantFrom(...SEVERITY_LABELS),
    exempt: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), { maxLength: 4 }),
    allowBroadExemptions: fc.boolean(),
    autoRemediation: fc.boolean(),
    autoUnblock: fc.boolean(),
  })
  .filter((s) => s.block !== s.unblock)
  .map(({ block, unblock, exempt, ...rest }) => ({
    ...rest,
    blockActionArn: actionArn(rest.accountId, block),
    unblockActionArn: actionArn(rest.accountId, unblock),
    exemptPrincipalArns: exempt.map((name) => `arn:aws:iam::${rest.accountId}:role/${name}`),
  }));

describe('the environment contract', () => {
  it('reads back every on-image-scan setting it writes', () => {
    fc.assert(
      fc.property(imageScanSettings, (settings) => {
        const env = onImageScanEnvironment(settings);
        expect(Object.keys(env).sort()).toEqual([...ON_IMAGE_SCAN_VARIABLES].sort());
        expect(loadOnImageScanConfig({ ...REGION, ...env })).toEqual({
          ...REGION,
          ACCOUNT_ID: settings.accountId,
          IDEMPOTENCY_TABLE_NAME: settings.idempotencyTableName,
          FINDING_GRANULARITY: settings.findingGranularity,
          ENHANCED_FINDING_GRANULARITY: settings.enhancedFindingGranularity,
          KEEP_ALIVE_DAYS: settings.keepAliveDays,
          BLOCK_ACTION: settings.blockAction,
          STATE_TABLE_NAME: settings.stateTableName,
        });
      }),
    );
  });

  it('reads back every on-custom-action setting it writes', () => {
    fc.assert(
      fc.property(customActionSettings, (settings) => {
        const env = onCustomActionEnvironment(settings);
        expect(Object.keys(env).sort()).toEqual([...ON_CUSTOM_ACTION_VARIABLES].sort());
        expect(loadOnCustomActionConfig({ ...REGION, ...env })).toEqual({
          ...REGION,
          ACCOUNT_ID: settings.accountId,
          IDEMPOTENCY_TABLE_NAME: settings.idempotencyTableName,
          BLOCK_ACTION_ARN: settings.blockActionArn,
          UNBLOCK_ACTION_ARN: settings.unblockActionArn,
          SEVERITY_THRESHOLD: settings.severityThreshold,
          EXEMPT_PRINCIPAL_ARNS: settings.exemptPrincipalArns,
          ALLOW_BROAD_EXEMPTIONS: settings.allowBroadExemptions,
        });
      }),
    );
  });

  it('reads back every on-finding-imported setting it writes', () => {
    fc.assert(
      fc.property(customActionSettings, (settings) => {
        const env = onFindingImportedEnvironment(settings);
        expect(Object.keys(env).sort()).toEqual([...ON_FINDING_IMPORTED_VARIABLES].sort());
        expect(loadOnFindingImportedConfig({ ...REGION, ...env })).toEqual({
          ...REGION,
          ACCOUNT_ID: settings.accountId,
          IDEMPOTENCY_TABLE_NAME: settings.idempotencyTableName,
          SEVERITY_THRESHOLD: settings.severityThreshold,
          EXEMPT_PRINCIPAL_ARNS: settings.exemptPrincipalArns,
          ALLOW_BROAD_EXEMPTIONS: settings.allowBroadExemptions,
          AUTO_REMEDIATION: settings.autoRemediation,
          AUTO_UNBLOCK: settings.autoUnblock,
        });
      }),
    );
  });

  it('reads back the on-image-action settings it writes', () => {
    fc.assert(
      fc.property(fc.record({ accountId, idempotencyTableName, stateTableName }), (settings) => {
        const env = onImageActionEnvironment(settings);
        expect(Object.keys(env).sort()).toEqual([...ON_IMAGE_ACTION_VARIABLES].sort());
        expect(loadOnImageActionConfig({ ...REGION, ...env })).toStrictEqual({
          ...REGION,
          ACCOUNT_ID: settings.accountId,
          IDEMPOTENCY_TABLE_NAME: settings.idempotencyTableName,
          STATE_TABLE_NAME: settings.stateTableName,
        });
      }),
    );
  });

  it('writes a keep-alive the loader refuses when the settings were never resolved (12.5 days)', () => {
    const env = onImageScanEnvironment({
      accountId: '111122223333',
      idempotencyTableName: 'idempotency',
      findingGranularity: 'both',
      enhancedFindingGranularity: 'image',
      keepAliveDays: 12.5,
      blockAction: { id: 'ECR1', name: 'Block ECR pulls' },
      stateTableName: 'state',
    });
    expect(env.KEEP_ALIVE_DAYS).toBe('12.5');
    expect(() => loadOnImageScanConfig({ ...REGION, ...env })).toThrow(
      /^invalid configuration of on-image-scan: KEEP_ALIVE_DAYS: must be a whole number of days from 0 to 89 .*got 12\.5$/,
    );
  });
});

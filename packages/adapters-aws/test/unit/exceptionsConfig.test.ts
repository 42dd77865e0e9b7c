import type { ExceptionRecord } from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import {
  exceptionsTableOf,
  loadOnExceptionScheduleConfig,
  maxExceptionDaysOf,
  withinLimit,
} from '../../src/lambda/exceptionsConfig.js';

const env = { AWS_REGION: 'us-east-1', ACCOUNT_ID: '111122223333', EXCEPTIONS_TABLE_NAME: 'exceptions' };

describe('the exceptions configuration of the handlers', () => {
  it('reads the schedule function with its defaults', () => {
    expect(loadOnExceptionScheduleConfig(env)).toEqual({
      ...env,
      EVENT_BUS_NAME: 'default',
      BLOCK_ACTION: { id: 'ECR1', name: 'Block ECR pulls' },
    });
  });

  it.each([
    [
      { ...env, EXCEPTIONS_TABLE_NAME: undefined },
      'invalid configuration of on-exception-schedule: EXCEPTIONS_TABLE_NAME is required',
    ],
    [
      { ...env, ACCOUNT_ID: '12' },
      'invalid configuration of on-exception-schedule: ACCOUNT_ID must be a 12-digit account id',
    ],
    [
      { ...env, EXCEPTIONS_TABLE_NAME: 'a b' },
      'invalid configuration of on-exception-schedule: EXCEPTIONS_TABLE_NAME: must be a DynamoDB table name (3 to 255 letters, digits, _ . -), got "a b"',
    ],
    [
      { ...env, BLOCK_ACTION_ID: 'Has-Dash' },
      /^invalid configuration of on-exception-schedule: BLOCK_ACTION\.id: must be 1 to 20 letters or digits/,
    ],
  ])('refuses %j in one line', (bad, message) => {
    expect(() => loadOnExceptionScheduleConfig(bad)).toThrow(message);
  });

  it('leaves exceptions off without a table, and checks MAX_EXCEPTION_DAYS', () => {
    expect(exceptionsTableOf({}, 'on-image-scan')).toBeUndefined();
    expect(maxExceptionDaysOf({}, 'on-image-scan')).toBe(90);
    expect(maxExceptionDaysOf({ MAX_EXCEPTION_DAYS: '30' }, 'on-image-scan')).toBe(30);
    expect(() => maxExceptionDaysOf({ MAX_EXCEPTION_DAYS: 'soon' }, 'on-image-scan')).toThrow(
      'invalid configuration of on-image-scan: MAX_EXCEPTION_DAYS: must be a whole number of days from 1 to 366, got "soon"',
    );
  });

  it('ignores a stored exception that lasts longer than the deployment allows, and says which', async () => {
    const record = (id: string, days: number): ExceptionRecord => ({
      id,
      vulnerabilityId: 'CVE-2026-1000',
      scope: { accountId: '111122223333', repositoryName: 'a' },
      justification: 'accepted_risk',
      statement: 's',
      owner: 'o',
      createdAt: '2026-12-01T00:00:00.000Z',
      expiresAt: new Date(Date.parse('2026-12-01T00:00:00.000Z') + days * 86_400_000).toISOString(),
    });
    const ignored: string[] = [];
    const store = withinLimit({ list: async () => [record('exc-ok', 90), record('exc-long', 91)] }, 90, (r) =>
      ignored.push(r.id),
    );
    expect((await store.list()).map((r) => r.id)).toEqual(['exc-ok']);
    expect(ignored).toEqual(['exc-long']);
  });
});

import {
  DEFAULT_MAX_EXCEPTION_DAYS,
  EXCEPTION_JUSTIFICATIONS,
  InvalidInputError,
  newException,
  parseExceptionRecord,
  resolveMaxExceptionDays,
} from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, exception, NOW } from './support.js';

const { createdAt: _, ...input } = exception();
const refusal = (patch: Record<string, unknown>, options: { maxExpiryDays?: number } = {}) => {
  try {
    newException({ ...input, ...patch }, { now: NOW, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

describe('the exception record', () => {
  it('accepts a complete exception and sets its creation to now', () => {
    expect(newException(input, { now: NOW })).toEqual({ ...input, createdAt: NOW });
  });

  it("knows OpenVEX's five justifications and accepted_risk", () => {
    expect(EXCEPTION_JUSTIFICATIONS).toEqual([
      'component_not_present',
      'vulnerable_code_not_present',
      'vulnerable_code_not_in_execute_path',
      'vulnerable_code_cannot_be_controlled_by_adversary',
      'inline_mitigations_already_exist',
      'accepted_risk',
    ]);
  });

  it('refuses an exception without an expiry, in one line that names the field', () => {
    const message = refusal({ expiresAt: undefined });
    expect(message).toBe(
      'expiresAt: is required: every exception ends (there is no exception without an end date) (in exception)',
    );
    expect(message).not.toContain('\n');
  });

  it('refuses an expiry in the past, and one equal to now', () => {
    expect(refusal({ expiresAt: '2026-12-01T00:00:00Z' })).toBe(
      'expiresAt: is not in the future (2026-12-01T00:00:00Z is not after 2026-12-02T12:00:00.000Z) (in exception)',
    );
    expect(refusal({ expiresAt: NOW })).toMatch(/^expiresAt: is not in the future/);
  });

  it('refuses an expiry beyond the limit (90 days by default, or the configured one)', () => {
    expect(DEFAULT_MAX_EXCEPTION_DAYS).toBe(90);
    expect(refusal({ expiresAt: '2027-03-02T12:00:00.001Z' })).toBe(
      'expiresAt: is more than 90 days away (2027-03-02T12:00:00.001Z); the longest allowed expiry is 90 days (in exception)',
    );
    expect(() =>
      newException({ ...input, expiresAt: '2027-03-02T12:00:00.000Z' }, { now: NOW }),
    ).not.toThrow();
    expect(refusal({ expiresAt: '2026-12-10T00:00:00Z' }, { maxExpiryDays: 7 })).toMatch(
      /^expiresAt: is more than 7 days away/,
    );
  });

  it('refuses an unknown justification and names the vocabulary', () => {
    expect(refusal({ justification: 'false_positive' })).toBe(
      `justification: must be one of ${EXCEPTION_JUSTIFICATIONS.join(', ')} (in exception)`,
    );
  });

  it('refuses a scope of every repository unless allRepositories says so', () => {
    expect(refusal({ scope: { accountId: ACCOUNT } })).toBe(
      'scope.repositoryName: name a repository or a repository prefix; an exception for every repository of the account needs allRepositories (--all-repositories) (in exception)',
    );
    expect(refusal({ scope: { accountId: ACCOUNT, repositoryPrefix: '' } })).toMatch(
      /^scope\.repositoryPrefix: must be the literal, non-blank start/,
    );
    expect(() =>
      newException({ ...input, scope: { accountId: ACCOUNT, allRepositories: true } }, { now: NOW }),
    ).not.toThrow();
  });

  it.each([
    [
      { scope: { accountId: '1234', repositoryName: 'a' } },
      /^scope\.accountId: must be a 12-digit account id/,
    ],
    [
      { scope: { accountId: ACCOUNT, repositoryName: 'a', repositoryPrefix: 'b' } },
      /^scope\.repositoryName: give one of/,
    ],
    [
      { scope: { accountId: ACCOUNT, repositoryName: 'a', imageDigest: 'sha256:abc' } },
      /^scope\.imageDigest: must be sha256:/,
    ],
    [{ owner: '  ' }, /^owner: must not be blank/],
    [{ statement: '' }, /^statement: must not be blank/],
    [{ vulnerabilityId: 'CVE 2026' }, /^vulnerabilityId: must be an advisory id/],
    [{ id: 'other-1' }, /^id: must be exc-/],
    [{ expiresAt: '2027-01-01' }, /^expiresAt: must be an ISO-8601 date-time with a zone/],
  ])('refuses %j', (patch, message) => {
    expect(refusal(patch)).toMatch(message);
  });

  it('reads a stored record without the clock, an expired one included', () => {
    const old = exception({ createdAt: '2020-01-01T00:00:00Z', expiresAt: '2020-02-01T00:00:00Z' });
    expect(parseExceptionRecord(old)).toEqual(old);
    expect(() => parseExceptionRecord({ ...old, justification: 'nope' })).toThrow(/^justification:/);
  });

  it('checks the maximum expiry setting', () => {
    expect(resolveMaxExceptionDays(undefined)).toBe(90);
    expect(resolveMaxExceptionDays(30)).toBe(30);
    expect(() => resolveMaxExceptionDays(0)).toThrow(
      'maxExceptionDays: must be a whole number of days from 1 to 366, got 0',
    );
    expect(() => resolveMaxExceptionDays(12.5)).toThrow(/got 12\.5/);
  });
});

import {
  activeExceptionFor,
  exceptionCovers,
  exceptionState,
  exceptionsExpiringWithin,
  exceptionTargetOf,
  packageOfScope,
  planExceptionUpdates,
} from '@ecr-compliance/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, DIGEST, exception, finding, NOW } from './support.js';

const target = exceptionTargetOf(finding('CVE-2026-1000'));
if (!target) throw new Error('no target');

describe('matching a vulnerability of an image to exceptions', () => {
  it('reads the account, repository, digest, advisory and packages of a finding', () => {
    expect(target).toEqual({
      accountId: ACCOUNT,
      repositoryName: 'team-a/payments-api',
      imageDigest: DIGEST,
      vulnerabilityIds: ['CVE-2026-1000'],
      packages: [{ name: 'openssl', version: '1.1.1k-r0' }],
    });
  });

  it.each([
    ['the exact repository', { repositoryName: 'team-a/payments-api' }, true],
    ['another repository', { repositoryName: 'team-a/payments' }, false],
    ['a prefix of the name', { repositoryPrefix: 'team-a/' }, true],
    ['a prefix of another name', { repositoryPrefix: 'team-b/' }, false],
    ['every repository, asked for', { allRepositories: true as const }, true],
    ['the image digest', { repositoryName: 'team-a/payments-api', imageDigest: DIGEST }, true],
    [
      'another digest',
      { repositoryName: 'team-a/payments-api', imageDigest: `sha256:${'b'.repeat(64)}` },
      false,
    ],
    ['the package by name', { repositoryName: 'team-a/payments-api', package: 'openssl' }, true],
    ['another package', { repositoryName: 'team-a/payments-api', package: 'zlib' }, false],
    [
      'the package by PURL',
      { repositoryName: 'team-a/payments-api', package: 'pkg:apk/alpine/openssl@1.1.1k-r0?arch=x86_64' },
      true,
    ],
    [
      'a PURL of another version',
      { repositoryName: 'team-a/payments-api', package: 'pkg:apk/alpine/openssl@1.1.1l-r0' },
      false,
    ],
    [
      'a PURL without version',
      { repositoryName: 'team-a/payments-api', package: 'pkg:apk/alpine/openssl' },
      true,
    ],
  ])('a scope of %s: %s', (_, scope, covers) => {
    expect(exceptionCovers(exception({ scope: { accountId: ACCOUNT, ...scope } }), target)).toBe(covers);
  });

  it('never covers another account, even with every repository', () => {
    expect(
      exceptionCovers(exception({ scope: { accountId: '444455556666', allRepositories: true } }), target),
    ).toBe(false);
  });

  it('compares advisory ids without regard to case, and matches an alias', () => {
    expect(exceptionCovers(exception({ vulnerabilityId: 'cve-2026-1000' }), target)).toBe(true);
    expect(exceptionCovers(exception({ vulnerabilityId: 'GHSA-aaaa-bbbb-cccc' }), target)).toBe(false);
    expect(
      exceptionCovers(exception({ vulnerabilityId: 'GHSA-aaaa-bbbb-cccc' }), {
        ...target,
        vulnerabilityIds: ['CVE-2026-1000', 'GHSA-aaaa-bbbb-cccc'],
      }),
    ).toBe(true);
  });

  it('reads a PURL as its last name segment and version', () => {
    expect(packageOfScope('pkg:npm/%40babel/core@7.1.0')).toEqual({
      name: 'core',
      version: '7.1.0',
      path: '@babel/core',
    });
    expect(packageOfScope('pkg:golang/golang.org/x/net')).toEqual({ name: 'net', path: 'golang.org/x/net' });
    expect(packageOfScope('openssl')).toEqual({ name: 'openssl' });
  });

  it('is active from its creation up to, not including, its end; unreadable times are expired', () => {
    const e = exception({ createdAt: '2026-12-01T00:00:00Z', expiresAt: '2026-12-03T00:00:00Z' });
    expect(exceptionState(e, '2026-11-30T23:59:59Z')).toBe('not-yet');
    expect(exceptionState(e, '2026-12-01T00:00:00Z')).toBe('active');
    expect(exceptionState(e, '2026-12-02T23:59:59.999Z')).toBe('active');
    expect(exceptionState(e, '2026-12-03T00:00:00Z')).toBe('expired');
    expect(exceptionState({ ...e, expiresAt: 'soon' }, NOW)).toBe('expired');
  });

  it('picks the active exception that lasts longest, whatever the order', () => {
    const short = exception({ id: 'exc-short', expiresAt: '2026-12-20T00:00:00Z' });
    const long = exception({ id: 'exc-long', expiresAt: '2027-02-01T00:00:00Z' });
    expect(activeExceptionFor([short, long], target, NOW)?.id).toBe('exc-long');
    expect(activeExceptionFor([long, short], target, NOW)?.id).toBe('exc-long');
  });

  it('announces exceptions that end within seven days, not ended ones', () => {
    const soon = exception({ id: 'exc-soon', expiresAt: '2026-12-08T00:00:00Z' });
    const later = exception({ id: 'exc-later', expiresAt: '2026-12-20T00:00:00Z' });
    const ended = exception({ id: 'exc-ended', expiresAt: '2026-12-01T00:00:00Z' });
    expect(exceptionsExpiringWithin([soon, later, ended], NOW, 7).map((e) => e.id)).toEqual(['exc-soon']);
  });
});

describe('what exceptions do to findings', () => {
  it('suppresses a covered finding with a note naming the exception, owner, reason and end', () => {
    expect(
      planExceptionUpdates([finding('CVE-2026-1000'), finding('CVE-2026-2000')], [exception()], NOW),
    ).toEqual([
      {
        finding: { id: finding('CVE-2026-1000').Id, productArn: finding('CVE-2026-1000').ProductArn },
        status: 'SUPPRESSED',
        exceptionId: 'exc-1',
        note: 'Suppressed by exception exc-1 of team-a@example.com until 2027-01-01T12:00:00.000Z (vulnerable_code_not_in_execute_path): the TLS renegotiation path is never used',
      },
    ]);
  });

  it('leaves a finding already suppressed for the exception, an archived one, and a plain console suppression', () => {
    const marked = finding('CVE-2026-1000', {
      Workflow: { Status: 'SUPPRESSED' },
      UserDefinedFields: { 'ecr-compliance/ExceptionId': 'exc-1', 'ecr-compliance/ExceptionState': 'active' },
    });
    const archived = finding('CVE-2026-1000', { RecordState: 'ARCHIVED', repositoryName: 'team-a/old' });
    const console = finding('CVE-2026-1000', {
      Workflow: { Status: 'SUPPRESSED' },
      repositoryName: 'team-a/x',
    });
    const all = exception({ scope: { accountId: ACCOUNT, repositoryPrefix: 'team-a/' } });
    expect(planExceptionUpdates([marked, archived, console], [all], NOW)).toEqual([]);
  });

  it('gives a finding back to NEW when its exception expired, and says so', () => {
    const marked = finding('CVE-2026-1000', {
      Workflow: { Status: 'SUPPRESSED' },
      UserDefinedFields: { 'ecr-compliance/ExceptionId': 'exc-1', 'ecr-compliance/ExceptionState': 'active' },
    });
    const [update] = planExceptionUpdates([marked], [exception()], '2027-01-01T12:00:00.000Z');
    expect(update).toMatchObject({ status: 'NEW', exceptionId: 'exc-1' });
    expect(update?.note).toBe(
      'Exception exc-1 expired on 2027-01-01T12:00:00.000Z; the finding is NEW again and counts for blocking as any other (checked at 2027-01-01T12:00:00.000Z).',
    );
    expect(planExceptionUpdates([marked], [], NOW)[0]?.note).toMatch(/^Exception exc-1 was removed;/);
  });

  it('does not touch a plain console suppression when no exception holds', () => {
    expect(
      planExceptionUpdates([finding('CVE-2026-1000', { Workflow: { Status: 'SUPPRESSED' } })], [], NOW),
    ).toEqual([]);
  });
});

const isoBetween = (from: string, to: string) =>
  fc.date({ min: new Date(from), max: new Date(to), noInvalidDate: true }).map((d) => d.toISOString());

describe('property: an expired exception never suppresses', () => {
  it('holds for any exception, any finding state and any instant at or after the end', () => {
    fc.assert(
      fc.property(
        isoBetween('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'),
        fc.integer({ min: 1, max: 90 * 24 * 3600 }),
        fc.integer({ min: 0, max: 400 * 24 * 3600 }),
        fc.constantFrom('NEW', 'NOTIFIED', 'RESOLVED', 'SUPPRESSED'),
        fc.boolean(),
        fc.constantFrom<Record<string, unknown>>(
          { repositoryName: 'team-a/payments-api' },
          { repositoryPrefix: 'team-' },
          { allRepositories: true },
          { repositoryName: 'team-a/payments-api', package: 'openssl', imageDigest: DIGEST },
        ),
        (createdAt, lengthSeconds, afterSeconds, status, marked, scope) => {
          const expiresAt = new Date(Date.parse(createdAt) + lengthSeconds * 1000).toISOString();
          const now = new Date(Date.parse(expiresAt) + afterSeconds * 1000).toISOString();
          const e = exception({ createdAt, expiresAt, scope: { accountId: ACCOUNT, ...scope } });
          const f = finding('CVE-2026-1000', {
            Workflow: { Status: status },
            ...(marked
              ? {
                  UserDefinedFields: {
                    'ecr-compliance/ExceptionId': e.id,
                    'ecr-compliance/ExceptionState': 'active',
                  },
                }
              : {}),
          });
          expect(activeExceptionFor([e], target, now)).toBeUndefined();
          const updates = planExceptionUpdates([f], [e], now);
          expect(updates.every((u) => u.status === 'NEW')).toBe(true);
        },
      ),
    );
  });

  it('an active exception that covers a finding always ends suppressed or left to a person', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 89 * 24 * 3600 }), (seconds) => {
        const e = exception({ expiresAt: new Date(Date.parse(NOW) + seconds * 1000).toISOString() });
        const [u] = planExceptionUpdates([finding('CVE-2026-1000')], [e], NOW);
        expect(u?.status).toBe('SUPPRESSED');
      }),
    );
  });
});

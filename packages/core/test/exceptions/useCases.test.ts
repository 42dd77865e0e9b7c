import {
  type AsffFinding,
  addException,
  blockRepository,
  expireExceptions,
  type FindingsPublisher,
  type FindingsStore,
  type ImageIdentity,
  type ImageReference,
  imageArn,
  type PublishResult,
  ResourceNotFoundError,
  reconcileScan,
  remediateAutomatically,
  removeException,
  type ScanFindingsSource,
  type ScannedImage,
  type StoredFinding,
  toAsffFindings,
} from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { describe, expect, it } from 'vitest';
import { InMemoryAudit, InMemoryPolicies } from '../support/fakes.js';
import { asStoredBySecurityHub, fixture } from '../support/fixtures.js';
import { exception, InMemoryExceptions, InMemoryFindings } from './support.js';

const scanned = scannedImageFromEcr(fixture('ecr/basic-page.json'), { region: 'us-east-1' });
const HIGH_CVE = 'CVE-2024-6119';
const NOW = '2026-11-21T08:00:00.000Z';
const scope = { accountId: '111122223333', repositoryName: 'team-a/payments-api' };
const accepted = exception({
  vulnerabilityId: HIGH_CVE,
  scope,
  createdAt: '2026-11-21T07:00:00.000Z',
  expiresAt: '2026-12-21T08:00:00.000Z',
});
const { createdAt: _created, ...acceptedInput } = accepted;

/** Security Hub in memory: imports keep the customer's fields, only a later UpdatedAt updates. */
class Hub implements FindingsStore, FindingsPublisher, ScanFindingsSource {
  readonly stored = new Map<string, StoredFinding>();
  constructor(private readonly scan: ScannedImage = scanned) {}
  async getScan(_: ImageReference) {
    return this.scan;
  }
  async findingsOf(image: ImageIdentity) {
    return [...this.stored.values()].filter((f) =>
      (f.Resources as Array<{ Id: string }>).some((r) => r.Id === imageArn(image)),
    );
  }
  async publish(findings: readonly AsffFinding[]): Promise<PublishResult> {
    for (const f of findings) {
      const previous = this.stored.get(f.Id);
      if (previous && Date.parse(f.UpdatedAt) <= Date.parse(previous.UpdatedAt)) continue;
      this.stored.set(f.Id, {
        ...asStoredBySecurityHub(f),
        ...(previous ? { Workflow: previous.Workflow, UserDefinedFields: previous.UserDefinedFields } : {}),
      });
    }
    return { sent: findings.length, succeeded: findings.length, failed: [], requests: 1 };
  }
  image() {
    return [...this.stored.values()].find((f) => f.GeneratorId.endsWith('/image')) as StoredFinding & {
      Severity: { Label: string };
      ProductFields: Record<string, string>;
      Description: string;
    };
  }
}

describe('adding, removing and expiring an exception', () => {
  it('suppresses the existing finding it covers, with a note, and lowers the image finding', async () => {
    const hub = new Hub();
    await hub.publish(toAsffFindings(scanned));
    const findings = new InMemoryFindings([...hub.stored.values()] as never);
    const exceptions = new InMemoryExceptions();
    const change = await addException(
      { exceptions, findings, workflow: findings, images: { source: hub, store: hub, publisher: hub } },
      acceptedInput,
      { now: NOW },
    );
    expect(change.updates.map((u) => [u.status, u.finding.id.endsWith(HIGH_CVE)])).toEqual([
      ['SUPPRESSED', true],
    ]);
    expect(exceptions.records.has('exc-1')).toBe(true);
    expect(findings.notes.get(change.updates[0]?.finding.id ?? '')).toContain(
      'exc-1 of team-a@example.com until 2026-12-21T08:00:00.000Z',
    );
    expect(change.images.map((i) => i.outcome)).toEqual(['imported']);
    expect(hub.image().Severity.Label).toBe('MEDIUM');
    expect(hub.image().ProductFields['ecr-compliance/Count/EXCEPTED']).toBe('1');
    expect(hub.image().ProductFields['ecr-compliance/Count/HIGH']).toBe('0');
    expect(hub.image().Description).toContain(`1 more is excepted (accepted until an end date): ${HIGH_CVE}`);
    expect(hub.image().UpdatedAt).toBe(NOW);
  });

  it('re-evaluates only images ECR scanned, and skips one ECR has no scan of', async () => {
    const hub = new Hub();
    await hub.publish(toAsffFindings(scanned));
    const stored = [...hub.stored.values()];
    const trivy = stored.map((f) => ({
      ...f,
      Id: f.Id.replace('/ecr-basic/', '/trivy/'),
      GeneratorId: f.GeneratorId.replace('/ecr-basic', '/trivy'),
    }));
    const findings = new InMemoryFindings(trivy as never);
    const noScan = {
      ...hub,
      getScan: async () => Promise.reject(new ResourceNotFoundError('scan', 'no scan')),
    };
    const trivyOnly = await addException(
      {
        exceptions: new InMemoryExceptions(),
        findings,
        workflow: findings,
        images: { source: hub, store: hub, publisher: hub },
      },
      acceptedInput,
      { now: NOW },
    );
    expect(trivyOnly.updates).toHaveLength(1);
    expect(trivyOnly.images).toEqual([]);
    const ecrFindings = new InMemoryFindings(stored as never);
    const missing = await addException(
      {
        exceptions: new InMemoryExceptions(),
        findings: ecrFindings,
        workflow: ecrFindings,
        images: { source: noScan, store: hub, publisher: hub },
      },
      acceptedInput,
      { now: NOW },
    );
    expect(missing.images).toMatchObject([{ outcome: 'skipped', reason: 'no scan' }]);
  });

  it('with dryRun returns the findings that would change and changes nothing', async () => {
    const hub = new Hub();
    await hub.publish(toAsffFindings(scanned));
    const findings = new InMemoryFindings([...hub.stored.values()] as never);
    const exceptions = new InMemoryExceptions();
    const change = await addException({ exceptions, findings, workflow: findings }, acceptedInput, {
      now: NOW,
      dryRun: true,
    });
    expect(change.updates).toHaveLength(1);
    expect(findings.applied).toEqual([]);
    expect(exceptions.records.size).toBe(0);
  });

  it('refuses an id that exists', async () => {
    const findings = new InMemoryFindings();
    const deps = { exceptions: new InMemoryExceptions([accepted]), findings, workflow: findings };
    await expect(addException(deps, acceptedInput, { now: NOW })).rejects.toThrow(
      'id: an exception exc-1 exists already',
    );
  });

  it('on removal gives the findings back to NEW and the image finding its severity', async () => {
    const hub = new Hub();
    await hub.publish(toAsffFindings(scanned));
    const findings = new InMemoryFindings([...hub.stored.values()] as never);
    const exceptions = new InMemoryExceptions();
    const images = { source: hub, store: hub, publisher: hub };
    await addException({ exceptions, findings, workflow: findings, images }, acceptedInput, { now: NOW });
    const later = '2026-11-22T08:00:00.000Z';
    const removed = await removeException({ exceptions, findings, workflow: findings, images }, 'exc-1', {
      now: later,
    });
    expect(removed.updates.map((u) => u.status)).toEqual(['NEW']);
    expect(removed.updates[0]?.note).toMatch(/^Exception exc-1 was removed;/);
    expect(exceptions.records.size).toBe(0);
    expect(hub.image().Severity.Label).toBe('HIGH');
    expect(hub.image().UpdatedAt).toBe(later);
  });

  it('at expiry gives the findings back, removes the exception, and announces those ending within 7 days once', async () => {
    const hub = new Hub();
    await hub.publish(toAsffFindings(scanned));
    const findings = new InMemoryFindings([...hub.stored.values()] as never);
    const soon = exception({
      id: 'exc-soon',
      vulnerabilityId: 'CVE-2023-50495',
      scope,
      expiresAt: '2026-12-25T00:00:00.000Z',
    });
    const exceptions = new InMemoryExceptions([soon]);
    const images = { source: hub, store: hub, publisher: hub };
    await addException({ exceptions, findings, workflow: findings, images }, acceptedInput, { now: NOW });
    const atEnd = '2026-12-21T08:00:00.000Z';
    const result = await expireExceptions({ exceptions, findings, workflow: findings, images }, [], {
      now: atEnd,
    });
    expect(result.expired.map((e) => e.id)).toEqual(['exc-1']);
    // exc-1 ended; exc-soon still holds and covers the MEDIUM finding, which no scan suppressed yet.
    expect(result.updates.map((u) => [u.status, u.exceptionId]).sort()).toEqual([
      ['NEW', 'exc-1'],
      ['SUPPRESSED', 'exc-soon'],
    ]);
    expect(result.expiring.map((e) => e.id)).toEqual(['exc-soon']);
    expect([...exceptions.records.keys()]).toEqual(['exc-soon']);
    expect(hub.image().Severity.Label).toBe('HIGH');
    expect(hub.image().ProductFields['ecr-compliance/Count/EXCEPTED']).toBe('1');
    await exceptions.markAnnounced('exc-soon');
    const again = await expireExceptions({ exceptions, findings, workflow: findings }, [], { now: atEnd });
    expect(again.expiring).toEqual([]);
    expect(again.updates).toEqual([]);
  });
});

describe('a later scan with exceptions', () => {
  it('imports the covered finding and then suppresses it; the image finding counts it apart', async () => {
    const hub = new Hub();
    const findings = new InMemoryFindings();
    const result = await reconcileScan(
      { source: hub, store: hub, publisher: hub, workflow: findings },
      { repositoryName: scanned.repositoryName, imageDigest: scanned.imageDigest },
      { now: NOW, exceptions: [accepted] },
    );
    expect(result).toMatchObject({
      outcome: 'imported',
      exceptions: { suppressed: 1, restored: 0, failed: 0 },
    });
    expect(findings.applied[0]?.finding.id.endsWith(HIGH_CVE)).toBe(true);
    expect(hub.image().Severity.Label).toBe('MEDIUM');
  });

  it('writes nothing for a finding already suppressed for that exception', async () => {
    const hub = new Hub();
    const findings = new InMemoryFindings();
    const deps = { source: hub, store: hub, publisher: hub, workflow: findings };
    const image = { repositoryName: scanned.repositoryName, imageDigest: scanned.imageDigest };
    await reconcileScan(deps, image, { now: NOW, exceptions: [accepted] });
    for (const u of findings.applied) {
      const f = hub.stored.get(u.finding.id) as StoredFinding;
      hub.stored.set(u.finding.id, {
        ...f,
        Workflow: { Status: 'SUPPRESSED' },
        UserDefinedFields: {
          'ecr-compliance/ExceptionId': 'exc-1',
          'ecr-compliance/ExceptionState': 'active',
        },
      });
    }
    const next = { ...scanned, scanCompletedAt: '2026-11-21T07:30:00.000Z' };
    const hub2 = Object.assign(new Hub(next), { stored: hub.stored });
    const again = await reconcileScan({ ...deps, source: hub2 }, image, {
      now: NOW,
      exceptions: [accepted],
      keepAliveDays: 0,
    });
    expect(again).toMatchObject({ outcome: 'imported' });
    expect(again.outcome === 'imported' && again.exceptions).toEqual({
      suppressed: 0,
      restored: 0,
      failed: 0,
    });
  });
});

describe("a person's click and exceptions", () => {
  it('still blocks from a suppressed, excepted finding, and the note says the exception exists', async () => {
    const stored = toAsffFindings(scanned).map(asStoredBySecurityHub);
    const high = {
      ...(stored.find((f) => f.Vulnerabilities?.[0]?.Id === HIGH_CVE) as StoredFinding),
      Workflow: { Status: 'SUPPRESSED' },
      UserDefinedFields: { 'ecr-compliance/ExceptionId': 'exc-1', 'ecr-compliance/ExceptionState': 'active' },
    };
    const policies = new InMemoryPolicies();
    const audit = new InMemoryAudit();
    const outcome = await blockRepository(
      { policies, audit },
      high,
      { accountId: '111122223333' },
      {
        actor: 'arn:aws:securityhub:us-east-1:111122223333:action/custom/ECR1',
        now: NOW,
      },
    );
    expect(outcome).toMatchObject({ status: 'blocked', changed: true });
    expect(audit.entries[0]?.entry.outcome).toBe(
      "pulls denied (exception exc-1 covers this finding; a person's block goes ahead)",
    );
  });
});

describe('automatic remediation and exceptions', () => {
  const stored = toAsffFindings(scanned).map(asStoredBySecurityHub);
  const imageFinding = stored.find((f) => f.GeneratorId.endsWith('/image')) as StoredFinding;
  const config = { accountId: '111122223333', region: 'us-east-1', block: true, unblock: false } as const;
  const context = { actor: 'ecr-compliance automatic remediation', now: NOW };

  it('does not block when the only vulnerability at or above the threshold is excepted', async () => {
    const policies = new InMemoryPolicies();
    const outcome = await remediateAutomatically(
      { policies, scans: new Hub(), exceptions: new InMemoryExceptions([accepted]) },
      imageFinding,
      config,
      context,
    );
    expect(outcome).toMatchObject({ status: 'skipped' });
    expect(outcome.status === 'skipped' && outcome.reason).toMatch(
      /shows nothing at or above HIGH \(highest: MEDIUM\)/,
    );
    expect(policies.writes).toEqual([]);
  });

  it('blocks once the exception has expired', async () => {
    const policies = new InMemoryPolicies();
    const outcome = await remediateAutomatically(
      { policies, scans: new Hub(), exceptions: new InMemoryExceptions([accepted]) },
      imageFinding,
      config,
      { ...context, now: accepted.expiresAt },
    );
    expect(outcome).toMatchObject({ status: 'blocked', changed: true });
  });
});

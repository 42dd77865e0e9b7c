import {
  type AsffFinding,
  archiveImageFindings,
  assertAsffFinding,
  type FindingsPublisher,
  type FindingsStore,
  type ImageIdentity,
  imageArn,
  type PublishResult,
  reconcileScan,
  type ScanFindingsSource,
  type ScannedImage,
  type StoredFinding,
  scannedImageFromEcr,
} from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import { asStoredBySecurityHub, fixture } from './support/fixtures.js';

const base = scannedImageFromEcr(fixture('ecr/basic-page.json'), { region: 'us-east-1' });
const [HIGH_CVE, MEDIUM_CVE] = base.vulnerabilities.map((v) => v.id) as [string, string];

/** The image scanned at `at`, reporting only the vulnerabilities `ids`. */
function scanAt(at: string, ids: readonly string[] = [HIGH_CVE, MEDIUM_CVE]): ScannedImage {
  return {
    ...base,
    scanCompletedAt: at,
    vulnerabilities: base.vulnerabilities.filter((v) => ids.includes(v.id)),
  };
}

/**
 * Security Hub in memory, with the rules that matter here (AWS-FACTS §3.5): a finding is updated
 * only by a strictly later UpdatedAt, and what is read back carries the fields Security Hub adds.
 */
class InMemorySecurityHub implements FindingsStore, FindingsPublisher {
  readonly findings = new Map<string, AsffFinding>();
  readonly imports: AsffFinding[][] = [];
  reads = 0;

  async findingsOf(image: ImageIdentity): Promise<readonly StoredFinding[]> {
    this.reads += 1;
    return [...this.findings.values()]
      .filter((f) => f.Resources.some((r) => r.Id === imageArn(image)))
      .map((f) => ({
        ...asStoredBySecurityHub(f),
        Severity: { ...f.Severity, Normalized: 70 },
        Note: { Text: 'looked at it', UpdatedBy: 'someone' },
        UserDefinedFields: { team: 'payments' },
      }));
  }

  async publish(findings: readonly AsffFinding[]): Promise<PublishResult> {
    this.imports.push([...findings]);
    for (const f of findings) {
      assertAsffFinding(f);
      const stored = this.findings.get(f.Id);
      if (!stored || Date.parse(f.UpdatedAt) > Date.parse(stored.UpdatedAt)) this.findings.set(f.Id, f);
    }
    return { sent: findings.length, succeeded: findings.length, failed: [], requests: 1 };
  }

  get(vulnerabilityId: string): AsffFinding | undefined {
    return [...this.findings.values()].find((f) => f.Vulnerabilities?.[0]?.Id === vulnerabilityId);
  }

  image(): AsffFinding | undefined {
    return [...this.findings.values()].find((f) => f.GeneratorId.endsWith('/image'));
  }
}

function world() {
  const hub = new InMemorySecurityHub();
  let next: ScannedImage = scanAt('2026-11-20T10:00:00.000Z');
  const source: ScanFindingsSource = { getScan: async () => next };
  const deps = { source, store: hub, publisher: hub };
  const ref = { repositoryName: base.repositoryName, imageDigest: base.imageDigest };
  return {
    hub,
    scan: (scanned: ScannedImage) => {
      next = scanned;
      return reconcileScan(deps, ref);
    },
    remove: (at: string) => archiveImageFindings({ store: hub, publisher: hub }, base, at),
  };
}

const T1 = '2026-11-20T10:00:00.000Z';
const T2 = '2026-11-21T10:00:00.000Z';
const T3 = '2026-11-22T10:00:00.000Z';
const T4 = '2026-11-23T09:30:00Z';

describe('reconcileScan', () => {
  it('imports every finding of a new image as created', async () => {
    const { hub, scan } = world();
    const result = await scan(scanAt(T1));
    expect(result).toMatchObject({
      outcome: 'imported',
      findings: 3,
      created: 3,
      reactivated: 0,
      archived: 0,
    });
    expect([...hub.findings.values()].every((f) => f.RecordState === 'ACTIVE')).toBe(true);
  });

  it('archives the finding of a fixed vulnerability with the re-scan time and keeps its CreatedAt', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    const result = await scan(scanAt(T2, [HIGH_CVE]));

    expect(result).toMatchObject({ outcome: 'imported', findings: 2, created: 0, archived: 1 });
    expect(hub.get(MEDIUM_CVE)).toMatchObject({
      RecordState: 'ARCHIVED',
      UpdatedAt: T2,
      CreatedAt: T1,
      FirstObservedAt: T1,
      LastObservedAt: T1,
    });
    expect(hub.get(HIGH_CVE)).toMatchObject({
      RecordState: 'ACTIVE',
      UpdatedAt: T2,
      CreatedAt: T1,
      FirstObservedAt: T1,
    });
    expect(hub.image()).toMatchObject({ RecordState: 'ACTIVE', UpdatedAt: T2, CreatedAt: T1 });
    expect(hub.image()?.Description).toContain('found 1 distinct vulnerability');
  });

  it('re-imports an archived finding without what Security Hub added, with the provider severity and types', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    await scan(scanAt(T2, [HIGH_CVE]));
    const archived = hub.imports[1]?.find((f) => f.RecordState === 'ARCHIVED') as unknown as Record<
      string,
      unknown
    >;
    for (const added of ['Workflow', 'WorkflowState', 'ProcessedAt', 'Note', 'UserDefinedFields'])
      expect(archived).not.toHaveProperty(added);
    expect(Object.keys(archived.ProductFields as object).some((k) => k.startsWith('aws/'))).toBe(false);
    expect(archived.Severity).toEqual({ Label: 'MEDIUM', Original: 'MEDIUM' });
  });

  it('re-activates a vulnerability that comes back, with the CreatedAt of its first observation', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    await scan(scanAt(T2, [HIGH_CVE]));
    const result = await scan(scanAt(T3));

    expect(result).toMatchObject({ outcome: 'imported', created: 0, reactivated: 1, archived: 0 });
    expect(hub.get(MEDIUM_CVE)).toMatchObject({
      RecordState: 'ACTIVE',
      UpdatedAt: T3,
      CreatedAt: T1,
      FirstObservedAt: T1,
      LastObservedAt: T3,
    });
  });

  it('changes nothing for an older scan that arrives after a newer one, and never re-activates', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    await scan(scanAt(T2, [HIGH_CVE]));
    const imports = hub.imports.length;

    const result = await scan(scanAt(T1));

    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('not later') });
    expect(hub.imports).toHaveLength(imports);
    expect(hub.get(MEDIUM_CVE)?.RecordState).toBe('ARCHIVED');
  });

  it('changes nothing for the same scan twice', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    await scan(scanAt(T2, [HIGH_CVE]));
    const before = structuredClone([...hub.findings.values()]);

    expect(await scan(scanAt(T2, [HIGH_CVE]))).toMatchObject({ outcome: 'skipped' });
    expect([...hub.findings.values()]).toEqual(before);
    expect(hub.imports).toHaveLength(2);
  });

  it('compares timestamps as instants, not as strings of different precision', async () => {
    const { hub, scan } = world();
    await scan(scanAt('2026-11-20T10:00:00.500Z'));
    // "10:00:00Z" sorts after "10:00:00.500Z" as a string, but is the earlier instant.
    expect(await scan(scanAt('2026-11-20T10:00:00Z', [HIGH_CVE]))).toMatchObject({ outcome: 'skipped' });
    expect(hub.imports).toHaveLength(1);
  });

  it('archives only the findings of the scanner and granularity it reconciles', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    const other = {
      ...hub.get(HIGH_CVE),
      Id: 'ecr-compliance/trivy/x',
      GeneratorId: 'ecr-compliance/trivy',
    } as AsffFinding;
    hub.findings.set(other.Id, other);
    await scan(scanAt(T2, []));
    expect(hub.findings.get(other.Id)?.RecordState).toBe('ACTIVE');
    expect(hub.get(HIGH_CVE)?.RecordState).toBe('ARCHIVED');
    expect(hub.image()?.RecordState).toBe('ACTIVE');
  });
});

describe('archiveImageFindings', () => {
  it('archives every active finding of a deleted image with the deletion time', async () => {
    const { hub, scan, remove } = world();
    await scan(scanAt(T1));
    await scan(scanAt(T2, [HIGH_CVE]));

    const result = await remove(T4);

    expect(result).toMatchObject({ outcome: 'archived', archived: 2 });
    expect([...hub.findings.values()].map((f) => [f.RecordState, f.CreatedAt])).toEqual([
      ['ARCHIVED', T1],
      ['ARCHIVED', T1],
      ['ARCHIVED', T1],
    ]);
    expect(hub.image()?.UpdatedAt).toBe(T4);
    expect(hub.get(MEDIUM_CVE)?.UpdatedAt).toBe(T2);
  });

  it('skips a deletion not later than the stored findings, and a repeated one', async () => {
    const { hub, scan, remove } = world();
    await scan(scanAt(T2));
    expect(await remove(T1)).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('not later'),
    });
    expect(await remove(T4)).toMatchObject({ outcome: 'archived', archived: 3 });
    expect(await remove(T4)).toMatchObject({ outcome: 'skipped' });
    expect(hub.imports).toHaveLength(2);
  });

  it('skips an image without findings of ours', async () => {
    const { remove } = world();
    expect(await remove(T4)).toMatchObject({
      outcome: 'skipped',
      reason: 'the image has no findings of ecr-compliance',
    });
  });

  it('then ignores a late scan event of the deleted image', async () => {
    const { hub, scan, remove } = world();
    await scan(scanAt(T1));
    await remove(T4);
    expect(await scan(scanAt(T3))).toMatchObject({ outcome: 'skipped' });
    expect([...hub.findings.values()].every((f) => f.RecordState === 'ARCHIVED')).toBe(true);
  });
});

import {
  type AsffFinding,
  archiveImageFindings,
  assertAsffFinding,
  FINGERPRINT_FIELD,
  type FindingsPublisher,
  type FindingsStore,
  findingFingerprint,
  type ImageIdentity,
  InvalidInputError,
  imageArn,
  PublishError,
  type PublishResult,
  type ReconcileScanOptions,
  reconcileScan,
  type ScanFindingsSource,
  type ScannedImage,
  type StoredFinding,
  type Vulnerability,
} from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import fc from 'fast-check';
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

  /** `withoutFingerprints`: reads findings back as an earlier version of this tool stored them. */
  constructor(private readonly options: { readonly withoutFingerprints?: boolean } = {}) {}

  async findingsOf(image: ImageIdentity): Promise<readonly StoredFinding[]> {
    this.reads += 1;
    return [...this.findings.values()]
      .filter((f) => f.Resources.some((r) => r.Id === imageArn(image)))
      .map((f) => {
        const { [FINGERPRINT_FIELD]: _stamp, ...fields } = f.ProductFields;
        const kept = this.options.withoutFingerprints ? fields : f.ProductFields;
        return {
          ...asStoredBySecurityHub({ ...f, ProductFields: kept }),
          Severity: { ...f.Severity, Normalized: 70 },
          Note: { Text: 'looked at it', UpdatedBy: 'someone' },
          UserDefinedFields: { team: 'payments' },
        };
      });
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

/** Security Hub whose next import of one vulnerability's finding fails once (as a throttled or invalid finding would). */
class FailingOnceSecurityHub extends InMemorySecurityHub {
  constructor(public failNext: string | undefined) {
    super();
  }

  override async publish(findings: readonly AsffFinding[]): Promise<PublishResult> {
    const failing = findings.filter((f) => f.Vulnerabilities?.[0]?.Id === (this.failNext ?? null));
    if (failing.length > 0) this.failNext = undefined;
    const result = await super.publish(findings.filter((f) => !failing.includes(f)));
    return {
      ...result,
      sent: findings.length,
      failed: failing.map((f) => ({ id: f.Id, errorCode: 'InvalidInput', errorMessage: 'refused once' })),
    };
  }
}

function world(options: ReconcileScanOptions = {}, hub = new InMemorySecurityHub()) {
  let next: ScannedImage = scanAt('2026-11-20T10:00:00.000Z');
  const source: ScanFindingsSource = { getScan: async () => next };
  const deps = { source, store: hub, publisher: hub };
  const ref = { repositoryName: base.repositoryName, imageDigest: base.imageDigest };
  return {
    hub,
    scan: (scanned: ScannedImage) => {
      next = scanned;
      return reconcileScan(deps, ref, { ...options, now: NOW });
    },
    remove: (at: string) => archiveImageFindings({ store: hub, publisher: hub }, base, at, NOW),
  };
}

const T1 = '2026-11-20T10:00:00.000Z';
const T2 = '2026-11-21T10:00:00.000Z';
const T3 = '2026-11-22T10:00:00.000Z';
const T4 = '2026-11-23T09:30:00Z';
/** The present of every test: later than every scan and deletion of this file. */
const NOW = '2030-01-01T00:00:00.000Z';

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

  it('refuses, naming the field, an image from the source that is not a valid scanned image, importing nothing', async () => {
    const { hub, scan } = world();
    await expect(scan({ ...scanAt(T1), scanCompletedAt: 'yesterday' })).rejects.toThrow(
      /^scanCompletedAt: .* \(in scanned image\)$/,
    );
    expect(hub.findings.size).toBe(0);
  });

  it("names the block action of the options in the image finding's recommendation", async () => {
    const { hub, scan } = world({ blockAction: { id: 'Quarantine', name: 'Quarantine image' } });
    await scan(scanAt(T1));
    const image = [...hub.findings.values()].find((f) => f.GeneratorId.endsWith('/image'));
    expect(image?.Remediation?.Recommendation?.Text).toContain('"Quarantine image" (Quarantine)');
  });

  it('archives the finding of a fixed vulnerability with the re-scan time and keeps its CreatedAt', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    const result = await scan(scanAt(T2, [HIGH_CVE]));

    expect(result).toMatchObject({ outcome: 'imported', findings: 2, created: 0, unchanged: 1, archived: 1 });
    expect(hub.imports[1]?.map((f) => [f.Vulnerabilities?.[0]?.Id ?? 'image', f.RecordState])).toEqual([
      ['image', 'ACTIVE'],
      [MEDIUM_CVE, 'ARCHIVED'],
    ]);
    expect(hub.get(MEDIUM_CVE)).toMatchObject({
      RecordState: 'ARCHIVED',
      UpdatedAt: T2,
      CreatedAt: T1,
      FirstObservedAt: T1,
      LastObservedAt: T1,
    });
    // Unchanged, so left as the first scan imported it.
    expect(hub.get(HIGH_CVE)).toMatchObject({
      RecordState: 'ACTIVE',
      UpdatedAt: T1,
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
    const archived = hub.get(MEDIUM_CVE);
    const result = await scan(scanAt(T3));

    expect(result).toMatchObject({
      outcome: 'imported',
      created: 0,
      reactivated: 1,
      unchanged: 1,
      archived: 0,
    });
    // Imported although its content, and so its fingerprint, is the same as the archived one's.
    expect(hub.get(MEDIUM_CVE)?.ProductFields[FINGERPRINT_FIELD]).toBe(
      archived?.ProductFields[FINGERPRINT_FIELD],
    );
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

    expect(result).toMatchObject({ outcome: 'skipped', reason: expect.stringContaining('an older event') });
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

  it('imports on a redriven event only what the failed first run did not land, then nothing', async () => {
    const hub = new FailingOnceSecurityHub(MEDIUM_CVE);
    const { scan } = world({}, hub);
    await expect(scan(scanAt(T1))).rejects.toBeInstanceOf(PublishError);
    expect(hub.get(MEDIUM_CVE)).toBeUndefined();
    expect(hub.get(HIGH_CVE)?.UpdatedAt).toBe(T1);

    // The failed event is redriven: the same scan, under the same or another event id.
    const redriven = await scan(scanAt(T1));

    expect(redriven).toMatchObject({ outcome: 'imported', created: 1, unchanged: 2, archived: 0 });
    expect(hub.imports.at(-1)?.map((f) => f.Vulnerabilities?.[0]?.Id ?? 'image')).toEqual([MEDIUM_CVE]);
    expect(hub.get(MEDIUM_CVE)).toMatchObject({ RecordState: 'ACTIVE', UpdatedAt: T1 });
    const imports = hub.imports.length;
    expect(await scan(scanAt(T1))).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('a repeated event'),
    });
    expect(hub.imports).toHaveLength(imports);
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

const DAY = 24 * 60 * 60 * 1000;
const daysAfter = (at: string, days: number) => new Date(Date.parse(at) + days * DAY).toISOString();
const kind = (f: AsffFinding) => f.Vulnerabilities?.[0]?.Id ?? 'image';

/** The scan at `at` with the vulnerability `id` changed by `change`. */
function changed(at: string, id: string, change: (v: Vulnerability) => Vulnerability): ScannedImage {
  const scanned = scanAt(at);
  return { ...scanned, vulnerabilities: scanned.vulnerabilities.map((v) => (v.id === id ? change(v) : v)) };
}

describe('reconcileScan: what a re-scan imports', () => {
  it('imports only the image finding for an unchanged re-scan, and counts the others as unchanged', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    const result = await scan(scanAt(T2));

    expect(result).toMatchObject({
      outcome: 'imported',
      findings: 3,
      created: 0,
      reactivated: 0,
      unchanged: 2,
      archived: 0,
      publish: { sent: 1, succeeded: 1 },
    });
    expect(hub.imports[1]?.map(kind)).toEqual(['image']);
    // The image finding says when the image was last scanned; the others when they last changed.
    expect(hub.image()).toMatchObject({ UpdatedAt: T2, LastObservedAt: T2, CreatedAt: T1 });
    expect(hub.get(HIGH_CVE)).toMatchObject({ UpdatedAt: T1, LastObservedAt: T1, RecordState: 'ACTIVE' });
    expect(hub.get(MEDIUM_CVE)).toMatchObject({ UpdatedAt: T1, LastObservedAt: T1, RecordState: 'ACTIVE' });
  });

  it.each<[string, (v: Vulnerability) => Vulnerability]>([
    ['its severity', (v) => ({ ...v, severity: 'CRITICAL', originalSeverity: 'CRITICAL' })],
    [
      'the fixed version of a package',
      (v) => ({ ...v, packages: v.packages.map((p) => ({ ...p, fixedInVersion: '3.0.15-1~deb12u1' })) }),
    ],
    ['its description', (v) => ({ ...v, description: 'Denial of service in X.509 name checks (updated).' })],
    ['a CVSS score', (v) => ({ ...v, cvss: v.cvss.map((c) => ({ ...c, baseScore: 7.5 })) })],
  ])(
    'imports a finding again when %s changed, and only that one with the image finding',
    async (_, change) => {
      const { hub, scan } = world();
      await scan(scanAt(T1));
      const before = hub.get(HIGH_CVE);
      const result = await scan(changed(T2, HIGH_CVE, change));

      expect(result).toMatchObject({ outcome: 'imported', created: 0, unchanged: 1, archived: 0 });
      expect(hub.imports[1]?.map(kind)).toEqual([HIGH_CVE, 'image']);
      expect(hub.get(HIGH_CVE)).toMatchObject({ UpdatedAt: T2, CreatedAt: T1, FirstObservedAt: T1 });
      expect(hub.get(HIGH_CVE)?.ProductFields[FINGERPRINT_FIELD]).not.toBe(
        before?.ProductFields[FINGERPRINT_FIELD],
      );
      expect(hub.get(MEDIUM_CVE)?.UpdatedAt).toBe(T1);
    },
  );

  it('imports every finding again when the image tags changed (every finding shows them)', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    const result = await scan({ ...scanAt(T2), imageTags: ['1.8.2', 'latest'] });
    expect(result).toMatchObject({ outcome: 'imported', unchanged: 0 });
    expect(hub.imports[1]?.map(kind)).toEqual([HIGH_CVE, MEDIUM_CVE, 'image']);
  });

  it('leaves an unchanged finding alone when only the date of the vulnerability database moved', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    const result = await scan({ ...scanAt(T2), vulnerabilitySourceUpdatedAt: '2026-11-21T06:00:00Z' });
    expect(result).toMatchObject({ outcome: 'imported', unchanged: 2 });
    expect(hub.image()?.ProductFields['ecr-compliance/VulnerabilitySourceUpdatedAt']).toBe(
      '2026-11-21T06:00:00Z',
    );
  });

  it('imports an unchanged finding again once its last update is the keep-alive age old (30 days)', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    const justBefore = new Date(Date.parse(T1) + 30 * DAY - 1).toISOString();
    expect(await scan(scanAt(justBefore))).toMatchObject({ unchanged: 2, publish: { sent: 1 } });

    const result = await scan(scanAt(daysAfter(T1, 30)));

    expect(result).toMatchObject({ outcome: 'imported', created: 0, unchanged: 0, publish: { sent: 3 } });
    expect(hub.get(HIGH_CVE)).toMatchObject({
      UpdatedAt: daysAfter(T1, 30),
      LastObservedAt: daysAfter(T1, 30),
      CreatedAt: T1,
      FirstObservedAt: T1,
    });
    // Refreshed, the findings are left alone again for another 30 days.
    expect(await scan(scanAt(daysAfter(T1, 59)))).toMatchObject({ unchanged: 2, publish: { sent: 1 } });
  });

  it('takes the keep-alive age from the options; 0 imports every finding on every scan', async () => {
    const weekly = world({ keepAliveDays: 7 });
    await weekly.scan(scanAt(T1));
    expect(await weekly.scan(scanAt(daysAfter(T1, 6)))).toMatchObject({ unchanged: 2 });
    expect(await weekly.scan(scanAt(daysAfter(T1, 7)))).toMatchObject({ unchanged: 0, publish: { sent: 3 } });

    const always = world({ keepAliveDays: 0 });
    await always.scan(scanAt(T1));
    expect(await always.scan(scanAt(T2))).toMatchObject({ unchanged: 0, publish: { sent: 3 } });
  });

  it.each([-1, 12.5, 90, 365, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses a keep-alive age of %s days before any call',
    async (keepAliveDays) => {
      const hub = new InMemorySecurityHub();
      let scans = 0;
      const source: ScanFindingsSource = {
        getScan: async () => {
          scans += 1;
          return scanAt(T1);
        },
      };
      const run = reconcileScan({ source, store: hub, publisher: hub }, base, { keepAliveDays, now: NOW });
      await expect(run).rejects.toThrow(InvalidInputError);
      await expect(run).rejects.toThrow(/^keepAliveDays: must be a whole number of days from 0 to 89 /);
      expect([scans, hub.reads, hub.imports.length]).toEqual([0, 0, 0]);
    },
  );

  it("imports every finding on every scan with granularity 'vulnerability' (no image finding marks the scan)", async () => {
    const { hub, scan } = world({ granularity: 'vulnerability' });
    await scan(scanAt(T1));
    const result = await scan(scanAt(T2));
    expect(result).toMatchObject({ outcome: 'imported', findings: 2, unchanged: 0, publish: { sent: 2 } });
    expect(hub.get(HIGH_CVE)?.UpdatedAt).toBe(T2);
    // ...and so the older and repeated events are still recognised.
    expect(await scan(scanAt(T2))).toMatchObject({ outcome: 'skipped' });
    expect(await scan(scanAt(T1))).toMatchObject({ outcome: 'skipped' });
  });

  it("imports the one image finding on every scan with granularity 'image'", async () => {
    const { hub, scan } = world({ granularity: 'image' });
    await scan(scanAt(T1));
    expect(await scan(scanAt(T2))).toMatchObject({ findings: 1, unchanged: 0, publish: { sent: 1 } });
    expect(hub.image()?.UpdatedAt).toBe(T2);
  });

  it('imports again a finding stored without a fingerprint (imported by an earlier version)', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    const high = hub.get(HIGH_CVE) as AsffFinding;
    const { [FINGERPRINT_FIELD]: _, ...fields } = high.ProductFields;
    hub.findings.set(high.Id, { ...high, ProductFields: fields });

    expect(await scan(scanAt(T2))).toMatchObject({ unchanged: 1 });
    expect(hub.imports[1]?.map(kind)).toEqual([HIGH_CVE, 'image']);
    expect(hub.get(HIGH_CVE)?.ProductFields[FINGERPRINT_FIELD]).toBe(findingFingerprint(high));
  });

  it('imports every finding again when the store holds none with a fingerprint', async () => {
    const { scan } = world({}, new InMemorySecurityHub({ withoutFingerprints: true }));
    await scan(scanAt(T1));
    expect(await scan(scanAt(T2))).toMatchObject({ unchanged: 0, publish: { sent: 3 } });
  });

  it('stamps every imported finding with the fingerprint of its content, within the ASFF limits', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    await scan(changed(T2, HIGH_CVE, (v) => ({ ...v, severity: 'CRITICAL' })));
    await scan(scanAt(T3, [MEDIUM_CVE]));
    const imported = hub.imports.flat();
    expect(imported.map(kind)).toEqual([HIGH_CVE, MEDIUM_CVE, 'image', HIGH_CVE, 'image', 'image', HIGH_CVE]);
    for (const f of imported) {
      expect(f.ProductFields[FINGERPRINT_FIELD], f.Id).toBe(findingFingerprint(f));
      assertAsffFinding(f);
    }
  });

  it('still skips an older event that arrives after an unchanged re-scan, though it reports something else', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    await scan(scanAt(T3));
    // Only the image finding carries T3; the vulnerability findings still say T1. The scan of T2,
    // arriving late, reported the medium one fixed: it must not archive it, as T3 reports it.
    const result = await scan(scanAt(T2, [HIGH_CVE]));

    expect(result).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('updated 2026-11-22'),
    });
    expect(hub.get(MEDIUM_CVE)?.RecordState).toBe('ACTIVE');
    expect(hub.imports).toHaveLength(2);
  });

  it('still skips the same unchanged re-scan delivered twice', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    await scan(scanAt(T2));
    const before = structuredClone([...hub.findings.values()]);
    expect(await scan(scanAt(T2))).toMatchObject({ outcome: 'skipped' });
    expect([...hub.findings.values()]).toEqual(before);
    expect(hub.imports).toHaveLength(2);
  });
});

/** A vulnerability of the property below: one of four advisories, in one of two versions of its content. */
const VARIANTS = ['CVE-2026-0001', 'CVE-2026-0002', 'CVE-2026-0003', 'CVE-2026-0004'].flatMap((id) =>
  (['LOW', 'HIGH'] as const).map(
    (severity): Vulnerability => ({
      id,
      severity,
      originalSeverity: severity,
      packages: [{ name: 'openssl', version: '3.0.13-1' }],
      cvss: [],
      referenceUrls: [],
      relatedVulnerabilities: [],
    }),
  ),
);

const scanEvent = fc.record({
  day: fc.integer({ min: 0, max: 120 }),
  variants: fc.uniqueArray(fc.integer({ min: 0, max: VARIANTS.length - 1 }), {
    selector: (i) => (VARIANTS[i] as Vulnerability).id,
    maxLength: 4,
  }),
});

/** What Security Hub shows of a finding, without the times a cheap re-scan leaves behind. */
function shown(f: AsffFinding) {
  const { UpdatedAt: _u, LastObservedAt: _l, ProductFields, ...rest } = f;
  const { [FINGERPRINT_FIELD]: _f, ...fields } = ProductFields;
  return { ...rest, ProductFields: fields, fingerprint: findingFingerprint(f) };
}

describe('reconcileScan: property', () => {
  it('leaves Security Hub showing what importing everything shows, whatever the order of the events, with fewer imports', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(scanEvent, { minLength: 1, maxLength: 8 }), async (events) => {
        const cheap = world();
        // The reference imports every finding on every scan, as this tool did before fingerprints.
        const everything = world(
          { keepAliveDays: 0 },
          new InMemorySecurityHub({ withoutFingerprints: true }),
        );
        // Two events of one scan time are the same scan (repeated or redriven): the same findings.
        const scanOfDay = new Map<number, readonly number[]>();
        for (const { day, variants: drawn } of events) {
          const variants = scanOfDay.get(day) ?? drawn;
          scanOfDay.set(day, variants);
          const scanned: ScannedImage = {
            ...base,
            scanCompletedAt: daysAfter(T1, day),
            vulnerabilities: variants.map((i) => VARIANTS[i] as Vulnerability),
          };
          const [a, b] = [await cheap.scan(scanned), await everything.scan(scanned)];
          expect(a.outcome).toBe(b.outcome);
        }
        const ids = [...everything.hub.findings.keys()].sort();
        expect([...cheap.hub.findings.keys()].sort()).toEqual(ids);
        for (const id of ids) {
          const [a, b] = [cheap.hub.findings.get(id), everything.hub.findings.get(id)] as [
            AsffFinding,
            AsffFinding,
          ];
          expect(shown(a)).toEqual(shown(b));
          // Never older than the keep-alive age allows, counted from the last scan.
          expect(Date.parse(b.UpdatedAt) - Date.parse(a.UpdatedAt)).toBeLessThan(30 * DAY);
        }
        expect(cheap.hub.image()).toEqual(everything.hub.image());
        expect(cheap.hub.imports.flat().length).toBeLessThanOrEqual(everything.hub.imports.flat().length);
      }),
      { numRuns: 200 },
    );
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

  it('archives on a redriven deletion only what the failed first run left active, then nothing', async () => {
    const hub = new FailingOnceSecurityHub(undefined);
    const { scan, remove } = world({}, hub);
    await scan(scanAt(T1));
    hub.failNext = MEDIUM_CVE;
    await expect(remove(T4)).rejects.toBeInstanceOf(PublishError);
    expect(hub.get(MEDIUM_CVE)?.RecordState).toBe('ACTIVE');

    expect(await remove(T4)).toMatchObject({ outcome: 'archived', archived: 1 });
    expect(hub.imports.at(-1)?.map((f) => f.Vulnerabilities?.[0]?.Id)).toEqual([MEDIUM_CVE]);
    expect([...hub.findings.values()].every((f) => f.RecordState === 'ARCHIVED')).toBe(true);
    expect(await remove(T4)).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('a repeated event'),
    });
  });

  it('skips a deletion older than the stored findings, and a repeated one', async () => {
    const { hub, scan, remove } = world();
    await scan(scanAt(T2));
    expect(await remove(T1)).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('an older event'),
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

describe('stored times from the future (blinding)', () => {
  /** Our own image finding, not the planted one. */
  const ours = (hub: InMemorySecurityHub) =>
    [...hub.findings.values()].find(
      (f) => f.GeneratorId.endsWith('/image') && f.Id !== 'ecr-compliance/planted',
    );
  /** A finding someone else planted on the image: our GeneratorId, ARCHIVED, updated in 2099. */
  const planted = (patch: Partial<AsffFinding> = {}): AsffFinding => {
    return {
      ...({} as AsffFinding),
      SchemaVersion: '2018-10-08',
      Id: 'ecr-compliance/planted',
      ProductArn: 'arn:aws:securityhub:us-east-1:111122223333:product/111122223333/default',
      GeneratorId: 'ecr-compliance/ecr-basic/image',
      AwsAccountId: '111122223333',
      Types: ['Software and Configuration Checks/Vulnerabilities/CVE'],
      CreatedAt: '2099-01-01T00:00:00.000Z',
      UpdatedAt: '2099-01-01T00:00:00.000Z',
      Severity: { Label: 'INFORMATIONAL' },
      Title: 'planted',
      Description: 'planted',
      Resources: [{ Type: 'AwsEcrContainerImage', Id: imageArn(base) }],
      RecordState: 'ARCHIVED',
      ProductFields: {},
      ...patch,
    } as AsffFinding;
  };

  it('imports a later real scan although a finding of ours says it was updated in 2099', async () => {
    const { hub, scan } = world();
    hub.findings.set('ecr-compliance/planted', planted());

    const result = await scan(scanAt(T1));

    expect(result).toMatchObject({
      outcome: 'imported',
      created: 3,
      distrusted: ['ecr-compliance/planted'],
    });
    expect(ours(hub)).toMatchObject({ RecordState: 'ACTIVE', UpdatedAt: T1 });
  });

  it('archives the findings of a deleted image although a planted finding is dated 2099', async () => {
    const { hub, scan, remove } = world();
    await scan(scanAt(T1));
    hub.findings.set('ecr-compliance/planted', planted());

    expect(await remove(T4)).toMatchObject({ outcome: 'archived', archived: 3 });
    expect(ours(hub)).toMatchObject({ RecordState: 'ARCHIVED', UpdatedAt: T4 });
  });

  it('does not take a future-dated copy of our own finding as imported already', async () => {
    const { hub, scan } = world();
    await scan(scanAt(T1));
    const image = hub.image() as AsffFinding;
    // Our image finding's Id, re-imported by someone else as ARCHIVED in 2099.
    hub.findings.set(image.Id, { ...image, RecordState: 'ARCHIVED', UpdatedAt: '2099-01-01T00:00:00.000Z' });

    const result = await scan(scanAt(T2));

    expect(result).toMatchObject({ outcome: 'imported', distrusted: [image.Id] });
    if (result.outcome !== 'imported') throw new Error('not imported');
    // Imported afresh (Security Hub itself may still refuse the update: its UpdatedAt is not later).
    expect(hub.imports.at(-1)?.find((f) => f.Id === image.Id)).toMatchObject({
      RecordState: 'ACTIVE',
      UpdatedAt: T2,
    });
  });

  it('still believes a stored time within the five-minute skew of now', async () => {
    const { hub, scan } = world();
    const soon = new Date(Date.parse(NOW) + 4 * 60_000).toISOString();
    hub.findings.set('ecr-compliance/planted', planted({ UpdatedAt: soon, CreatedAt: soon }));

    expect(await scan(scanAt(T1))).toMatchObject({
      outcome: 'skipped',
      reason: expect.stringContaining('an older event'),
    });
  });
});

/**
 * A state of record in memory, as the DynamoDB one keeps it: `findingsOf` gives only the fields the
 * lifecycle reads (times, record state, the fingerprint), `wholeFindings` the content, by Id.
 * `forget` drops the content of one finding, as a record written half would.
 */
class StateOnlyStore implements FindingsStore {
  readonly wholeReads: string[][] = [];
  forget: string | undefined;
  constructor(private readonly hub: InMemorySecurityHub) {}
  async findingsOf(image: ImageIdentity): Promise<readonly StoredFinding[]> {
    return (await this.hub.findingsOf(image)).map((f) => ({
      Id: f.Id,
      GeneratorId: f.GeneratorId,
      CreatedAt: f.CreatedAt,
      UpdatedAt: f.UpdatedAt,
      ...(f.FirstObservedAt ? { FirstObservedAt: f.FirstObservedAt } : {}),
      ...(f.RecordState ? { RecordState: f.RecordState } : {}),
      ProductFields: { [FINGERPRINT_FIELD]: (f.ProductFields as Record<string, string>)[FINGERPRINT_FIELD] },
    }));
  }
  async wholeFindings(image: ImageIdentity, findings: readonly StoredFinding[]) {
    this.wholeReads.push(findings.map((f) => f.Id));
    const ids = new Set(findings.map((f) => f.Id));
    return (await this.hub.findingsOf(image)).filter((f) => ids.has(f.Id) && f.Id !== this.forget);
  }
}

describe('a store that keeps only the lifecycle fields (the state of record)', () => {
  function stateWorld() {
    const hub = new InMemorySecurityHub();
    const store = new StateOnlyStore(hub);
    let next = scanAt(T1);
    const deps = { source: { getScan: async () => next }, store, publisher: hub };
    const ref = { repositoryName: base.repositoryName, imageDigest: base.imageDigest };
    return {
      hub,
      store,
      scan: (scanned: ScannedImage) => {
        next = scanned;
        return reconcileScan(deps, ref, { now: NOW });
      },
      remove: (at: string) => archiveImageFindings({ store, publisher: hub }, base, at, NOW),
    };
  }

  it('decides on the state alone and reads the whole content only of what it archives', async () => {
    const { hub, store, scan } = stateWorld();
    await scan(scanAt(T1));
    const unchanged = await scan(scanAt(T2));
    const fixed = await scan(scanAt(T3, [HIGH_CVE]));

    expect(unchanged).toMatchObject({ outcome: 'imported', unchanged: 2, archived: 0 });
    expect(fixed).toMatchObject({ outcome: 'imported', unchanged: 1, archived: 1 });
    const mediumId = hub.get(MEDIUM_CVE)?.Id;
    expect(store.wholeReads).toEqual([[mediumId]]);
    // Archived with its whole content, not with the few fields of the state.
    expect(hub.get(MEDIUM_CVE)).toMatchObject({ RecordState: 'ARCHIVED', UpdatedAt: T3, CreatedAt: T1 });
    expect(hub.get(MEDIUM_CVE)?.Vulnerabilities?.[0]?.Id).toBe(MEDIUM_CVE);
    expect(hub.get(MEDIUM_CVE)?.Description.length).toBeGreaterThan(20);
  });

  it('archives a deleted image with the whole content of every active finding', async () => {
    const { hub, store, scan, remove } = stateWorld();
    await scan(scanAt(T1));
    expect(await remove(T4)).toMatchObject({ outcome: 'archived', archived: 3 });
    expect(store.wholeReads).toHaveLength(1);
    expect(hub.get(HIGH_CVE)).toMatchObject({ RecordState: 'ARCHIVED', UpdatedAt: T4 });
    expect(hub.get(HIGH_CVE)?.Vulnerabilities?.[0]?.Id).toBe(HIGH_CVE);
  });

  it('imports nothing when the store cannot give the content of a finding to archive', async () => {
    const { hub, store, scan } = stateWorld();
    await scan(scanAt(T1));
    store.forget = hub.get(MEDIUM_CVE)?.Id;
    const before = hub.imports.length;

    await expect(scan(scanAt(T2, [HIGH_CVE]))).rejects.toThrow(
      /holds the state but not the content of 1 finding\(s\) to archive/,
    );
    expect(hub.imports).toHaveLength(before);
    expect(hub.get(MEDIUM_CVE)?.RecordState).toBe('ACTIVE');
  });
});

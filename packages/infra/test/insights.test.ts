/**
 * The Security Hub insights: exactly what the template holds, every filter field and group-by
 * attribute checked against Security Hub's API model (the SDK's schema of
 * AwsSecurityFindingFilters), and the filters evaluated on findings the core's mapping produces.
 */
import {
  AwsSecurityFindingFilters$,
  MapFilterComparison,
  StringFilterComparison,
} from '@aws-sdk/client-securityhub';
import { type AsffFinding, BLOCK_MARK_FIELD, toAsffFindings, withBlockMark } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { describe, expect, it } from 'vitest';
import { INSIGHTS } from '../src/index.js';
import { type Synthesized, synthesizeInThisFile } from './support/synth.js';
import { resourcesOfType } from './support/template.js';

const synthesizeHere = synthesizeInThisFile();
const synth = (props = {}): Synthesized => synthesizeHere({ props });

/** The member names of AwsSecurityFindingFilters in Security Hub's API model, as the SDK ships it. */
const FILTER_MEMBERS = new Set(
  (AwsSecurityFindingFilters$ as unknown as [unknown, unknown, unknown, unknown, string[]])[4],
);
const pascal = (key: string) => key.charAt(0).toUpperCase() + key.slice(1);

type StringFilter = { Value: string; Comparison: string };
type MapFilter = StringFilter & { Key: string };
type TemplateFilters = Record<string, ReadonlyArray<StringFilter | MapFilter>>;

/** The values of an ASFF field that a filter of that name reads (only the fields these insights use). */
function valuesOf(finding: AsffFinding, field: string, key?: string): string[] {
  switch (field) {
    case 'GeneratorId':
      return [finding.GeneratorId];
    case 'RecordState':
      return [finding.RecordState ?? 'ACTIVE'];
    case 'WorkflowStatus':
      // A finding imported without a workflow starts as NEW.
      return [(finding as { Workflow?: { Status?: string } }).Workflow?.Status ?? 'NEW'];
    case 'SeverityLabel':
      return [finding.Severity.Label ?? ''];
    case 'ProductFields':
      return key !== undefined && finding.ProductFields?.[key] !== undefined
        ? [finding.ProductFields[key]]
        : [];
    case 'UserDefinedFields':
      return key !== undefined && finding.UserDefinedFields?.[key] !== undefined
        ? [finding.UserDefinedFields[key]]
        : [];
    case 'VulnerabilitiesFixAvailable':
      return (finding.Vulnerabilities ?? []).map((v) => v.FixAvailable ?? '');
    case 'ResourceId':
      return finding.Resources.map((r) => r.Id);
    case 'Title':
      return [finding.Title];
    default:
      throw new Error(`this test cannot evaluate the filter field ${field}`);
  }
}

/** Security Hub's semantics for these filters: values of one field OR-ed, fields AND-ed. */
function matches(finding: AsffFinding, filters: TemplateFilters): boolean {
  return Object.entries(filters).every(([field, conditions]) =>
    conditions.some((c) => {
      const values = valuesOf(finding, field, 'Key' in c ? c.Key : undefined);
      if (c.Comparison === 'EQUALS') return values.includes(c.Value);
      if (c.Comparison === 'PREFIX') return values.some((v) => v.startsWith(c.Value));
      throw new Error(`this test cannot evaluate the comparison ${c.Comparison}`);
    }),
  );
}

const region = 'us-east-1';
const scan = (findings: ReadonlyArray<Record<string, unknown>>) =>
  toAsffFindings(
    scannedImageFromEcr(
      {
        registryId: '111122223333',
        repositoryName: 'team-a/api',
        imageId: { imageDigest: `sha256:${'a'.repeat(64)}` },
        imageScanStatus: { status: 'COMPLETE' },
        imageScanFindings: { imageScanCompletedAt: '2026-12-01T10:00:00Z', findings },
      },
      { region },
    ),
  );

describe('Security Hub insights', () => {
  const { template } = synth();
  const insights = resourcesOfType(template, 'AWS::SecurityHub::Insight');

  it('creates the three insights with their filters and group-by attributes', () => {
    const ours = {
      GeneratorId: [{ Value: 'ecr-compliance/', Comparison: 'PREFIX' }],
      ProductFields: [{ Key: 'ecr-compliance/FindingType', Value: 'vulnerability', Comparison: 'EQUALS' }],
      RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
      WorkflowStatus: [
        { Value: 'NEW', Comparison: 'EQUALS' },
        { Value: 'NOTIFIED', Comparison: 'EQUALS' },
      ],
    };
    expect(insights.map((r) => r.Properties)).toEqual([
      {
        Name: 'ecr-compliance: images by active CRITICAL and HIGH vulnerabilities',
        GroupByAttribute: 'ResourceId',
        Filters: {
          ...ours,
          SeverityLabel: [
            { Value: 'CRITICAL', Comparison: 'EQUALS' },
            { Value: 'HIGH', Comparison: 'EQUALS' },
          ],
        },
      },
      {
        Name: 'ecr-compliance: vulnerabilities with a fix available',
        GroupByAttribute: 'Title',
        Filters: { ...ours, VulnerabilitiesFixAvailable: [{ Value: 'YES', Comparison: 'EQUALS' }] },
      },
      {
        Name: 'ecr-compliance: repositories blocked now',
        GroupByAttribute: 'ResourceId',
        Filters: {
          GeneratorId: [{ Value: 'ecr-compliance/', Comparison: 'PREFIX' }],
          ProductFields: [{ Key: 'ecr-compliance/FindingType', Value: 'image', Comparison: 'EQUALS' }],
          RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
          UserDefinedFields: [
            { Key: 'ecr-compliance/RepositoryBlocked', Value: 'true', Comparison: 'EQUALS' },
          ],
        },
      },
    ]);
  });

  it("uses only filter fields and group-by attributes of Security Hub's API model", () => {
    expect(FILTER_MEMBERS.size).toBeGreaterThan(100);
    expect(FILTER_MEMBERS.has('ResourceId')).toBe(true);
    for (const insight of Object.values(INSIGHTS)) {
      for (const field of Object.keys(insight.filters))
        expect(FILTER_MEMBERS, field).toContain(pascal(field));
      // A grouping attribute is one of the finding's string filter fields.
      expect(FILTER_MEMBERS).toContain(insight.groupByAttribute);
      // A map filter (with a key) takes MapFilterComparison, a string filter StringFilterComparison.
      for (const conditions of Object.values(insight.filters) as Array<
        ReadonlyArray<{ key?: string; comparison: string }>
      >)
        for (const c of conditions)
          expect(Object.values(c.key === undefined ? StringFilterComparison : MapFilterComparison)).toContain(
            c.comparison,
          );
    }
  });

  it("selects this tool's open vulnerability findings as intended, and groups them by image and by title", () => {
    const [critical, fixedLater, low, image] = scan([
      {
        name: 'CVE-2024-6119',
        severity: 'CRITICAL',
        attributes: [
          { key: 'package_name', value: 'openssl' },
          { key: 'package_version', value: '3.0.13' },
        ],
      },
      { name: 'CVE-2024-0002', severity: 'HIGH', attributes: [{ key: 'package_name', value: 'zlib' }] },
      { name: 'CVE-2024-0003', severity: 'LOW', attributes: [{ key: 'package_name', value: 'curl' }] },
    ]) as [AsffFinding, AsffFinding, AsffFinding, AsffFinding];
    const [atRisk, fixable] = insights.map((r) => r.Properties.Filters as TemplateFilters) as [
      TemplateFilters,
      TemplateFilters,
    ];
    const withFix = (f: AsffFinding): AsffFinding => ({
      ...f,
      Vulnerabilities: (f.Vulnerabilities ?? []).map((v) => ({ ...v, FixAvailable: 'YES' })),
    });
    const suppressed = { ...critical, Workflow: { Status: 'SUPPRESSED' } } as AsffFinding;
    const archived = { ...critical, RecordState: 'ARCHIVED' } as AsffFinding;
    const foreign = { ...critical, GeneratorId: 'someone-else/ecr-basic' };

    expect(
      [critical, fixedLater, low, image, suppressed, archived, foreign].map((f) => matches(f, atRisk)),
    ).toEqual([true, true, false, false, false, false, false]);
    expect([withFix(low), low, withFix(suppressed), image].map((f) => matches(f, fixable))).toEqual([
      true,
      false,
      false,
      false,
    ]);
    // The groups: the image ARN for the first, the "<id> - <package>" title for the second.
    expect(valuesOf(critical, 'ResourceId')).toEqual([
      `arn:aws:ecr:us-east-1:111122223333:repository/team-a/api/sha256:${'a'.repeat(64)}`,
    ]);
    expect(valuesOf(low, 'Title')).toEqual(['CVE-2024-0003 - curl']);
  });

  it('selects the image findings the block marked, whatever their workflow, and groups them by their repository', () => {
    const findings = scan([
      {
        name: 'CVE-2024-6119',
        severity: 'CRITICAL',
        attributes: [{ key: 'package_name', value: 'openssl' }],
      },
    ]);
    const [vulnerability, image] = withBlockMark(findings, true) as [AsffFinding, AsffFinding];
    const [, , blocked] = insights.map((r) => r.Properties.Filters as TemplateFilters) as [
      TemplateFilters,
      TemplateFilters,
      TemplateFilters,
    ];
    const released = { ...image, UserDefinedFields: { [BLOCK_MARK_FIELD]: 'false' } };
    const unmarked = findings[1] as AsffFinding;
    const suppressed = { ...image, Workflow: { Status: 'SUPPRESSED' } } as AsffFinding;
    const archived = { ...image, RecordState: 'ARCHIVED' } as AsffFinding;
    const foreign = { ...image, GeneratorId: 'someone-else/ecr-basic/image' };
    expect(
      [image, suppressed, vulnerability, released, unmarked, archived, foreign].map((f) =>
        matches(f, blocked),
      ),
    ).toEqual([true, true, false, false, false, false, false]);
    // The image finding names the repository as a resource: its ARN is a value of the group-by attribute.
    expect(valuesOf(image, 'ResourceId')).toContain(
      'arn:aws:ecr:us-east-1:111122223333:repository/team-a/api',
    );
  });

  it('creates none with insights: false', () => {
    expect(resourcesOfType(synth({ insights: false }).template, 'AWS::SecurityHub::Insight')).toEqual([]);
  });
});

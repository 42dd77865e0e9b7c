import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  parseTrivyIgnore,
  parseTrivyIgnoreYaml,
  readOpenVex,
  toOpenVex,
  toTrivyIgnoreYaml,
} from '@ecr-compliance/core';
import { describe, expect, it } from 'vitest';
import { exception } from './support.js';

const vex = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../fixtures/vex/${name}`, import.meta.url)), 'utf8');

describe("Trivy's ignore files (fixtures from Trivy's repository)", () => {
  it('reads the vulnerabilities of .trivyignore.yaml and skips the other sections', () => {
    const entries = parseTrivyIgnore(vex('.trivyignore.yaml'));
    expect(entries.map((e) => [e.id, e.paths, e.expiredAt])).toEqual([
      ['CVE-2019-0001', ['**/*-lock.json'], undefined],
      ['CVE-2019-0002', ['bar/package.json'], undefined],
      ['CVE-2019-0003', [], undefined],
      ['CVE-2019-0004', ['bar/package.json'], undefined],
      ['CVE-2019-0005', [], '2023-01-01'],
      ['CVE-2019-0006', [], '2020-01-01'],
    ]);
  });

  it('reads plain .trivyignore lines with exp:', () => {
    const entries = parseTrivyIgnore(vex('.trivyignore'));
    expect(entries.map((e) => [e.id, e.expiredAt ?? null])).toEqual([
      ['CVE-2019-0001', null],
      ['CVE-2019-0002', null],
      ['CVE-2022-0001', '2022-01-01'],
      ['CVE-2022-0002', '9999-01-01'],
      ['CVE-2022-0003', '9999-01-01'],
      ['ID100', null],
      ['generic-unwanted-rule', null],
    ]);
  });

  it('refuses YAML it does not understand, with the line', () => {
    expect(() => parseTrivyIgnoreYaml('vulnerabilities:\n  - id: CVE-1\n    reason: no\n')).toThrow(
      'line 3: unknown key "reason" (Trivy knows id, paths, purls, expired_at, statement)',
    );
    expect(() => parseTrivyIgnoreYaml('vulnerabilities:\n  - id: CVE-1\n    expired_at: soon\n')).toThrow(
      'line 3: expired_at: must be YYYY-MM-DD, got "soon"',
    );
  });

  it('writes exceptions that Trivy ignores until the day they end, and reads them back', () => {
    const text = toTrivyIgnoreYaml([
      exception({
        scope: {
          accountId: '111122223333',
          repositoryName: 'team-a/api',
          package: 'pkg:apk/alpine/openssl@3.1.4-r0',
        },
      }),
    ]);
    expect(text).toContain(
      '  - id: "CVE-2026-1000"\n    purls:\n      - "pkg:apk/alpine/openssl@3.1.4-r0"\n    expired_at: 2027-01-01\n',
    );
    expect(parseTrivyIgnore(text)).toMatchObject([
      { id: 'CVE-2026-1000', purls: ['pkg:apk/alpine/openssl@3.1.4-r0'], expiredAt: '2027-01-01' },
    ]);
  });
});

describe('OpenVEX (0.2.0 documents from the Trivy and Grype repositories)', () => {
  it("reads Trivy's not_affected statement with its subcomponent, justification and impact statement", () => {
    expect(readOpenVex(JSON.parse(vex('trivy-openvex.json.golden')))).toEqual({
      claims: [
        {
          vulnerabilityId: 'CVE-2022-23628',
          package: 'pkg:golang/github.com/open-policy-agent/opa@0.35.0',
          justification: 'vulnerable_code_not_in_execute_path',
          statement: "The vulnerable code isn't called",
          index: 0,
        },
      ],
      skipped: [],
    });
  });

  it('skips a fixed statement with the reason', () => {
    expect(readOpenVex(JSON.parse(vex('grype-openvex-demo1.json.golden')))).toEqual({
      claims: [],
      skipped: [{ index: 0, reason: 'status fixed: only not_affected statements become exceptions' }],
    });
  });

  it('refuses a document that is not OpenVEX', () => {
    expect(() => readOpenVex({ '@context': 'https://example.com', statements: [] })).toThrow(
      /^@context: must be an OpenVEX context/,
    );
  });

  it('writes not_affected for a VEX justification and affected for accepted_risk, with the end in status_notes', () => {
    const doc = toOpenVex(
      [
        exception({
          scope: {
            accountId: '111122223333',
            repositoryName: 'team-a/api',
            package: 'pkg:apk/alpine/openssl@3.1.4-r0',
          },
        }),
        exception({ id: 'exc-2', justification: 'accepted_risk', statement: 'fix scheduled for January' }),
      ],
      { now: '2026-12-02T12:00:00.000Z', author: 'ecr-compliance', region: 'eu-west-1', id: 'urn:uuid:1' },
    );
    const statements = doc.statements as Array<Record<string, unknown>>;
    expect(statements[0]).toMatchObject({
      status: 'not_affected',
      justification: 'vulnerable_code_not_in_execute_path',
      products: [{ subcomponents: [{ '@id': 'pkg:apk/alpine/openssl@3.1.4-r0' }] }],
    });
    expect(statements[0]?.status_notes).toContain('ends 2027-01-01T12:00:00.000Z');
    expect(statements[1]).toMatchObject({
      status: 'affected',
      action_statement: 'Risk accepted until 2027-01-01T12:00:00.000Z: fix scheduled for January',
    });
    const back = readOpenVex(doc);
    expect(back.claims).toMatchObject([
      { vulnerabilityId: 'CVE-2026-1000', package: 'pkg:apk/alpine/openssl@3.1.4-r0' },
    ]);
  });
});

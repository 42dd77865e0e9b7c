import { type ExceptionCandidate, suppressArrivingFindings } from '@ecr-compliance/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, DIGEST, exception, finding, InMemoryFindings, NOW } from './support.js';

const INSPECTOR = 'arn:aws:securityhub:us-east-1::product/aws/inspector';

/** Amazon Inspector's finding about `vulnerabilityId` in the image, as the "Findings - Imported" event carries it. */
function inspector(vulnerabilityId = 'CVE-2026-1000', patch: Record<string, unknown> = {}) {
  return {
    ...finding(vulnerabilityId),
    Id: `arn:aws:inspector2:us-east-1:${ACCOUNT}:finding/0123456789abcdef0123456789abcdef`,
    ProductArn: INSPECTOR,
    AwsAccountId: ACCOUNT,
    GeneratorId: 'AWSInspector',
    Title: `${vulnerabilityId} - openssl`,
    ...patch,
  };
}

describe('suppressArrivingFindings', () => {
  it("suppresses Amazon Inspector's arriving finding an active exception covers, with the exception's note", async () => {
    const workflow = new InMemoryFindings();
    const out = await suppressArrivingFindings(workflow, [inspector()], [exception()], NOW);
    expect(out.skipped).toEqual([]);
    expect(out.updates).toEqual([
      {
        finding: { id: inspector().Id, productArn: INSPECTOR },
        status: 'SUPPRESSED',
        exceptionId: 'exc-1',
        note: 'Suppressed by exception exc-1 of team-a@example.com until 2027-01-01T12:00:00.000Z (vulnerable_code_not_in_execute_path): the TLS renegotiation path is never used',
      },
    ]);
    expect(workflow.applied).toEqual(out.updates);
  });

  it('leaves alone a finding no exception covers, and writes nothing', async () => {
    const workflow = new InMemoryFindings();
    const out = await suppressArrivingFindings(workflow, [inspector('CVE-2026-9999')], [exception()], NOW);
    expect(out).toEqual({ updates: [], skipped: [], failed: [] });
    expect(workflow.applied).toEqual([]);
  });

  it('writes nothing for the event its own update causes (already suppressed for that exception)', async () => {
    const workflow = new InMemoryFindings();
    const updated = inspector('CVE-2026-1000', {
      Workflow: { Status: 'SUPPRESSED' },
      UserDefinedFields: {
        'ecr-compliance/ExceptionId': 'exc-1',
        'ecr-compliance/ExceptionState': 'active',
      },
    });
    const out = await suppressArrivingFindings(workflow, [updated], [exception()], NOW);
    expect(out.updates).toEqual([]);
    expect(workflow.applied).toEqual([]);
  });

  it("skips this tool's own findings (handled at import), unreadable ones and a resource of another account", async () => {
    const workflow = new InMemoryFindings();
    const ours = { ...finding('CVE-2026-1000'), AwsAccountId: ACCOUNT };
    const steered = inspector('CVE-2026-1000', { AwsAccountId: '999999999999' });
    const out = await suppressArrivingFindings(
      workflow,
      [ours, { Id: 'x', ProductArn: INSPECTOR }, steered],
      [exception()],
      NOW,
    );
    expect(out.updates).toEqual([]);
    expect(out.skipped).toEqual([
      {
        index: 0,
        reason: `not Amazon Inspector's finding (arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default)`,
      },
      {
        index: 1,
        reason: 'unreadable: AwsAccountId: Invalid input: expected string, received undefined (in finding 1)',
      },
      {
        index: 2,
        reason: `resource is in account ${ACCOUNT}, but the finding belongs to account 999999999999`,
      },
    ]);
  });

  it('reports what the workflow could not write', async () => {
    const out = await suppressArrivingFindings(
      { apply: async (updates) => ({ failed: updates.map((u) => ({ id: u.finding.id, error: 'boom' })) }) },
      [inspector()],
      [exception()],
      NOW,
    );
    expect(out.failed).toEqual([{ id: inspector().Id, error: 'boom' }]);
  });

  it('property: an exception that ended never suppresses an arriving finding', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 400 * 24 * 3600 }),
        fc.constantFrom('NEW', 'NOTIFIED', 'SUPPRESSED'),
        async (secondsAfterEnd, status) => {
          const ended = exception({ createdAt: '2026-01-01T00:00:00.000Z', expiresAt: NOW });
          const at = new Date(Date.parse(NOW) + secondsAfterEnd * 1000).toISOString();
          const arriving: ExceptionCandidate & { AwsAccountId: string } = inspector('CVE-2026-1000', {
            Workflow: { Status: status },
            Resources: [{ Id: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/team-a/payments-api/${DIGEST}` }],
          });
          const out = await suppressArrivingFindings(new InMemoryFindings(), [arriving], [ended], at);
          return out.updates.every((u) => u.status !== 'SUPPRESSED');
        },
      ),
    );
  });
});

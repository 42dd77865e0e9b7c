import '../support/mockMatchers.js';
import {
  BatchUpdateFindingsCommand,
  InvalidAccessException,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { EcrComplianceError, TRUNCATION_MARKER } from '@ecr-compliance/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { SecurityHubAuditTrail } from '../../src/securityhub/SecurityHubAuditTrail.js';
import { ACCOUNT, DIGEST, REPOSITORY, sdkError } from './helpers.js';

const securityHub = mockClient(SecurityHubClient);
const trail = new SecurityHubAuditTrail({ client: new SecurityHubClient({ region: 'us-east-1' }) });

const finding = {
  id: `ecr-compliance/ecr-basic/${ACCOUNT}/us-east-1/${REPOSITORY}/${DIGEST}/vulnerability/CVE-2024-6119`,
  productArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
};
const repositoryArn = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${REPOSITORY}`;
const blockAction = `arn:aws:securityhub:us-east-1:${ACCOUNT}:action/custom/BlockEcrPull`;
const entry = {
  action: 'block' as const,
  outcome: 'pulls denied',
  repositoryArn,
  at: '2026-11-20T11:02:42.000Z',
  by: blockAction,
};

beforeEach(() => {
  securityHub.reset();
});

afterAll(() => {
  securityHub.restore();
});

describe('SecurityHubAuditTrail', () => {
  it('writes a Note and UserDefinedFields on the finding through BatchUpdateFindings', async () => {
    securityHub.on(BatchUpdateFindingsCommand).resolves({
      ProcessedFindings: [{ Id: finding.id, ProductArn: finding.productArn }],
      UnprocessedFindings: [],
    });

    await trail.record(finding, entry);

    expect(securityHub).toHaveReceivedCommandExactlyOnceWith(BatchUpdateFindingsCommand, {
      FindingIdentifiers: [{ Id: finding.id, ProductArn: finding.productArn }],
      Note: {
        Text: `Blocked pulls: pulls denied on ${repositoryArn} at 2026-11-20T11:02:42.000Z by ${blockAction}`,
        UpdatedBy: 'ecr-compliance',
      },
      UserDefinedFields: {
        'ecr-compliance/LastAction': 'block',
        'ecr-compliance/LastActionOutcome': 'pulls denied',
        'ecr-compliance/LastActionAt': '2026-11-20T11:02:42.000Z',
        'ecr-compliance/LastActionBy': blockAction,
        'ecr-compliance/Repository': repositoryArn,
      },
    });
  });

  it('says "Unblocked" in the note of an unblock', async () => {
    securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });

    await trail.record(finding, { ...entry, action: 'unblock', outcome: 'pulls allowed, policy deleted' });

    const input = securityHub.commandCalls(BatchUpdateFindingsCommand)[0]?.args[0].input;
    expect(input?.Note?.Text).toMatch(/^Unblocked pulls: pulls allowed, policy deleted on /);
    expect(input?.UserDefinedFields?.['ecr-compliance/LastAction']).toBe('unblock');
  });

  it('keeps the note within 512 characters and the field values within 1024', async () => {
    securityHub.on(BatchUpdateFindingsCommand).resolves({});
    const longActor = `arn:aws:iam::${ACCOUNT}:role/${'x'.repeat(1500)}`;

    await trail.record(finding, { ...entry, by: longActor });

    const input = securityHub.commandCalls(BatchUpdateFindingsCommand)[0]?.args[0].input;
    expect(input?.Note?.Text?.length).toBeLessThanOrEqual(512);
    expect(input?.Note?.Text?.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(input?.Note?.Text).toMatch(/^Blocked pulls: pulls denied on /);
    expect(input?.Note?.UpdatedBy).toBe('ecr-compliance');
    const by = input?.UserDefinedFields?.['ecr-compliance/LastActionBy'] ?? '';
    expect(by.length).toBeLessThanOrEqual(1024);
    expect(by.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('throws an EcrComplianceError naming the code when the finding is left unprocessed', async () => {
    securityHub.on(BatchUpdateFindingsCommand).resolves({
      ProcessedFindings: [],
      UnprocessedFindings: [
        {
          FindingIdentifier: { Id: finding.id, ProductArn: finding.productArn },
          ErrorCode: 'FindingNotFound',
          ErrorMessage: 'Finding Not Found',
        },
      ],
    });

    const error = await trail.record(finding, entry).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(EcrComplianceError);
    expect((error as Error).message).toBe(
      'BatchUpdateFindings did not update the finding: FindingNotFound Finding Not Found',
    );
  });

  it('says "unknown" when an unprocessed finding carries no code', async () => {
    securityHub.on(BatchUpdateFindingsCommand).resolves({
      UnprocessedFindings: [
        { FindingIdentifier: { Id: finding.id, ProductArn: finding.productArn } } as never,
      ],
    });

    await expect(trail.record(finding, entry)).rejects.toThrow(
      'BatchUpdateFindings did not update the finding: unknown',
    );
  });

  it('lets an SDK error propagate for the use case to log', async () => {
    const error = sdkError(InvalidAccessException, 'Account is not subscribed to AWS Security Hub', 401);
    securityHub.on(BatchUpdateFindingsCommand).rejects(error);

    await expect(trail.record(finding, entry)).rejects.toBe(error);
  });
});

import '../support/mockMatchers.js';
import {
  BatchUpdateFindingsCommand,
  GetFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { captureLogs, lambdaContext, loadHandler } from '../support/world.js';
import { environment, type Handler } from './handlers.support.js';
import { ACCOUNT, coreFixture } from './helpers.js';

const HANDLER = '../../src/handlers/on-exception-schedule.js';
const securityHub = mockClient(SecurityHubClient);
const dynamodb = mockClient(DynamoDBDocumentClient);
const inspector = coreFixture('securityhub/inspector-finding.json');
const DAY = 24 * 60 * 60 * 1000;

const exception = (patch: Record<string, unknown> = {}) => ({
  id: 'exc-openssl',
  vulnerabilityId: 'CVE-2024-6119',
  scope: { accountId: ACCOUNT, repositoryName: 'team-a/payments-api' },
  justification: 'vulnerable_code_not_in_execute_path',
  statement: 'the service never parses client certificates',
  owner: 'payments@example.com',
  createdAt: new Date(Date.now() - DAY).toISOString(),
  expiresAt: new Date(Date.now() + 30 * DAY).toISOString(),
  ...patch,
});

/** The "Findings - Imported" event Security Hub sends when Inspector imports `finding`. */
const imported = (id: string, finding: unknown, account = ACCOUNT) => ({
  version: '0',
  id,
  'detail-type': 'Security Hub Findings - Imported',
  source: 'aws.securityhub',
  account,
  time: '2026-11-20T10:16:06Z',
  region: 'us-east-1',
  resources: [`${inspector.ProductArn}/${inspector.Id}`],
  detail: { findings: [finding] },
});

const load = async (extra: Record<string, string> = {}) =>
  (
    await loadHandler<{ handler: Handler }>(
      HANDLER,
      environment({ EXCEPTIONS_TABLE_NAME: 'ecr-compliance-exceptions', ...extra }),
    )
  ).handler;
const run = (handler: Handler, event: unknown) => handler(event, lambdaContext('on-exception-schedule'));

let logs: ReturnType<typeof captureLogs>;
beforeEach(() => {
  securityHub.reset();
  dynamodb.reset();
  dynamodb.on(ScanCommand).resolves({ Items: [exception()] });
  securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
  logs = captureLogs();
});
afterEach(() => logs.restore());
afterAll(() => {
  vi.unstubAllEnvs();
  securityHub.restore();
  dynamodb.restore();
});

describe('on-exception-schedule: an arriving Amazon Inspector finding', () => {
  it('is suppressed with the note and marks of the exception that covers it, in one request', async () => {
    const result = await run(await load(), imported('5a000001', inspector));
    expect(result).toEqual({ suppressed: 1, restored: 0, skipped: 0 });
    expect(securityHub).toHaveReceivedCommandTimes(BatchUpdateFindingsCommand, 1);
    const input = securityHub.commandCalls(BatchUpdateFindingsCommand)[0]?.args[0].input;
    expect(input).toEqual({
      FindingIdentifiers: [{ Id: inspector.Id, ProductArn: inspector.ProductArn }],
      Workflow: { Status: 'SUPPRESSED' },
      Note: {
        Text: expect.stringMatching(/^Suppressed by exception exc-openssl of payments@example.com until /),
        UpdatedBy: 'ecr-compliance exceptions',
      },
      UserDefinedFields: {
        'ecr-compliance/ExceptionId': 'exc-openssl',
        'ecr-compliance/ExceptionState': 'active',
      },
    });
    // The event alone is enough: nothing is read from Security Hub.
    expect(securityHub).not.toHaveReceivedCommand(GetFindingsCommand);
  });

  it('is left alone when no exception covers it, or when the exception lasts longer than MAX_EXCEPTION_DAYS', async () => {
    const other = {
      ...inspector,
      Vulnerabilities: [{ ...inspector.Vulnerabilities[0], Id: 'CVE-2026-0001' }],
    };
    expect(await run(await load(), imported('5a000002', other))).toEqual({
      suppressed: 0,
      restored: 0,
      skipped: 0,
    });
    dynamodb.on(ScanCommand).resolves({
      Items: [exception({ expiresAt: new Date(Date.now() + 60 * DAY).toISOString() })],
    });
    expect(await run(await load({ MAX_EXCEPTION_DAYS: '30' }), imported('5a000003', inspector))).toEqual({
      suppressed: 0,
      restored: 0,
      skipped: 0,
    });
    expect(securityHub).not.toHaveReceivedCommand(BatchUpdateFindingsCommand);
    expect(logs.lines().find((l) => l.level === 'WARN')).toMatchObject({
      message: 'exception ignored: it lasts longer than MAX_EXCEPTION_DAYS',
      exceptionId: 'exc-openssl',
    });
  });

  it('throws when the update is not processed, so that the event is retried', async () => {
    securityHub.on(BatchUpdateFindingsCommand).resolves({
      ProcessedFindings: [],
      UnprocessedFindings: [
        {
          FindingIdentifier: { Id: inspector.Id, ProductArn: inspector.ProductArn },
          ErrorCode: 'FindingNotFound',
          ErrorMessage: 'Finding Not Found',
        },
      ],
    });
    await expect(run(await load(), imported('5a000004', inspector))).rejects.toThrow(
      `1 arriving findings not updated: ${inspector.Id}: FindingNotFound: Finding Not Found`,
    );
  });

  it("refuses an event of another account, and skips this tool's own findings", async () => {
    const handler = await load();
    await expect(run(handler, imported('5a000005', inspector, '999999999999'))).rejects.toThrow(
      /^account: event of 999999999999\/us-east-1, but this function suppresses findings for 111122223333\/us-east-1/,
    );
    const ours = {
      ...inspector,
      ProductArn: `arn:aws:securityhub:us-east-1:${ACCOUNT}:product/${ACCOUNT}/default`,
    };
    expect(await run(handler, imported('5a000006', ours))).toEqual({
      suppressed: 0,
      restored: 0,
      skipped: 1,
    });
    expect(securityHub).not.toHaveReceivedAnyCommand();
    expect(dynamodb).toHaveReceivedCommandTimes(ScanCommand, 1);
  });
});

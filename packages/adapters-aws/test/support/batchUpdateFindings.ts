/**
 * moto 5.2.5 has no BatchUpdateFindings (HTTP 404; emulator.test.ts records it). This loopback
 * proxy sits in front of another endpoint (the counting proxy, then moto), forwards every request
 * unchanged, and answers `PATCH /findings/batchupdate` itself with the documented customer-side
 * semantics, on the findings moto holds:
 *
 * - each identifier (ProductArn + Id) must name a stored finding, else it is unprocessed with
 *   `FindingNotFound`; at most 100 identifiers, else `InvalidInputException`;
 * - `Note` becomes `{ Text, UpdatedBy, UpdatedAt: now }`; `Workflow.Status` is set;
 *   `UserDefinedFields` entries are merged into the stored ones; `Severity`, `VerificationState`,
 *   `Confidence`, `Criticality`, `Types` and `RelatedFindings` are set as given;
 * - `UpdatedAt` is left as it is (BatchUpdateFindings never changes it);
 * - the finding is written back whole with moto's BatchImportFindings, which replaces what it
 *   holds (moto does not enforce that providers cannot change Workflow, Note and UserDefinedFields).
 * - with `hubOf`, a finding is looked up in (and written back to) the hub its ProductArn names:
 *   an administrator, in its home Region with cross-Region aggregation, may update its members'
 *   findings of every linked Region (moto keeps one hub per account and Region and aggregates
 *   nothing). Who signed the request is not checked here; the counting proxy records it.
 *
 * It does not emit "Security Hub Findings - Imported" events (moto has no such bus delivery);
 * tests hand the updated finding to on-finding-imported themselves. Every request it answered is
 * kept in `requests` for assertions.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';

/** The proxy {@link startBatchUpdateFindings} starts. */
export interface BatchUpdateFindingsProxy {
  readonly endpoint: string;
  /** Every BatchUpdateFindings request body it answered, in order. */
  readonly requests: Array<Record<string, any>>;
  close(): Promise<void>;
}

const readBody = (stream: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.once('end', () => resolve(Buffer.concat(chunks)));
    stream.once('error', reject);
  });

async function everyStored(securityHub: SecurityHubClient): Promise<AwsSecurityFinding[]> {
  const out: AwsSecurityFinding[] = [];
  let token: string | undefined;
  do {
    const page = await securityHub.send(new GetFindingsCommand({ MaxResults: 100, NextToken: token }));
    out.push(...(page.Findings ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

/**
 * Starts the proxy in front of `upstream` (a loopback http URL). `securityHub` reaches moto
 * directly: the write-back is not one of the handlers' calls and is not counted.
 */
export async function startBatchUpdateFindings(options: {
  readonly upstream: string;
  readonly securityHub: SecurityHubClient;
  readonly now?: () => string;
  /** The hub that holds the findings of a product ARN (its account and Region); default `securityHub`. */
  readonly hubOf?: (productArn: string) => Promise<SecurityHubClient>;
}): Promise<BatchUpdateFindingsProxy> {
  const upstream = new URL(options.upstream);
  const requests: Array<Record<string, any>> = [];
  const now = options.now ?? (() => new Date().toISOString());

  const batchUpdate = async (input: Record<string, any>) => {
    const identifiers = (input.FindingIdentifiers ?? []) as Array<{ Id: string; ProductArn: string }>;
    if (identifiers.length < 1 || identifiers.length > 100) {
      return {
        status: 400,
        body: { Message: 'FindingIdentifiers must hold 1 to 100 findings', Code: 'InvalidInputException' },
      };
    }
    const hubs = new Map<
      SecurityHubClient,
      { stored: AwsSecurityFinding[]; updated: AwsSecurityFinding[] }
    >();
    const hubFor = async (productArn: string) => {
      const client = options.hubOf ? await options.hubOf(productArn) : options.securityHub;
      let hub = hubs.get(client);
      if (!hub) {
        hub = { stored: await everyStored(client), updated: [] };
        hubs.set(client, hub);
      }
      return hub;
    };
    const processed: typeof identifiers = [];
    const unprocessed: Array<Record<string, unknown>> = [];
    for (const identifier of identifiers) {
      const hub = await hubFor(identifier.ProductArn);
      const finding = hub.stored.find(
        (f) => f.Id === identifier.Id && f.ProductArn === identifier.ProductArn,
      );
      if (!finding) {
        unprocessed.push({
          FindingIdentifier: identifier,
          ErrorCode: 'FindingNotFound',
          ErrorMessage: 'Finding Not Found',
        });
        continue;
      }
      const next: Record<string, unknown> = { ...finding };
      if (input.Note)
        next.Note = { Text: input.Note.Text, UpdatedBy: input.Note.UpdatedBy, UpdatedAt: now() };
      if (input.Workflow?.Status) next.Workflow = { Status: input.Workflow.Status };
      if (input.UserDefinedFields)
        next.UserDefinedFields = { ...(finding.UserDefinedFields ?? {}), ...input.UserDefinedFields };
      for (const field of [
        'Severity',
        'VerificationState',
        'Confidence',
        'Criticality',
        'Types',
        'RelatedFindings',
      ])
        if (input[field] !== undefined) next[field] = input[field];
      hub.updated.push(next as unknown as AwsSecurityFinding);
      processed.push(identifier);
    }
    for (const [client, hub] of hubs)
      if (hub.updated.length > 0)
        await client.send(new BatchImportFindingsCommand({ Findings: hub.updated }));
    return { status: 200, body: { ProcessedFindings: processed, UnprocessedFindings: unprocessed } };
  };

  const server = createServer((request, response) => {
    const handle = async () => {
      const body = await readBody(request);
      const path = (request.url ?? '/').split('?')[0];
      if (request.method === 'PATCH' && path === '/findings/batchupdate') {
        const input = JSON.parse(body.toString('utf8')) as Record<string, any>;
        requests.push(input);
        const { status, body: out } = await batchUpdate(input);
        const payload = Buffer.from(JSON.stringify(out));
        response.writeHead(status, {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          ...(status === 200 ? {} : { 'x-amzn-errortype': 'InvalidInputException' }),
        });
        response.end(payload);
        return;
      }
      const headers = { ...request.headers, 'content-length': String(body.length) };
      const forwarded = httpRequest(
        {
          host: upstream.hostname,
          port: Number(upstream.port),
          method: request.method,
          path: request.url,
          headers,
          agent: false,
        },
        (answer) => {
          readBody(answer).then(
            (answerBody) => {
              const out: Record<string, string | string[]> = {};
              for (const [k, v] of Object.entries(answer.headers))
                if (v !== undefined && k !== 'transfer-encoding' && k !== 'connection') out[k] = v;
              out['content-length'] = String(answerBody.length);
              response.writeHead(answer.statusCode ?? 502, out);
              response.end(answerBody);
            },
            (error: Error) => response.destroy(error),
          );
        },
      );
      forwarded.once('error', (error) => response.destroy(error));
      forwarded.end(body);
    };
    handle().catch((error: Error) => {
      if (!response.headersSent) {
        response.writeHead(502, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ Message: `batch-update proxy: ${error.message}` }));
      } else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

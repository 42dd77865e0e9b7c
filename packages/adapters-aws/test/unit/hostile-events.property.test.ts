/**
 * Bad input (issue 3, §4): thousands of malformed and mutated events for both handlers, with every
 * AWS client mocked. Each event ends in one of our validation errors or in a reasoned refusal —
 * never in a crash of another kind (TypeError, RangeError, ...) and never in an AWS write.
 *
 * The custom action events start from a MEDIUM finding of ours (built by the core) fired with the
 * block action: one step below the threshold, so only a HIGH or CRITICAL label could make it
 * eligible, and hostile values never carry those words.
 */

import {
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  DeleteRepositoryPolicyCommand,
  DescribeImageScanFindingsCommand,
  ECRClient,
  GetRepositoryPolicyCommand,
  RepositoryPolicyNotFoundException,
  ScanNotFoundException,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import {
  BatchImportFindingsCommand,
  BatchUpdateFindingsCommand,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { toAsffFindings } from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { MOTO_ACCOUNT_ID } from '../support/moto.js';
import { captureLogs, handlerEnvironment, lambdaContext, loadHandler } from '../support/world.js';

type Handler = (event: unknown, context: unknown) => Promise<any>;
type Key = string | number;
type Path = readonly Key[];

const REPOSITORY = 'team-a/payments-api';
const DIGEST = `sha256:${'9e8e9cd9'.repeat(8)}`;
const BLOCK = `arn:aws:securityhub:us-east-1:${MOTO_ACCOUNT_ID}:action/custom/ECR1`;
/** The errors a handler may end in on bad input: ours, with a message and a path for the event's fault. */
const EXPECTED_ERRORS = ['InvalidInputError', 'ResourceNotFoundError', 'ScanNotCompleteError'];

// ---------------------------------------------------------------------------------------------
// Valid base events.

const scanEvent = {
  version: '0',
  id: '1308b246-e57d-469a-a8b1-158a7eb0b7ad',
  'detail-type': 'ECR Image Scan',
  source: 'aws.ecr',
  account: MOTO_ACCOUNT_ID,
  time: '2026-11-20T10:16:02Z',
  region: 'us-east-1',
  resources: [`arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${REPOSITORY}`],
  detail: {
    'scan-status': 'COMPLETE',
    'repository-name': REPOSITORY,
    'finding-severity-counts': { MEDIUM: 1 },
    'image-digest': DIGEST,
    'image-tags': ['1.8.2', 'latest'],
  },
};

/** Our MEDIUM finding as Security Hub puts it in a custom action event (it adds Severity.Normalized). */
function mediumFinding(): Record<string, unknown> {
  const scanned = scannedImageFromEcr(
    {
      registryId: MOTO_ACCOUNT_ID,
      repositoryName: REPOSITORY,
      imageId: { imageDigest: DIGEST, imageTag: '1.8.2' },
      imageScanStatus: { status: 'COMPLETE' },
      imageScanFindings: {
        imageScanCompletedAt: 1795169762,
        findings: [
          {
            name: 'CVE-2023-50495',
            uri: 'https://security-tracker.debian.org/tracker/CVE-2023-50495',
            severity: 'MEDIUM',
            attributes: [
              { key: 'package_name', value: 'ncurses' },
              { key: 'package_version', value: '6.4-4' },
            ],
          },
        ],
      },
    },
    { region: 'us-east-1' },
  );
  const [finding] = toAsffFindings(scanned, { granularity: 'vulnerability' });
  if (finding?.Severity.Label !== 'MEDIUM') throw new Error('expected one MEDIUM finding');
  return { ...finding, Severity: { ...finding.Severity, Normalized: 40 } };
}

function actionEvent(id: string, finding: Record<string, unknown>) {
  return {
    version: '0',
    id,
    'detail-type': 'Security Hub Findings - Custom Action',
    source: 'aws.securityhub',
    account: MOTO_ACCOUNT_ID,
    time: '2026-11-20T11:02:41Z',
    region: 'us-east-1',
    resources: [BLOCK],
    detail: { actionName: 'Block ECR pulls', actionDescription: 'Denies pulls', findings: [finding] },
  };
}

// ---------------------------------------------------------------------------------------------
// Hostile values. Objects are built afresh for every use (factories), so that a later mutation
// that writes into one cannot change another test case.

/** Words that could make the MEDIUM finding eligible (or name a severity score); never generated. */
const ELIGIBLE = /high|critical|normalized/i;
const CANARY = 'pollutedByHostileEvent';

const nested = (depth: number, leaf: () => unknown, wrap: (inner: unknown) => unknown) => {
  let value = leaf();
  for (let i = 0; i < depth; i += 1) value = wrap(value);
  return value;
};

const pollutingObjects: ReadonlyArray<() => unknown> = [
  () => ({}),
  () => [],
  () => Object.create(null),
  () => JSON.parse(`{"__proto__":{"${CANARY}":"yes"}}`),
  () => JSON.parse(`{"constructor":{"prototype":{"${CANARY}":"yes"}}}`),
  () =>
    JSON.parse(
      `{"__proto__":{"__proto__":{"${CANARY}":"yes"}},"constructor":{"prototype":{"${CANARY}":"yes"}},"prototype":{"${CANARY}":"yes"}}`,
    ),
  () => JSON.parse('{"toString":"not a function","valueOf":42,"toJSON":null,"hasOwnProperty":1}'),
  () => JSON.parse('{"length":-1,"0":"a"}'),
  () => JSON.parse(`[{"__proto__":{"${CANARY}":"yes"}}]`),
];

const controlString = fc.string({
  unit: fc.integer({ min: 0, max: 0x1f }).map((code) => String.fromCharCode(code)),
  maxLength: 40,
});

const hostileString: fc.Arbitrary<string> = fc
  .oneof(
    fc.constantFrom(
      '',
      ' ',
      '   ',
      '\t\r\n',
      '\u0000',
      'a\u0000b',
      '\u202eevil',
      '\ufeff',
      '\ud83d',
      '💥🔥',
      'é\u0301',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      'null',
      'undefined',
      'NaN',
      '[object Object]',
      '{}',
      '../../etc/passwd',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a log-injection payload, on purpose
      '${jndi:ldap://x}',
      '<script>alert(1)</script>',
      "'; DROP TABLE findings; --",
      'medium',
      'LOW',
      'ARCHIVED',
      // Near misses: valid pieces of a finding of ours, another account's or another region's.
      MOTO_ACCOUNT_ID,
      'AwsEcrRepository',
      'AwsEcrContainerImage',
      'ecr-compliance/',
      'ecr-compliance/ecr-basic/vulnerability',
      `arn:aws:securityhub:us-east-1:${MOTO_ACCOUNT_ID}:product/${MOTO_ACCOUNT_ID}/default`,
      `arn:aws:securityhub:us-east-1:${MOTO_ACCOUNT_ID}:product/210987654321/default`,
      'arn:aws:securityhub:us-east-1:210987654321:product/210987654321/default',
      `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/team-b/web`,
      `arn:aws:ecr:eu-west-1:${MOTO_ACCOUNT_ID}:repository/${REPOSITORY}`,
      'arn:aws:ecr:us-east-1:210987654321:repository/team-a/payments-api',
      // A long ECR ARN of ours that backtracking regular expressions would choke on.
      `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${'x/sha256:a'.repeat(20_000)}!`,
    ),
    controlString,
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 20 }),
    fc
      .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('A', 'é', '\u0000', '💥', ' ', '/'))
      .map(([length, unit]) => unit.repeat(length)),
  )
  .filter((s) => !ELIGIBLE.test(s));

const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    1e21,
    2 ** 53 + 1,
  ),
);

const deepValue = fc.tuple(fc.integer({ min: 2, max: 5_000 }), fc.boolean()).map(([depth, arrays]) =>
  arrays
    ? nested(
        depth,
        () => [],
        (inner) => [inner],
      )
    : nested(
        depth,
        () => ({}),
        (inner) => ({ a: inner }),
      ),
);

const jsonWithoutEligibleWords = fc
  .jsonValue({ maxDepth: 3 })
  .filter((value) => !ELIGIBLE.test(JSON.stringify(value) ?? ''));

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, undefined),
  hostileNumber,
  hostileString,
  fc.constantFrom(...pollutingObjects).map((make) => make()),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: leaf, weight: 6 },
  { arbitrary: fc.array(leaf, { maxLength: 4 }), weight: 1 },
  { arbitrary: deepValue, weight: 1 },
  { arbitrary: jsonWithoutEligibleWords, weight: 1 },
);

// ---------------------------------------------------------------------------------------------
// Mutations of a base event: set a path to a hostile value, delete it, or add an own
// `__proto__` / `constructor` / `prototype` key to an object on the way.

type Mutation =
  | { readonly kind: 'set'; readonly path: Path; readonly value: unknown }
  | { readonly kind: 'delete'; readonly path: Path }
  | { readonly kind: 'inject'; readonly path: Path; readonly key: string; readonly value: unknown };

const isContainer = (value: unknown): value is Record<Key, unknown> =>
  typeof value === 'object' && value !== null;

const define = (target: Record<Key, unknown>, key: Key, value: unknown) =>
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });

/** The container at `path` (own properties only), replacing whatever is not a container on the way. */
function containerAt(root: Record<Key, unknown>, path: Path): Record<Key, unknown> {
  let current = root;
  path.forEach((key, i) => {
    let next = Object.getOwnPropertyDescriptor(current, key)?.value;
    if (!isContainer(next)) {
      next = typeof path[i + 1] === 'number' ? [] : {};
      define(current, key, next);
    }
    current = next as Record<Key, unknown>;
  });
  return current;
}

function mutate(base: object, mutations: readonly Mutation[]): unknown {
  const event = structuredClone(base) as Record<Key, unknown>;
  for (const m of mutations) {
    if (m.kind === 'inject') {
      define(containerAt(event, m.path), m.key, m.value);
      continue;
    }
    const key = m.path[m.path.length - 1] as Key;
    const parent = containerAt(event, m.path.slice(0, -1));
    if (m.kind === 'set') define(parent, key, m.value);
    else Reflect.deleteProperty(parent, key);
  }
  return event;
}

const ENVELOPE: Path[] = [
  ['version'],
  ['id'],
  ['source'],
  ['detail-type'],
  ['account'],
  ['region'],
  ['time'],
  ['resources'],
  ['resources', 0],
  ['resources', 1],
  ['detail'],
];
const SCAN_PATHS: Path[] = [
  ['detail', 'scan-status'],
  ['detail', 'repository-name'],
  ['detail', 'image-digest'],
  ['detail', 'image-tags'],
  ['detail', 'image-tags', 0],
  ['detail', 'finding-severity-counts'],
  ['detail', 'finding-severity-counts', 'MEDIUM'],
];
const F = ['detail', 'findings', 0] as const;
const ACTION_PATHS: Path[] = [
  ['detail', 'actionName'],
  ['detail', 'findings'],
  [...F],
  ['detail', 'findings', 1],
  [...F, 'Id'],
  [...F, 'ProductArn'],
  [...F, 'GeneratorId'],
  [...F, 'AwsAccountId'],
  [...F, 'Severity'],
  [...F, 'Severity', 'Label'],
  [...F, 'FindingProviderFields'],
  [...F, 'FindingProviderFields', 'Severity'],
  [...F, 'FindingProviderFields', 'Severity', 'Label'],
  [...F, 'Resources'],
  [...F, 'Resources', 0],
  [...F, 'Resources', 0, 'Type'],
  [...F, 'Resources', 0, 'Id'],
  [...F, 'Resources', 0, 'Details'],
  [...F, 'Resources', 1],
  [...F, 'RecordState'],
];
const SCAN_OBJECTS: Path[] = [[], ['detail'], ['detail', 'finding-severity-counts']];
const ACTION_OBJECTS: Path[] = [
  [],
  ['detail'],
  [...F],
  [...F, 'Severity'],
  [...F, 'FindingProviderFields'],
  [...F, 'Resources', 0],
];

/** Mutations at the given paths; `inner` paths are chosen three times as often as the envelope's. */
function mutations(inner: Path[], objects: Path[]): fc.Arbitrary<Mutation[]> {
  const path = fc.oneof(
    { arbitrary: fc.constantFrom(...ENVELOPE), weight: 1 },
    { arbitrary: fc.constantFrom(...inner), weight: 3 },
  );
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    // Strings half the time: most fields are strings, and a string gets past the type checks.
    {
      arbitrary: fc.record({
        kind: fc.constant('set' as const),
        path,
        value: fc.oneof(hostileValue, hostileString),
      }),
      weight: 6,
    },
    { arbitrary: fc.record({ kind: fc.constant('delete' as const), path }), weight: 2 },
    {
      arbitrary: fc.record({
        kind: fc.constant('inject' as const),
        path: fc.constantFrom(...objects),
        key: fc.constantFrom('__proto__', 'constructor', 'prototype'),
        value: fc.oneof(
          fc.constantFrom(...pollutingObjects).map((make) => make()),
          hostileValue,
        ),
      }),
      weight: 1,
    },
  );
  return fc.array(mutation, { minLength: 1, maxLength: 4 });
}

/** Arbitrary values as the whole event, from JSON values to what no JSON parser produces. */
const anyEvent = fc.oneof(
  fc.jsonValue(),
  fc.anything({
    key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'detail')),
    withNullPrototype: true,
    withBoxedValues: true,
    withSparseArray: true,
    withDate: true,
    withObjectString: true,
  }),
);

// ---------------------------------------------------------------------------------------------
// Mocks and handlers.

const ecr = mockClient(ECRClient);
const securityHub = mockClient(SecurityHubClient);
const dynamodb = mockClient(DynamoDBClient);
const context = lambdaContext('hostile-events');
let onImageScan: Handler;
let onCustomAction: Handler;
let prototypeKeys: string[];

function configureMocks(): void {
  ecr.reset();
  securityHub.reset();
  dynamodb.reset();
  ecr.on(DescribeImageScanFindingsCommand).rejects(
    new ScanNotFoundException({
      message: 'Image scan does not exist for the image',
      $metadata: { httpStatusCode: 400 },
    }),
  );
  ecr.on(GetRepositoryPolicyCommand).rejects(
    new RepositoryPolicyNotFoundException({
      message: 'Repository policy does not exist',
      $metadata: { httpStatusCode: 400 },
    }),
  );
  ecr.on(SetRepositoryPolicyCommand).resolves({});
  securityHub.on(BatchUpdateFindingsCommand).resolves({ ProcessedFindings: [], UnprocessedFindings: [] });
  dynamodb.on(PutItemCommand).resolves({});
  dynamodb.on(UpdateItemCommand).resolves({});
  dynamodb.on(DeleteItemCommand).resolves({});
}

/** The AWS writes sent since the last history reset, by command name. */
function writesSent(): string[] {
  const counts: Record<string, number> = {
    SetRepositoryPolicy: ecr.commandCalls(SetRepositoryPolicyCommand).length,
    DeleteRepositoryPolicy: ecr.commandCalls(DeleteRepositoryPolicyCommand).length,
    BatchImportFindings: securityHub.commandCalls(BatchImportFindingsCommand).length,
    BatchUpdateFindings: securityHub.commandCalls(BatchUpdateFindingsCommand).length,
  };
  return Object.keys(counts).filter((name) => (counts[name] ?? 0) > 0);
}

type Outcome = ({ resolved: true; value: any } | { resolved: false; error: unknown }) & {
  logs: Array<Record<string, unknown>>;
};

/** One invocation with fresh call history and silenced logs; checks the invariants shared by both handlers. */
async function invoke(handler: Handler, event: unknown): Promise<Outcome> {
  ecr.resetHistory();
  securityHub.resetHistory();
  dynamodb.resetHistory();
  const captured = captureLogs();
  let outcome: Outcome;
  try {
    const settled = await handler(event, context).then(
      (value) => ({ resolved: true as const, value }),
      (error: unknown) => ({ resolved: false as const, error }),
    );
    outcome = { ...settled, logs: captured.lines() }; // every log line is JSON
  } finally {
    captured.restore();
  }
  expect(writesSent()).toEqual([]);
  expect(CANARY in {}).toBe(false);
  if (!outcome.resolved) {
    const error = outcome.error as Error;
    expect(error).toBeInstanceOf(Error);
    expect({ name: error.name, message: error.message }).toMatchObject({
      name: expect.toBeOneOf(EXPECTED_ERRORS),
      message: expect.stringMatching(/\S/),
    });
    expect(outcome.logs.filter((l) => l.level === 'ERROR')).toHaveLength(1);
  }
  return outcome;
}

/** A resolved custom action did nothing: another action fired, or every finding was refused with a reason. */
function expectRefusal(outcome: Outcome): void {
  if (!outcome.resolved) return;
  const { action, outcomes } = outcome.value as { action: string; outcomes: any[] };
  if (action === 'none') {
    expect(outcomes).toEqual([]);
    return;
  }
  expect(action).toBe('block');
  expect(outcomes.length).toBeGreaterThan(0);
  for (const o of outcomes) {
    expect(o.status).toBe('skipped');
    expect(o.reason).toMatch(/\S/);
  }
  const refusals = outcome.logs.filter((l) => l.message === 'finding refused');
  expect(refusals.map((l) => l.reason)).toEqual(outcomes.map((o) => o.reason));
}

beforeAll(async () => {
  prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  configureMocks();
  // Nothing may reach a network: an unmocked call would fail with a connection error.
  const env = handlerEnvironment('http://127.0.0.1:9', { POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  onImageScan = (await loadHandler<{ handler: Handler }>('../../src/handlers/on-image-scan.js', env)).handler;
  onCustomAction = (await loadHandler<{ handler: Handler }>('../../src/handlers/on-custom-action.js', env))
    .handler;
});

beforeEach(() => {
  configureMocks();
});

afterAll(() => {
  ecr.restore();
  securityHub.restore();
  dynamodb.restore();
  vi.unstubAllEnvs();
});

describe('the base events (the mocks reach the handlers)', () => {
  it('on-image-scan reads the scan through the mocked client and ends in ResourceNotFoundError', async () => {
    const outcome = await invoke(onImageScan, scanEvent);
    expect(outcome).toMatchObject({
      resolved: false,
      error: { name: 'ResourceNotFoundError', kind: 'scan' },
    });
    expect(ecr.commandCalls(DescribeImageScanFindingsCommand)).toHaveLength(1);
    expect(dynamodb.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  it('on-custom-action refuses the MEDIUM finding and writes nothing', async () => {
    const outcome = await invoke(onCustomAction, actionEvent('835b2b99-0001', mediumFinding()));
    expect(outcome.resolved && outcome.value).toEqual({
      action: 'block',
      outcomes: [
        {
          status: 'skipped',
          findingId: expect.stringContaining('CVE-2023-50495'),
          reason: 'severity MEDIUM is below the threshold HIGH',
        },
      ],
    });
    expect(ecr.commandCalls(GetRepositoryPolicyCommand)).toHaveLength(0);
  });

  it('on-custom-action writes the policy when the same finding is HIGH (so "no write" is not vacuous)', async () => {
    const high = mediumFinding();
    high.Severity = { Label: 'HIGH', Normalized: 70 };
    const logs = captureLogs();
    let result: any;
    try {
      result = await onCustomAction(actionEvent('835b2b99-0002', high), context);
    } finally {
      logs.restore();
    }
    expect(result.outcomes[0]).toMatchObject({ status: 'blocked', changed: true, audit: { recorded: true } });
    expect(ecr.commandCalls(SetRepositoryPolicyCommand)).toHaveLength(1);
    expect(securityHub.commandCalls(BatchUpdateFindingsCommand)).toHaveLength(1);
  });
});

describe('hostile events', () => {
  it('on-image-scan turns arbitrary values into validation errors', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(anyEvent, async (event) => {
        await invoke(onImageScan, event);
      }),
      { numRuns: 1_000 },
    );
  });

  it('on-image-scan ends every mutated event in one of our errors, never a write', {
    timeout: 60_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(mutations(SCAN_PATHS, SCAN_OBJECTS), async (changes) => {
        const outcome = await invoke(onImageScan, mutate(scanEvent, changes));
        // The scan read fails (ScanNotFound), so no event can succeed.
        expect(outcome.resolved).toBe(false);
      }),
      { numRuns: 2_000 },
    );
  });

  it('on-image-scan ends every mutated "Inspector2 Scan" event in one of our errors, never a write', {
    timeout: 60_000,
  }, async () => {
    const inspectorScan = {
      ...scanEvent,
      'detail-type': 'Inspector2 Scan',
      source: 'aws.inspector2',
      detail: {
        ...scanEvent.detail,
        'scan-status': 'INITIAL_SCAN_COMPLETE',
        'repository-name': `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/${REPOSITORY}`,
        'finding-severity-counts': { CRITICAL: 0, HIGH: 1, MEDIUM: 0, TOTAL: 1 },
      },
    };
    // The unmutated event reaches the scan read, so the mutations are what the property tests.
    expect(await invoke(onImageScan, inspectorScan)).toMatchObject({
      resolved: false,
      error: { name: 'ResourceNotFoundError' },
    });
    await fc.assert(
      fc.asyncProperty(mutations(SCAN_PATHS, SCAN_OBJECTS), async (changes) => {
        const outcome = await invoke(onImageScan, mutate(inspectorScan, changes));
        expect(outcome.resolved).toBe(false);
      }),
      { numRuns: 1_000 },
    );
  });

  it('on-custom-action turns arbitrary values into validation errors', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(anyEvent, async (event) => {
        expectRefusal(await invoke(onCustomAction, event));
      }),
      { numRuns: 1_000 },
    );
  });

  it('on-custom-action refuses every mutated event with a reason, or rejects it, never writing', {
    timeout: 60_000,
  }, async () => {
    const base = actionEvent('835b2b99-1e85-43ee-8e39-503ba80e0ba8', mediumFinding());
    await fc.assert(
      fc.asyncProperty(mutations(ACTION_PATHS, ACTION_OBJECTS), async (changes) => {
        expectRefusal(await invoke(onCustomAction, mutate(base, changes)));
      }),
      { numRuns: 2_000 },
    );
  });

  it('leaves Object.prototype as it was', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(CANARY in {}).toBe(false);
    expect(CANARY in Object.create(Array.prototype)).toBe(false);
  });
});

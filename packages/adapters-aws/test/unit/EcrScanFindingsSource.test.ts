import '../support/mockMatchers.js';
import {
  DescribeImageScanFindingsCommand,
  ECRClient,
  ImageNotFoundException,
  InvalidParameterException,
  RepositoryNotFoundException,
  ScanNotFoundException,
  ServerException,
} from '@aws-sdk/client-ecr';
import { ResourceNotFoundError, ScanNotCompleteError } from '@ecr-compliance/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { EcrScanFindingsSource } from '../../src/ecr/EcrScanFindingsSource.js';
import {
  ACCOUNT,
  basicFinding,
  basicPage,
  DIGEST,
  enhancedFinding,
  enhancedPage,
  REPOSITORY,
  sdkError,
} from './helpers.js';

const ecr = mockClient(ECRClient);
const client = () => new ECRClient({ region: 'us-east-1' });
const image = { accountId: ACCOUNT, repositoryName: REPOSITORY, imageDigest: DIGEST };

beforeEach(() => {
  ecr.reset();
});

afterAll(() => {
  ecr.restore();
});

describe('EcrScanFindingsSource', () => {
  it('asks for 1000 results per call and follows nextToken until the last page', async () => {
    const pages = [
      basicPage({ findings: [basicFinding('CVE-2024-0001', 'openssl')], nextToken: 'page-2' }),
      basicPage({ findings: [basicFinding('CVE-2024-0002', 'zlib')], nextToken: 'page-3' }),
      basicPage({ findings: [basicFinding('CVE-2024-0003', 'ncurses')] }),
    ];
    // The SDK paginator reuses one input object for every page: snapshot it at each call.
    const inputs: unknown[] = [];
    ecr.on(DescribeImageScanFindingsCommand).callsFake((input) => {
      inputs.push(structuredClone(input));
      return pages[inputs.length - 1];
    });

    const scanned = await new EcrScanFindingsSource({ client: client() }).getScan(image);

    expect(ecr).toHaveReceivedCommandTimes(DescribeImageScanFindingsCommand, 3);
    expect(ecr).toHaveReceivedCommandWith(DescribeImageScanFindingsCommand, { maxResults: 1000 });
    const expected = { registryId: ACCOUNT, repositoryName: REPOSITORY, imageId: { imageDigest: DIGEST } };
    expect(inputs).toEqual([
      { ...expected, maxResults: 1000, nextToken: undefined },
      { ...expected, maxResults: 1000, nextToken: 'page-2' },
      { ...expected, maxResults: 1000, nextToken: 'page-3' },
    ]);
    expect(scanned.vulnerabilities.map((v) => v.id)).toEqual([
      'CVE-2024-0001',
      'CVE-2024-0002',
      'CVE-2024-0003',
    ]);
  });

  it('makes a single call when the first page has no nextToken', async () => {
    ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage());

    const scanned = await new EcrScanFindingsSource({ client: client() }).getScan(image);

    expect(ecr).toHaveReceivedCommandOnce(DescribeImageScanFindingsCommand);
    expect(scanned).toMatchObject({
      scanner: { id: 'ecr-basic' },
      accountId: ACCOUNT,
      repositoryName: REPOSITORY,
      imageDigest: DIGEST,
      scanCompletedAt: '2026-11-20T10:16:02.000Z',
    });
    expect(scanned.vulnerabilities.map((v) => v.id)).toEqual(['CVE-2024-6119', 'CVE-2023-50495']);
  });

  it('uses the page size it is given', async () => {
    ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage());

    await new EcrScanFindingsSource({ client: client(), pageSize: 250 }).getScan(image);

    expect(ecr).toHaveReceivedCommandWith(DescribeImageScanFindingsCommand, { maxResults: 250 });
  });

  it('merges the packages of one CVE reported on different pages into one vulnerability', async () => {
    ecr
      .on(DescribeImageScanFindingsCommand)
      .resolvesOnce(basicPage({ findings: [basicFinding('CVE-2024-6119', 'openssl')], nextToken: 't2' }))
      .resolvesOnce(basicPage({ findings: [basicFinding('CVE-2024-6119', 'libssl3')] }));

    const scanned = await new EcrScanFindingsSource({ client: client() }).getScan(image);

    expect(scanned.vulnerabilities).toHaveLength(1);
    expect(scanned.vulnerabilities[0]?.packages.map((p) => p.name)).toEqual(['openssl', 'libssl3']);
  });

  it('merges the enhanced findings of several pages and reports the enhanced scanner', async () => {
    ecr
      .on(DescribeImageScanFindingsCommand)
      .resolvesOnce(enhancedPage([enhancedFinding('CVE-2024-6119', 'openssl')], 'next'))
      .resolvesOnce(enhancedPage([enhancedFinding('CVE-2024-2511', 'libssl3')]));

    const scanned = await new EcrScanFindingsSource({ client: client() }).getScan(image);

    expect(ecr).toHaveReceivedCommandTimes(DescribeImageScanFindingsCommand, 2);
    expect(scanned.scanner.id).toBe('ecr-enhanced');
    expect(scanned.vulnerabilities.map((v) => [v.id, v.packages.map((p) => p.name)])).toEqual([
      ['CVE-2024-6119', ['openssl']],
      ['CVE-2024-2511', ['libssl3']],
    ]);
    expect(scanned.architecture).toBe('amd64');
  });

  it('passes the image tag when the reference has no digest, and omits registryId when not given', async () => {
    ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage());

    await new EcrScanFindingsSource({ client: client() }).getScan({
      repositoryName: REPOSITORY,
      imageTag: '1.8.2',
    });

    const input = ecr.commandCalls(DescribeImageScanFindingsCommand)[0]?.args[0].input;
    expect(input).toEqual({ repositoryName: REPOSITORY, imageId: { imageTag: '1.8.2' }, maxResults: 1000 });
    expect(input).not.toHaveProperty('registryId');
  });

  it('passes both digest and tag when the reference has both', async () => {
    ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage());

    await new EcrScanFindingsSource({ client: client() }).getScan({ ...image, imageTag: '1.8.2' });

    expect(ecr).toHaveReceivedCommandWith(DescribeImageScanFindingsCommand, {
      imageId: { imageDigest: DIGEST, imageTag: '1.8.2' },
    });
  });

  it('refuses a reference with neither digest nor tag without calling ECR', async () => {
    const error = await new EcrScanFindingsSource({ client: client() })
      .getScan({ repositoryName: REPOSITORY })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ResourceNotFoundError);
    expect(error).toMatchObject({ kind: 'image' });
    expect(ecr).not.toHaveReceivedAnyCommand();
  });

  it.each([
    [
      ScanNotFoundException,
      'scan',
      'Image scan does not exist for the image. Ensure that image scanning is enabled.',
    ],
    [ImageNotFoundException, 'image', "The image with imageId {imageDigest:'sha256:9e8e'} does not exist"],
    [
      RepositoryNotFoundException,
      'repository',
      "The repository with name 'team-a/payments-api' does not exist",
    ],
  ] as const)(
    'turns %o into a ResourceNotFoundError of kind %s that keeps the cause',
    async (Exception, kind, message) => {
      const cause = sdkError(Exception, message, 400);
      ecr.on(DescribeImageScanFindingsCommand).rejects(cause);

      const error = await new EcrScanFindingsSource({ client: client() })
        .getScan(image)
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(ResourceNotFoundError);
      expect(error).toMatchObject({ name: 'ResourceNotFoundError', kind, cause });
      expect((error as Error).message).toContain(`${REPOSITORY}@${DIGEST}`);
      expect((error as Error).message).toContain(message);
    },
  );

  it('turns a not-found error on a later page into a ResourceNotFoundError too', async () => {
    ecr
      .on(DescribeImageScanFindingsCommand)
      .resolvesOnce(basicPage({ nextToken: 'p2' }))
      .rejectsOnce(sdkError(ImageNotFoundException, 'image deleted meanwhile', 400));

    await expect(new EcrScanFindingsSource({ client: client() }).getScan(image)).rejects.toMatchObject({
      name: 'ResourceNotFoundError',
      kind: 'image',
    });
  });

  it.each([
    ['IN_PROGRESS', 'The scan is in progress.'],
    ['FAILED', 'UnsupportedImageError: The operating system and/or package manager are not supported.'],
  ])('reports a scan with status %s as not complete', async (status, description) => {
    ecr.on(DescribeImageScanFindingsCommand).resolves({
      registryId: ACCOUNT,
      repositoryName: REPOSITORY,
      imageId: { imageDigest: DIGEST },
      imageScanStatus: { status: status as never, description },
      $metadata: { httpStatusCode: 200 },
    });

    const error = await new EcrScanFindingsSource({ client: client() })
      .getScan(image)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ScanNotCompleteError);
    expect(error).toMatchObject({ status });
    expect((error as Error).message).toContain(description);
  });

  it.each([
    ['ServerException (500)', () => sdkError(ServerException, 'Internal error', 500)],
    ['InvalidParameterException (400)', () => sdkError(InvalidParameterException, 'Invalid parameter', 400)],
    ['a network error', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('lets %s propagate unchanged', async (_label, make) => {
    const original = make();
    ecr.on(DescribeImageScanFindingsCommand).rejects(original);

    await expect(new EcrScanFindingsSource({ client: client() }).getScan(image)).rejects.toBe(original);
  });

  it('reports the tags of the reference when the API names none', async () => {
    const page = basicPage();
    ecr.on(DescribeImageScanFindingsCommand).resolves({ ...page, imageId: { imageDigest: DIGEST } });

    const scanned = await new EcrScanFindingsSource({ client: client() }).getScan({
      ...image,
      imageTags: ['1.8.2', 'latest'],
    });

    expect(scanned.imageTags).toEqual(['1.8.2', 'latest']);
  });

  it("reports the API's tag when the reference brings no tags", async () => {
    ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage());

    const scanned = await new EcrScanFindingsSource({ client: client() }).getScan({
      ...image,
      imageTags: [],
    });

    expect(scanned.imageTags).toEqual(['1.8.2']);
  });

  it("takes the region from the client's configuration", async () => {
    ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage());

    const scanned = await new EcrScanFindingsSource({
      client: new ECRClient({ region: 'eu-central-1' }),
    }).getScan(image);

    expect(scanned.region).toBe('eu-central-1');
  });

  it('prefers the region it is given over the client configuration', async () => {
    ecr.on(DescribeImageScanFindingsCommand).resolves(basicPage());

    const scanned = await new EcrScanFindingsSource({
      client: new ECRClient({ region: 'eu-central-1' }),
      region: 'ap-southeast-2',
    }).getScan(image);

    expect(scanned.region).toBe('ap-southeast-2');
  });
});

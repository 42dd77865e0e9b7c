import {
  type ActionFinding,
  ActionFindingSchema,
  type AsffFinding,
  blockRepository,
  imageFindingId,
  isRepositoryName,
  originOf,
  parseOurFindingId,
  targetRepositoryOf,
  toAsffFindings,
  unblockRepository,
  vulnerabilityFindingId,
} from '@ecr-compliance/core';
import { scannedImageFromEcr } from '@ecr-compliance/core/ecr';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InMemoryRegistry } from './support/fakes.js';
import { asStoredBySecurityHub, clone, fixture } from './support/fixtures.js';

const account = '111122223333';
const context = {
  actor: 'arn:aws:securityhub:us-east-1:111122223333:action/custom/ECR1',
  now: '2026-11-20T11:02:41.000Z',
};
const config = { accountId: account, region: 'us-east-1' };
const page = fixture<Record<string, unknown>>('ecr/basic-page.json');
const scanned = scannedImageFromEcr(page, { region: 'us-east-1' });
const [highFinding, , imageFinding] = toAsffFindings(scanned).map(asStoredBySecurityHub) as Array<
  AsffFinding & Record<string, unknown>
>;
const high = highFinding as AsffFinding & Record<string, unknown>;
const image = imageFinding as AsffFinding & Record<string, unknown>;
const inspector = fixture<Record<string, unknown>>('securityhub/inspector-finding.json');
const digest = scanned.imageDigest;
const repoArn = (name: string, region = 'us-east-1', id = account) =>
  `arn:aws:ecr:${region}:${id}:repository/${name}`;

/** Our HIGH finding, consistently rewritten to be about `name` (Id, ProductFields and resources). */
function highOf(name: string): Record<string, unknown> {
  const other = scannedImageFromEcr({ ...page, repositoryName: name }, { region: 'us-east-1' });
  return asStoredBySecurityHub(toAsffFindings(other)[0] as AsffFinding);
}

/** The finding after ActionFindingSchema, as targetRepositoryOf receives it. */
const parsed = (raw: unknown): ActionFinding => ActionFindingSchema.parse(raw);

describe('parseOurFindingId', () => {
  it('reads back what the mapping writes, for image and vulnerability findings, with slashes in the name', () => {
    const nested = { ...scanned, repositoryName: 'org/team-a/payments-api' };
    const expected = {
      scannerId: 'ecr-basic',
      accountId: account,
      region: 'us-east-1',
      repositoryName: 'org/team-a/payments-api',
      imageDigest: digest,
    };
    expect(parseOurFindingId(imageFindingId(nested))).toEqual(expected);
    expect(parseOurFindingId(vulnerabilityFindingId(nested, 'GHSA-xxxx-yyyy/zz'))).toEqual(expected);
  });

  it('reads the repository of an Id cut to 512 characters inside a long vulnerability id', () => {
    const id = vulnerabilityFindingId(scanned, 'X'.repeat(600));
    expect(id.length).toBe(512);
    expect(parseOurFindingId(id)?.repositoryName).toBe('team-a/payments-api');
  });

  it.each([
    String(inspector.Id),
    'ecr-compliance/x',
    `ecr-compliance/ecr-basic/${account}/us-east-1/team-a/api/image`,
    `forged/ecr-basic/${account}/us-east-1/team-a/api/${digest}/image`,
  ])('reads nothing from %s', (id) => {
    expect(parseOurFindingId(id)).toBeUndefined();
  });
});

describe('originOf', () => {
  it('tells our findings and Inspector findings apart from everything else', () => {
    expect(originOf(parsed(high))).toBe('ecr-compliance');
    expect(originOf(parsed(inspector))).toBe('amazon-inspector');
    const partner = {
      ...parsed(high),
      ProductArn: 'arn:aws:securityhub:us-east-1::product/aquasecurity/aquasecurity',
    };
    expect(originOf(partner)).toBeUndefined();
    const otherGenerator = { ...parsed(high), GeneratorId: 'ci-scanner/trivy' };
    expect(originOf(otherGenerator)).toBeUndefined();
    const otherId = { ...parsed(high), Id: 'ci-scanner/finding-1' };
    expect(originOf(otherId)).toBeUndefined();
    const crossAccountProduct = {
      ...parsed(high),
      ProductArn: `arn:aws:securityhub:us-east-1:${account}:product/444455556666/default`,
    };
    expect(originOf(crossAccountProduct)).toBeUndefined();
  });
});

describe('isRepositoryName', () => {
  it.each(['ab', 'team-a/payments-api', 'a.b_c-d/e-f', 'x'.repeat(256)])('accepts %s', (name) => {
    expect(isRepositoryName(name)).toBe(true);
  });
  it.each([
    'a',
    'a/../b',
    'team-a/',
    '/team-a',
    'Team-A/api',
    'team-a//api',
    'x'.repeat(257),
    'a-',
    'a b',
    'a__b',
  ])('refuses %s', (name) => {
    expect(isRepositoryName(name)).toBe(false);
  });
});

describe('targetRepositoryOf', () => {
  const target = (raw: unknown) => {
    const finding = parsed(raw);
    const origin = originOf(finding);
    if (!origin) throw new Error('test finding has no origin');
    return targetRepositoryOf(finding, origin, account, 'us-east-1');
  };
  const reasonOf = (raw: unknown) => {
    const result = target(raw);
    return result.ok ? 'ok' : result.reason;
  };

  it('finds the one repository of our vulnerability, image and Inspector findings', () => {
    const repository = { accountId: account, region: 'us-east-1', repositoryName: 'team-a/payments-api' };
    expect(target(high)).toEqual({ ok: true, repository });
    expect(target(image)).toEqual({ ok: true, repository });
    expect(target(inspector)).toEqual({ ok: true, repository });
  });

  it('refuses a finding whose Id is about one repository and whose resource is another', () => {
    const forged = {
      ...clone(high),
      Resources: [{ Type: 'AwsEcrContainerImage', Id: `${repoArn('prod/db')}/${digest}` }],
    };
    expect(reasonOf(forged)).toBe(
      'finding Id is about repository team-a/payments-api, but its resources name prod/db',
    );
  });

  it('refuses a finding with resources of two repositories, whichever comes first', () => {
    const two = {
      ...clone(image),
      Resources: [...(image.Resources as unknown[]), { Type: 'AwsEcrRepository', Id: repoArn('prod/db') }],
    };
    expect(reasonOf(two)).toBe(
      'finding names more than one repository: team-a/payments-api in us-east-1 and prod/db in us-east-1',
    );
    const inspectorTwo = {
      ...clone(inspector),
      Resources: [
        { Type: 'AwsEcrRepository', Id: repoArn('prod/db') },
        ...(inspector.Resources as unknown[]),
      ],
    };
    expect(reasonOf(inspectorTwo)).toMatch(
      /^finding names more than one repository: prod\/db in us-east-1 and /,
    );
  });

  it('counts a resource of any type whose Id is an ECR ARN', () => {
    const hidden = {
      ...clone(high),
      Resources: [...(high.Resources as unknown[]), { Type: 'Other', Id: repoArn('prod/db') }],
    };
    expect(reasonOf(hidden)).toMatch(/^finding names more than one repository/);
  });

  it('refuses an ECR resource type whose Id is no ECR ARN', () => {
    const bad = {
      ...clone(high),
      Resources: [...(high.Resources as unknown[]), { Type: 'AwsEcrRepository', Id: 'prod/db' }],
    };
    expect(reasonOf(bad)).toBe('resource prod/db (AwsEcrRepository) is not an ECR image or repository ARN');
  });

  it('refuses a resource whose details name another repository or registry than its ARN', () => {
    const resource = (high.Resources as unknown as Array<Record<string, any>>)[0] as Record<string, any>;
    const renamed = {
      ...clone(high),
      Resources: [
        {
          ...resource,
          Details: {
            AwsEcrContainerImage: { ...resource.Details.AwsEcrContainerImage, RepositoryName: 'prod/db' },
          },
        },
      ],
    };
    expect(reasonOf(renamed)).toMatch(
      /gives RepositoryName "prod\/db", but its ARN names team-a\/payments-api$/,
    );
    const moved = {
      ...clone(high),
      Resources: [
        {
          ...resource,
          Details: {
            AwsEcrContainerImage: { ...resource.Details.AwsEcrContainerImage, RegistryId: '444455556666' },
          },
        },
      ],
    };
    expect(reasonOf(moved)).toMatch(/gives RegistryId 444455556666, but its ARN is in 111122223333$/);
    const elsewhere = { ...clone(high), Resources: [{ ...resource, Region: 'eu-west-1' }] };
    expect(reasonOf(elsewhere)).toMatch(/gives Region eu-west-1, but its ARN is in us-east-1$/);
  });

  it('refuses our finding whose ProductFields name another repository, or none', () => {
    const fields = high.ProductFields as Record<string, string>;
    const renamed = {
      ...clone(high),
      ProductFields: { ...fields, 'ecr-compliance/RepositoryName': 'prod/db' },
    };
    expect(reasonOf(renamed)).toBe(
      `ProductFields ecr-compliance/RepositoryName is "prod/db", but the finding's resources name team-a/payments-api`,
    );
    const { 'ecr-compliance/RepositoryName': _gone, ...rest } = fields;
    expect(reasonOf({ ...clone(high), ProductFields: rest })).toBe(
      'finding has no ProductFields ecr-compliance/RepositoryName',
    );
  });

  it('refuses our finding whose Id names another image, account or region than its resources', () => {
    const otherDigest = `sha256:${'b'.repeat(64)}`;
    expect(reasonOf({ ...clone(high), Id: String(high.Id).replace(digest, otherDigest) })).toBe(
      `finding Id is about image ${otherDigest}, but a resource names image ${digest}`,
    );
    expect(reasonOf({ ...clone(high), Id: String(high.Id).replace(`/${account}/`, '/444455556666/') })).toBe(
      'finding Id is about account 444455556666 in us-east-1, but its resources are in account 111122223333 in us-east-1',
    );
    expect(reasonOf({ ...clone(high), Id: 'ecr-compliance/forged' })).toBe(
      'finding Id ecr-compliance/forged does not name an image as ecr-compliance writes it',
    );
  });

  it('refuses a finding imported for another region than its repository', () => {
    const imported = {
      ...clone(high),
      ProductArn: `arn:aws:securityhub:eu-west-1:${account}:product/${account}/default`,
    };
    expect(reasonOf(imported)).toBe(
      'finding was imported for region eu-west-1 (ProductArn), but its repository is in us-east-1',
    );
  });

  it.each([
    ['a/../b', 'a/../b'],
    ['a trailing slash', 'team-a/'],
    ['uppercase', 'Team-A/api'],
  ])('refuses a repository name with %s before any call, even when every field agrees', async (_, name) => {
    const finding = JSON.parse(JSON.stringify(high).replaceAll('team-a/payments-api', name));
    expect(reasonOf(finding)).toBe(
      `resource ${repoArn(name)}/${digest} names ${JSON.stringify(name)}, which is not a valid ECR repository name`,
    );
    const registry = new InMemoryRegistry();
    const blocked = await blockRepository({ policies: registry }, finding, config, context);
    const unblocked = await unblockRepository({ policies: registry }, finding, config, context);
    expect([blocked.status, unblocked.status]).toEqual(['skipped', 'skipped']);
    expect(registry.reads).toEqual([]);
    expect(registry.writes).toEqual([]);
  });

  it('accepts a consistent finding of another valid repository', () => {
    expect(target(highOf('prod/db'))).toMatchObject({ ok: true, repository: { repositoryName: 'prod/db' } });
  });
});

describe('blockRepository and unblockRepository on a mismatched finding', () => {
  it('neither reads nor writes either repository', async () => {
    const registry = new InMemoryRegistry();
    const forged = {
      ...clone(high),
      Resources: [{ Type: 'AwsEcrRepository', Id: repoArn('prod/db') }],
    };
    const blocked = await blockRepository({ policies: registry }, forged, config, context);
    const unblocked = await unblockRepository({ policies: registry }, forged, config, context);
    expect(blocked).toEqual({
      status: 'skipped',
      findingId: high.Id,
      reason: 'finding Id is about repository team-a/payments-api, but its resources name prod/db',
    });
    expect(unblocked.status).toBe('skipped');
    expect(registry.reads).toEqual([]);
    expect(registry.writes).toEqual([]);
  });
});

describe('targetRepositoryOf, for any repository names', () => {
  const segment = fc.stringMatching(/^[a-z0-9]{1,8}(?:[._-][a-z0-9]{1,8}){0,2}$/);
  const name = fc
    .array(segment, { minLength: 1, maxLength: 4 })
    .map((parts) => parts.join('/'))
    .filter((n) => n.length >= 2);

  it('acts on the repository of a consistent finding, and never on a resource of another', async () => {
    await fc.assert(
      fc.asyncProperty(name, name, async (about, resource) => {
        fc.pre(about !== resource);
        const finding = parsed(highOf(about));
        expect(targetRepositoryOf(finding, 'ecr-compliance', account, 'us-east-1')).toEqual({
          ok: true,
          repository: { accountId: account, region: 'us-east-1', repositoryName: about },
        });
        const registry = new InMemoryRegistry();
        const forged = {
          ...highOf(about),
          Resources: [{ Type: 'AwsEcrContainerImage', Id: `${repoArn(resource)}/${digest}` }],
        };
        const outcome = await blockRepository({ policies: registry }, forged, config, context);
        expect(outcome.status).toBe('skipped');
        expect(registry.reads).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });
});

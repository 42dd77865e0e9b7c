/**
 * Issue 11 §1: the packages as a user gets them. The three tarballs `pnpm run package` writes are
 * installed with npm (plus aws-cdk-lib, constructs and cdk-nag at the workspace's versions) into a
 * new project in a temporary folder outside the workspace; a plain-JavaScript app of a few lines
 * synthesizes `new EcrContinuousCompliance(stack, 'Compliance')` offline with cdk-nag, and
 * `npx ecr-compliance --help` runs there. It fails when the install pulls esbuild or anything from
 * this workspace, or when a function's code is not a bundle the package ships.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HANDLERS } from '../../src/handlers.js';

const ROOT = realpathSync(fileURLToPath(new URL('../../../../', import.meta.url)));
const infraManifest = JSON.parse(readFileSync(join(ROOT, 'packages/infra/package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
};
const VERSIONS = ['aws-cdk-lib', 'constructs', 'cdk-nag'].map(
  (name) => `${name}@${infraManifest.devDependencies[name]}`,
);

interface Packed {
  readonly name: string;
  readonly path: string;
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: readonly string[];
}

/** The app of the user's project: two stacks, the default construct and one with every option that adds a function. */
const APP = `import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { EcrContinuousCompliance } from '@ecr-compliance/cdk';

const app = new App({ outdir: 'cdk.out' });
new EcrContinuousCompliance(new Stack(app, 'Security'), 'Compliance');
new EcrContinuousCompliance(new Stack(app, 'Automatic'), 'Compliance', { autoRemediation: true, autoUnblock: true, exceptions: {} });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
`;

let project: string;
let packed: Packed[];
let env: NodeJS.ProcessEnv;

/** The environment without this workspace: no pnpm or npm settings, no workspace bin on PATH. */
function userEnvironment(): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (
      /^(npm|pnpm)_/i.test(key) ||
      key === 'NODE_PATH' ||
      key === 'INIT_CWD' ||
      key === 'VITEST' ||
      key.startsWith('VITEST_')
    )
      continue;
    clean[key] = value;
  }
  clean.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => entry !== '' && !entry.startsWith(ROOT))
    .join(delimiter);
  clean.CDK_DISABLE_CLI_TELEMETRY = 'true';
  clean.CDK_DISABLE_VERSION_CHECK = '1';
  return clean;
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, {
    cwd: project,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

beforeAll(() => {
  project = realpathSync(mkdtempSync(join(tmpdir(), 'ecr-compliance-consumer-')));
  env = userEnvironment();
  // Builds what is stale (a no-op after `pnpm build`), then packs into the project's folder.
  execFileSync('pnpm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const tarballs = join(project, 'tarballs');
  mkdirSync(tarballs);
  packed = JSON.parse(
    execFileSync(process.execPath, [join(ROOT, 'scripts/package.mjs'), '--json', '--destination', tarballs], {
      cwd: ROOT,
      encoding: 'utf8',
    }),
  ) as Packed[];
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'my-cdk-app', private: true, type: 'module' }, null, 2)}\n`,
  );
  writeFileSync(join(project, 'app.mjs'), APP);
  run('npm', [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--loglevel=error',
    ...packed.map((tarball) => `./tarballs/${tarball.path.split(sep).pop()}`),
    ...VERSIONS,
  ]);
});

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

describe('the packed packages, installed with npm outside the workspace', () => {
  it('are the three publishable packages, each with its README and built JavaScript with types', () => {
    expect(project.startsWith(ROOT)).toBe(false);
    expect(packed.map((tarball) => tarball.name).sort()).toEqual([
      '@ecr-compliance/adapters-aws',
      '@ecr-compliance/cdk',
      '@ecr-compliance/core',
    ]);
    for (const tarball of packed) {
      expect(tarball.files).toContain('README.md');
      expect(tarball.files).toContain('dist/index.js');
      expect(tarball.files).toContain('dist/index.d.ts');
      expect(
        tarball.files.filter((file) => file.startsWith('src/') || file.endsWith('.tsbuildinfo')),
      ).toEqual([]);
    }
    const cdk = packed.find((tarball) => tarball.name === '@ecr-compliance/cdk');
    expect(cdk?.files).toEqual(expect.arrayContaining(HANDLERS.map((name) => `lambda/${name}/index.mjs`)));
  });

  it('pull no esbuild and nothing from the workspace', () => {
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string; link?: boolean }>;
    };
    const installed = Object.keys(lock.packages).filter((path) => path !== '');
    expect(installed.filter((path) => /(^|\/)(@esbuild\/|esbuild$)/.test(path))).toEqual([]);
    expect(existsSync(join(project, 'node_modules/esbuild'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/@esbuild'))).toBe(false);
    expect(installed.filter((path) => lock.packages[path]?.link === true)).toEqual([]);
    for (const name of ['core', 'adapters-aws', 'cdk']) {
      const entry = lock.packages[`node_modules/@ecr-compliance/${name}`];
      expect(entry?.resolved, name).toMatch(/^file:tarballs\/ecr-compliance-.+\.tgz$/);
    }
    // Every package, and what each resolves, lives inside the project's folder.
    const resolved = run(process.execPath, [
      '--input-type=module',
      '-e',
      `for (const name of ['@ecr-compliance/cdk', '@ecr-compliance/adapters-aws', '@ecr-compliance/adapters-aws/environment', '@ecr-compliance/core', 'aws-cdk-lib', 'constructs']) console.log(new URL(import.meta.resolve(name)).pathname);`,
    ])
      .trim()
      .split('\n');
    expect(resolved).toHaveLength(6);
    for (const path of resolved) expect(realpathSync(path).startsWith(`${project}${sep}`), path).toBe(true);
    for (const name of readdirSync(join(project, 'node_modules/@ecr-compliance')))
      expect(realpathSync(join(project, 'node_modules/@ecr-compliance', name)).startsWith(project)).toBe(
        true,
      );
  });

  it('synthesize the construct offline, cdk-nag passes, and every function runs a shipped bundle', () => {
    const result = spawnSync(process.execPath, ['app.mjs'], { cwd: project, env, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = join(project, 'cdk.out');
    const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8')) as {
      pluginReports: Array<{ pluginName: string; conclusion: string; violations: unknown[] }>;
    };
    const nag = report.pluginReports.find((plugin) => plugin.pluginName === 'AwsSolutions');
    expect(nag?.conclusion).toBe('success');
    expect(nag?.violations).toEqual([]);

    const shipped = join(project, 'node_modules/@ecr-compliance/cdk/lambda');
    const bundleOf = (dir: string) =>
      Object.fromEntries(
        readdirSync(dir).map((file) => [file, readFileSync(join(dir, file)).toString('base64')]),
      );
    const bundles = Object.fromEntries(HANDLERS.map((name) => [name, bundleOf(join(shipped, name))]));
    // The shipped bundle is the one this workspace builds.
    for (const name of HANDLERS)
      expect(bundles[name], name).toEqual(bundleOf(join(ROOT, 'packages/infra/lambda', name)));

    const used = (stack: string): string[] => {
      const template = JSON.parse(readFileSync(join(out, `${stack}.template.json`), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: string } } }>;
      };
      const assets = JSON.parse(readFileSync(join(out, `${stack}.assets.json`), 'utf8')) as {
        files: Record<string, { source: { path: string; packaging?: string } }>;
      };
      return Object.values(template.Resources)
        .filter((resource) => resource.Type === 'AWS::Lambda::Function')
        .map((resource) => {
          const hash = String(resource.Properties.Code?.S3Key).replace(/\.zip$/, '');
          expect(assets.files[hash]?.source).toEqual({ path: `asset.${hash}`, packaging: 'zip' });
          const staged = bundleOf(join(out, `asset.${hash}`));
          const name = HANDLERS.find(
            (candidate) => JSON.stringify(bundles[candidate]) === JSON.stringify(staged),
          );
          expect(name, `asset.${hash} is no shipped bundle`).toBeDefined();
          return name as string;
        })
        .sort();
    };
    expect(used('Security')).toEqual(['on-custom-action', 'on-image-action', 'on-image-scan']);
    expect(used('Automatic')).toEqual([...HANDLERS].sort());
  });

  it('run npx ecr-compliance --help from the project', () => {
    expect(realpathSync(join(project, 'node_modules/.bin/ecr-compliance')).startsWith(project)).toBe(true);
    const help = run('npx', ['ecr-compliance', '--help']);
    expect(help).toMatch(/^Usage: ecr-compliance <command> \[options\]/);
  });
});

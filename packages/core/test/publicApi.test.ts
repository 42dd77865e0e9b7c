/**
 * Every export of a package entry point carries TSDoc: the public API is what users of the core
 * (other scanners), the adapters and the construct read, in their editor and in docs/API.md.
 */
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ENTRY_POINTS = [
  'packages/core/src/index.ts',
  'packages/core/src/ecr/index.ts',
  'packages/core/src/scanners/index.ts',
  'packages/adapters-aws/src/index.ts',
  'packages/adapters-aws/src/lambda/environment.ts',
  'packages/infra/src/index.ts',
];

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** How many names `entry` exports, and those whose declarations have no TSDoc comment. */
function undocumentedExports(program: ts.Program, entry: string): { exports: number; missing: string[] } {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  if (!source) throw new Error(`${entry} is not in the program`);
  const module = checker.getSymbolAtLocation(source);
  if (!module) return { exports: 0, missing: [] };
  const missing: string[] = [];
  const exports = checker.getExportsOfModule(module);
  for (const exported of exports) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const documented =
      symbol.getDocumentationComment(checker).length > 0 ||
      (symbol.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
    if (!documented) missing.push(exported.name);
  }
  return { exports: exports.length, missing: missing.sort() };
}

describe('the public API', () => {
  const program = ts.createProgram(
    ENTRY_POINTS.map((entry) => `${repoRoot}${entry}`),
    {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      skipLibCheck: true,
      noEmit: true,
    },
  );

  it.each(ENTRY_POINTS)('documents every export of %s with TSDoc', (entry) => {
    const { exports, missing } = undocumentedExports(program, `${repoRoot}${entry}`);
    expect(exports).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });

  it('sees an export without TSDoc (the check can fail)', () => {
    const file = `${repoRoot}packages/core/test/fixtures/undocumented-export.ts`;
    const host = ts.createCompilerHost({});
    const read = host.readFile;
    host.readFile = (name) =>
      name === file ? '/** Documented. */\nexport const a = 1;\nexport const b = 2;\n' : read(name);
    host.fileExists = (
      (exists) => (name: string) =>
        name === file || exists(name)
    )(host.fileExists);
    const fixture = ts.createProgram([file], { noEmit: true }, host);
    expect(undocumentedExports(fixture, file)).toEqual({ exports: 2, missing: ['b'] });
  });
});

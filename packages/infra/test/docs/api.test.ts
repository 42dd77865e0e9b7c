import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { API_DOC, renderApiDoc } from '../../../../scripts/api-docs.js';

const propsSource = readFileSync(
  fileURLToPath(new URL('../../src/EcrContinuousComplianceProps.ts', import.meta.url)),
  'utf8',
);

describe('docs/API.md', () => {
  it('is what the props TSDoc generates (run pnpm run docs:api after changing a prop)', () => {
    expect(readFileSync(API_DOC, 'utf8')).toBe(renderApiDoc(propsSource));
  });

  it('gains a row with the type, default and description of a new prop', () => {
    const withProp = propsSource.replace(
      'export interface EcrContinuousComplianceProps {',
      "export interface EcrContinuousComplianceProps {\n  /**\n   * A new setting.\n   *\n   * @default 'x'\n   */\n  readonly newSetting?: 'x' | 'y';",
    );
    const rendered = renderApiDoc(withProp);
    expect(rendered).not.toBe(renderApiDoc(propsSource));
    expect(rendered).toContain("| `newSetting` | `'x' \\| 'y'` | `'x'` | A new setting. |");
  });

  it('lists every property of the props interface', () => {
    const names = [...propsSource.matchAll(/^ {2}readonly (\w+)\?: /gm)].map((match) => match[1]);
    const rendered = renderApiDoc(propsSource);
    for (const name of names) expect(rendered).toContain(`| \`${name}\` |`);
  });
});

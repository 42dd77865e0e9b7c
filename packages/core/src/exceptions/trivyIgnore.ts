/**
 * Trivy's ignore files as exceptions, both ways: `.trivyignore.yaml` (`vulnerabilities[]` with
 * `id`, `paths`, `purls`, `expired_at`, `statement`) and plain `.trivyignore` (one id a line,
 * `exp:YYYY-MM-DD` after it). Only the part of YAML these files use is read: a document that uses
 * more is refused with its line number, never guessed at.
 */
import { InvalidInputError } from '../errors.js';
import type { ExceptionRecord } from './ExceptionRecord.js';

/** One vulnerability entry of a Trivy ignore file. */
export interface TrivyIgnoreEntry {
  readonly id: string;
  readonly paths: readonly string[];
  readonly purls: readonly string[];
  /** `YYYY-MM-DD`: Trivy ignores the entry until that day begins (UTC). */
  readonly expiredAt?: string;
  readonly statement?: string;
  /** Line of the entry in the file, for messages. */
  readonly line: number;
}

const unquote = (raw: string, line: number): string => {
  const value = raw.trim();
  if (value.startsWith('"')) {
    if (!value.endsWith('"') || value.length < 2)
      throw new InvalidInputError('unterminated string', `line ${line}`);
    return JSON.parse(value) as string;
  }
  if (value.startsWith("'")) {
    if (!value.endsWith("'") || value.length < 2)
      throw new InvalidInputError('unterminated string', `line ${line}`);
    return value.slice(1, -1).replaceAll("''", "'");
  }
  return value;
};

const withoutComment = (text: string): string => {
  // A '#' starts a comment at the start or after a space, outside quotes.
  let quote: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || text[i - 1] === ' ')) return text.slice(0, i);
  }
  return text;
};

/** Whether a text is the YAML form (a top-level `key:` line) rather than plain lines of ids. */
export function isTrivyIgnoreYaml(text: string): boolean {
  return text.split('\n').some((l) => /^[A-Za-z_]+:\s*$/.test(withoutComment(l).trimEnd()));
}

/** Reads plain `.trivyignore` lines: `ID` or `ID exp:YYYY-MM-DD` (other `key:value` words are ignored, as Trivy does). */
export function parsePlainTrivyIgnore(text: string): TrivyIgnoreEntry[] {
  const out: TrivyIgnoreEntry[] = [];
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = withoutComment(raw).trim();
    if (!line) continue;
    const [id, ...words] = line.split(/\s+/);
    const exp = words.find((w) => w.startsWith('exp:'))?.slice(4);
    if (exp !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(exp)) {
      throw new InvalidInputError(`exp: must be YYYY-MM-DD, got ${JSON.stringify(exp)}`, `line ${index + 1}`);
    }
    out.push({ id: id as string, paths: [], purls: [], ...(exp ? { expiredAt: exp } : {}), line: index + 1 });
  }
  return out;
}

/** Reads the `vulnerabilities` of a `.trivyignore.yaml`; the other sections (misconfigurations, secrets, licenses) are skipped. */
export function parseTrivyIgnoreYaml(text: string): TrivyIgnoreEntry[] {
  const out: TrivyIgnoreEntry[] = [];
  let section: string | undefined;
  let entry:
    | { id?: string; paths: string[]; purls: string[]; expiredAt?: string; statement?: string; line: number }
    | undefined;
  let list: 'paths' | 'purls' | undefined;
  let itemIndent = -1;
  const flush = () => {
    if (!entry) return;
    if (!entry.id) throw new InvalidInputError('an entry has no id', `line ${entry.line}`);
    out.push({ ...entry, id: entry.id });
    entry = undefined;
  };
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const lineNo = index + 1;
    const line = withoutComment(raw).trimEnd();
    if (!line.trim()) continue;
    if (line.includes('\t'))
      throw new InvalidInputError('tabs are not allowed in YAML indentation', `line ${lineNo}`);
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (indent === 0) {
      flush();
      const top = /^([A-Za-z_]+):$/.exec(body);
      if (!top)
        throw new InvalidInputError(
          `expected a section such as "vulnerabilities:", got ${JSON.stringify(body)}`,
          `line ${lineNo}`,
        );
      section = top[1];
      list = undefined;
      continue;
    }
    if (section !== 'vulnerabilities') continue;
    let rest = body;
    if (body.startsWith('- ') && (itemIndent < 0 || indent <= itemIndent) && list === undefined) {
      flush();
      itemIndent = indent;
      entry = { paths: [], purls: [], line: lineNo };
      rest = body.slice(2).trim();
    } else if (body.startsWith('- ') && list !== undefined && indent > itemIndent) {
      entry?.[list].push(unquote(body.slice(2), lineNo));
      continue;
    } else if (body.startsWith('- ')) {
      flush();
      itemIndent = indent;
      list = undefined;
      entry = { paths: [], purls: [], line: lineNo };
      rest = body.slice(2).trim();
    }
    if (!entry) throw new InvalidInputError('expected a list item "- id: ..."', `line ${lineNo}`);
    const pair = /^([A-Za-z_]+):(?:\s+(.*))?$/.exec(rest);
    if (!pair)
      throw new InvalidInputError(`expected "key: value", got ${JSON.stringify(rest)}`, `line ${lineNo}`);
    const [, key, value] = pair as unknown as [string, string, string | undefined];
    list = undefined;
    switch (key) {
      case 'id':
        entry.id = unquote(value ?? '', lineNo);
        break;
      case 'statement':
        entry.statement = unquote(value ?? '', lineNo);
        break;
      case 'expired_at': {
        const date = unquote(value ?? '', lineNo);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date))
          throw new InvalidInputError(
            `expired_at: must be YYYY-MM-DD, got ${JSON.stringify(date)}`,
            `line ${lineNo}`,
          );
        entry.expiredAt = date;
        break;
      }
      case 'paths':
      case 'purls':
        if (value !== undefined && value.trim() !== '') {
          const inline = /^\[(.*)\]$/.exec(value.trim());
          if (!inline) throw new InvalidInputError(`${key}: expected a list`, `line ${lineNo}`);
          for (const v of (inline[1] ?? '').split(',').filter((s) => s.trim()))
            entry[key].push(unquote(v, lineNo));
        } else list = key;
        break;
      default:
        throw new InvalidInputError(
          `unknown key ${JSON.stringify(key)} (Trivy knows id, paths, purls, expired_at, statement)`,
          `line ${lineNo}`,
        );
    }
  }
  flush();
  return out;
}

/** Reads either form of a Trivy ignore file. */
export function parseTrivyIgnore(text: string): TrivyIgnoreEntry[] {
  return isTrivyIgnoreYaml(text) ? parseTrivyIgnoreYaml(text) : parsePlainTrivyIgnore(text);
}

const yamlString = (value: string): string => JSON.stringify(value);

/**
 * Exceptions as a `.trivyignore.yaml`, so that Trivy in CI ignores what the exceptions accept, and
 * no longer: `expired_at` is the day the exception ends (UTC), rounded down, because Trivy ignores
 * an entry until that day begins. Package scopes given as PURLs become `purls`; a package given by
 * name has no Trivy field and is written as a comment, so Trivy ignores the advisory in every package.
 */
export function toTrivyIgnoreYaml(exceptions: readonly ExceptionRecord[]): string {
  const lines = [
    '# Written by ecr-compliance exception export: one entry per exception, ending with it.',
    'vulnerabilities:',
  ];
  for (const e of [...exceptions].sort((a, b) => a.id.localeCompare(b.id))) {
    lines.push(`  - id: ${yamlString(e.vulnerabilityId)}`);
    if (e.scope.package?.startsWith('pkg:'))
      lines.push('    purls:', `      - ${yamlString(e.scope.package)}`);
    lines.push(`    expired_at: ${e.expiresAt.slice(0, 10)}`);
    const where =
      e.scope.repositoryName ??
      (e.scope.repositoryPrefix ? `${e.scope.repositoryPrefix}*` : 'every repository');
    const pkg = e.scope.package && !e.scope.package.startsWith('pkg:') ? `, package ${e.scope.package}` : '';
    lines.push(
      `    statement: ${yamlString(`${e.id} (${e.justification}, ${e.owner}; ${e.scope.accountId} ${where}${e.scope.imageDigest ? `@${e.scope.imageDigest}` : ''}${pkg}): ${e.statement}`)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Which exceptions cover a vulnerability of an image, at a given instant. Pure: `now` is a parameter.
 */
import type { ExceptionRecord, ExceptionScope } from './ExceptionRecord.js';

/** Where an exception stands at an instant. */
export type ExceptionState = 'active' | 'expired' | 'not-yet';

/**
 * `active` from `createdAt` up to (not including) `expiresAt`; `expired` from `expiresAt` on.
 * An exception whose times cannot be read is `expired`: an exception suppresses only when it
 * certainly holds.
 */
export function exceptionState(
  exception: Pick<ExceptionRecord, 'createdAt' | 'expiresAt'>,
  now: string,
): ExceptionState {
  const at = Date.parse(now);
  const start = Date.parse(exception.createdAt);
  const end = Date.parse(exception.expiresAt);
  if (Number.isNaN(at) || Number.isNaN(start) || Number.isNaN(end) || at >= end) return 'expired';
  return at < start ? 'not-yet' : 'active';
}

/** Whether an exception suppresses at `now`. */
export const isExceptionActive = (exception: ExceptionRecord, now: string): boolean =>
  exceptionState(exception, now) === 'active';

/** One vulnerability of one image, as an exception is matched against it. */
export interface ExceptionTarget {
  readonly accountId: string;
  readonly repositoryName: string;
  /** The image, when known (`sha256:...`). A scope with a digest never matches a target without one. */
  readonly imageDigest?: string;
  /** The advisory id and its aliases (related vulnerabilities). */
  readonly vulnerabilityIds: readonly string[];
  /** The affected packages; an exception with a package matches when one of them is that package. */
  readonly packages: ReadonlyArray<{ readonly name: string; readonly version?: string }>;
}

/** Whether a scope covers a repository of an account (without looking at digest or package). */
export function scopeCoversRepository(
  scope: ExceptionScope,
  repository: { readonly accountId: string; readonly repositoryName: string },
): boolean {
  if (scope.accountId !== repository.accountId) return false;
  if (scope.repositoryName !== undefined) return scope.repositoryName === repository.repositoryName;
  if (scope.repositoryPrefix !== undefined)
    return scope.repositoryPrefix.length > 0 && repository.repositoryName.startsWith(scope.repositoryPrefix);
  return scope.allRepositories === true;
}

/**
 * A package scope as a name and an optional version: a PURL (`pkg:type/namespace/name@version?q#s`)
 * gives its last name segment and its version; anything else is a name.
 */
export function packageOfScope(value: string): {
  readonly name: string;
  readonly version?: string;
  /** For a PURL: namespace and name (`github.com/open-policy-agent/opa`, `@babel/core`), as Go and npm name packages. */
  readonly path?: string;
} {
  if (!value.startsWith('pkg:')) return { name: value };
  const withoutSubpath = value.split('#')[0] ?? value;
  const withoutQualifiers = withoutSubpath.split('?')[0] ?? withoutSubpath;
  const at = withoutQualifiers.lastIndexOf('@');
  const path = at > 4 ? withoutQualifiers.slice(0, at) : withoutQualifiers;
  const version = at > 4 ? decodeURIComponent(withoutQualifiers.slice(at + 1)) : undefined;
  const name = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  const full = path
    .slice(path.indexOf('/') + 1)
    .split('/')
    .map(decodeURIComponent)
    .join('/');
  return version ? { name, version, path: full } : { name, path: full };
}

/** Whether an exception, whatever its state, covers a target. */
export function exceptionCovers(exception: ExceptionRecord, target: ExceptionTarget): boolean {
  const { scope } = exception;
  if (!scopeCoversRepository(scope, target)) return false;
  if (scope.imageDigest !== undefined && scope.imageDigest !== target.imageDigest) return false;
  const wanted = exception.vulnerabilityId.toUpperCase();
  if (!target.vulnerabilityIds.some((id) => id.toUpperCase() === wanted)) return false;
  if (scope.package === undefined) return true;
  const pkg = packageOfScope(scope.package);
  return target.packages.some(
    (p) =>
      (p.name === pkg.name || p.name === pkg.path) &&
      (pkg.version === undefined || p.version === pkg.version),
  );
}

/**
 * The exception that suppresses a target at `now`, if any: among the active ones that cover it,
 * the one that lasts longest (then the smallest id), so that the choice does not depend on order.
 */
export function activeExceptionFor(
  exceptions: readonly ExceptionRecord[],
  target: ExceptionTarget,
  now: string,
): ExceptionRecord | undefined {
  let best: ExceptionRecord | undefined;
  for (const e of exceptions) {
    if (!isExceptionActive(e, now) || !exceptionCovers(e, target)) continue;
    if (
      best === undefined ||
      Date.parse(e.expiresAt) > Date.parse(best.expiresAt) ||
      (e.expiresAt === best.expiresAt && e.id < best.id)
    )
      best = e;
  }
  return best;
}

/** Exceptions that end within `days` of `now` and have not ended: the ones to announce. */
export function exceptionsExpiringWithin(
  exceptions: readonly ExceptionRecord[],
  now: string,
  days: number,
): ExceptionRecord[] {
  const at = Date.parse(now);
  const horizon = at + days * 24 * 60 * 60 * 1000;
  return exceptions.filter((e) => isExceptionActive(e, now) && Date.parse(e.expiresAt) <= horizon);
}

/**
 * OpenVEX 0.2.0 documents as exceptions, both ways. OpenVEX has no expiry: an import needs one
 * from the caller, and an export writes it into each statement's `status_notes`.
 */
import * as z from 'zod/mini';
import { parseWith } from '../parse.js';
import type { ExceptionJustification, ExceptionRecord } from './ExceptionRecord.js';
import { packageOfScope } from './matching.js';

const ProductSchema = z.object({
  '@id': z.optional(z.string()),
  identifiers: z.optional(z.object({ purl: z.optional(z.string()) })),
  subcomponents: z.optional(
    z.array(
      z.object({
        '@id': z.optional(z.string()),
        identifiers: z.optional(z.object({ purl: z.optional(z.string()) })),
      }),
    ),
  ),
});

const StatementSchema = z.object({
  vulnerability: z.union([
    z.string(),
    z.object({
      name: z.optional(z.string()),
      '@id': z.optional(z.string()),
      aliases: z.optional(z.array(z.string())),
    }),
  ]),
  products: z.optional(z.array(z.union([z.string(), ProductSchema]))),
  status: z.string(),
  justification: z.optional(z.string()),
  impact_statement: z.optional(z.string()),
  status_notes: z.optional(z.string()),
});

/** The part of an OpenVEX document an import reads. */
export const OpenVexDocumentSchema = z.object({
  '@context': z
    .string()
    .check(z.startsWith('https://openvex.dev/ns', 'must be an OpenVEX context (https://openvex.dev/ns/...)')),
  statements: z.array(StatementSchema),
});

/** A `not_affected` statement about one vulnerability and one product part, as an import reads it. */
export interface VexClaim {
  readonly vulnerabilityId: string;
  /** A package PURL (a subcomponent, or a product that is a package), when the statement names one. */
  readonly package?: string;
  /** The image digest of a `pkg:oci` product, when it names one. */
  readonly imageDigest?: string;
  readonly justification?: string;
  readonly statement?: string;
  /** Index of the statement in the document. */
  readonly index: number;
}

/** What an import of an OpenVEX document found: the claims, and the statements it does not take. */
export interface VexReading {
  readonly claims: readonly VexClaim[];
  readonly skipped: ReadonlyArray<{ readonly index: number; readonly reason: string }>;
}

const purlOf = (p: string | z.infer<typeof ProductSchema>): string | undefined =>
  typeof p === 'string' ? p : (p.identifiers?.purl ?? p['@id']);

/** The image digest a `pkg:oci/NAME@sha256%3A...` PURL names. */
function ociDigest(purl: string): string | undefined {
  if (!purl.startsWith('pkg:oci/')) return undefined;
  const version = packageOfScope(purl).version;
  const digest = version ? decodeURIComponent(version) : undefined;
  return digest && /^sha256:[a-f0-9]{64}$/.test(digest) ? digest : undefined;
}

/**
 * Reads the `not_affected` statements of an OpenVEX document, one claim per package it names
 * (subcomponents first, else a product that is a package) and per image digest of a `pkg:oci`
 * product; a statement of another status is skipped with its reason.
 *
 * @throws InvalidInputError naming the field of a document that is not OpenVEX
 */
export function readOpenVex(document: unknown): VexReading {
  const doc = parseWith(OpenVexDocumentSchema, document, 'OpenVEX document');
  const claims: VexClaim[] = [];
  const skipped: Array<{ index: number; reason: string }> = [];
  for (const [index, s] of doc.statements.entries()) {
    const id =
      typeof s.vulnerability === 'string'
        ? s.vulnerability
        : (s.vulnerability.name ?? s.vulnerability['@id']);
    if (!id) {
      skipped.push({ index, reason: 'the statement names no vulnerability' });
      continue;
    }
    if (s.status !== 'not_affected') {
      skipped.push({ index, reason: `status ${s.status}: only not_affected statements become exceptions` });
      continue;
    }
    const common = {
      vulnerabilityId: id,
      ...(s.justification ? { justification: s.justification } : {}),
      ...(s.impact_statement ? { statement: s.impact_statement } : {}),
      index,
    };
    const parts: VexClaim[] = [];
    for (const product of s.products ?? []) {
      const purl = purlOf(product);
      const digest = purl ? ociDigest(purl) : undefined;
      const subs = typeof product === 'string' ? [] : (product.subcomponents ?? []);
      const packages = subs
        .map((c) => c.identifiers?.purl ?? c['@id'])
        .filter((p): p is string => p?.startsWith('pkg:') === true);
      if (packages.length === 0 && purl?.startsWith('pkg:') && !digest) packages.push(purl);
      if (packages.length === 0) parts.push({ ...common, ...(digest ? { imageDigest: digest } : {}) });
      for (const p of packages)
        parts.push({ ...common, package: p, ...(digest ? { imageDigest: digest } : {}) });
    }
    claims.push(...(parts.length > 0 ? parts : [common]));
  }
  return { claims, skipped };
}

/** A justification of OpenVEX's, or undefined for `accepted_risk` (OpenVEX has no word for it). */
const vexJustification = (j: ExceptionJustification): string | undefined =>
  j === 'accepted_risk' ? undefined : j;

/**
 * Exceptions as an OpenVEX 0.2.0 document: a `not_affected` statement with the justification and
 * the owner's statement as `impact_statement`, or for `accepted_risk` an `affected` statement
 * whose `action_statement` says the risk is accepted (OpenVEX consumers do not suppress those).
 * The end date goes into `status_notes`, since OpenVEX has no expiry. Each product is the package
 * PURL when the scope names one, else the image (`pkg:oci/NAME@DIGEST`) or the repository
 * (`pkg:oci/NAME?repository_url=...`).
 */
export function toOpenVex(
  exceptions: readonly ExceptionRecord[],
  options: { readonly now: string; readonly author: string; readonly region: string; readonly id: string },
): Record<string, unknown> {
  const statements = [...exceptions]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((e) => {
      const { scope } = e;
      const repository = scope.repositoryName ?? scope.repositoryPrefix ?? '';
      const name = repository.split('/').pop() || 'image';
      const url = `${scope.accountId}.dkr.ecr.${options.region}.amazonaws.com/${repository}`;
      const image = scope.imageDigest
        ? `pkg:oci/${name}@${encodeURIComponent(scope.imageDigest)}?repository_url=${encodeURIComponent(url)}`
        : `pkg:oci/${name}?repository_url=${encodeURIComponent(url)}`;
      const product: Record<string, unknown> = { '@id': image };
      if (scope.package?.startsWith('pkg:')) product.subcomponents = [{ '@id': scope.package }];
      const justification = vexJustification(e.justification);
      const notes = `ecr-compliance exception ${e.id} of ${e.owner}, ends ${e.expiresAt}; scope ${scope.accountId} ${scope.repositoryName ?? (scope.repositoryPrefix ? `${scope.repositoryPrefix}*` : 'every repository')}${scope.package && !scope.package.startsWith('pkg:') ? `, package ${scope.package}` : ''}`;
      return justification
        ? {
            vulnerability: { name: e.vulnerabilityId },
            products: [product],
            status: 'not_affected',
            justification,
            impact_statement: e.statement,
            status_notes: notes,
            timestamp: e.createdAt,
          }
        : {
            vulnerability: { name: e.vulnerabilityId },
            products: [product],
            status: 'affected',
            action_statement: `Risk accepted until ${e.expiresAt}: ${e.statement}`,
            status_notes: notes,
            timestamp: e.createdAt,
          };
    });
  return {
    '@context': 'https://openvex.dev/ns/v0.2.0',
    '@id': options.id,
    author: options.author,
    timestamp: options.now,
    version: 1,
    statements,
  };
}

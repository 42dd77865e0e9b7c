import type {
  AsffFinding,
  FindingsPublisher,
  FindingsStore,
  ImageReference,
  ScanFindingsSource,
  ScannedImage,
  StoredFinding,
} from '@ecr-compliance/core';

/** What one import read and sent, as {@link observeImport} saw it pass through the ports. */
export interface ImportSeen {
  readonly scanned: ScannedImage | undefined;
  readonly stored: readonly StoredFinding[];
  readonly imported: readonly AsffFinding[];
}

/**
 * The ports of one import, passed through unchanged while they record the scan read, the stored
 * findings and the findings sent, so that the handler can tell which vulnerabilities are new
 * without the use case carrying (and the idempotency record storing) every finding.
 */
export function observeImport(deps: {
  readonly source: ScanFindingsSource;
  readonly store: FindingsStore;
  readonly publisher: FindingsPublisher;
}): {
  readonly deps: { source: ScanFindingsSource; store: FindingsStore; publisher: FindingsPublisher };
  seen(): ImportSeen;
} {
  let scanned: ScannedImage | undefined;
  const stored: StoredFinding[] = [];
  const imported: AsffFinding[] = [];
  return {
    deps: {
      source: {
        getScan: async (image: ImageReference) => {
          scanned = await deps.source.getScan(image);
          return scanned;
        },
      },
      store: {
        findingsOf: async (image) => {
          const found = await deps.store.findingsOf(image);
          stored.push(...found);
          return found;
        },
        ...(deps.store.wholeFindings ? { wholeFindings: deps.store.wholeFindings.bind(deps.store) } : {}),
      },
      publisher: {
        publish: async (findings) => {
          imported.push(...findings);
          return deps.publisher.publish(findings);
        },
      },
    },
    seen: () => ({ scanned, stored, imported }),
  };
}

/**
 * The handlers' observability variables, from the writing side: the construct writes them, and
 * `loadObservability` reads them back.
 */

/** Variables every handler reads for its domain events. */
export const OBSERVABILITY_VARIABLES = ['EVENT_BUS_NAME'] as const;

/** The settings behind {@link OBSERVABILITY_VARIABLES}. */
export interface ObservabilitySettings {
  /** The bus the domain events go to; without it no event is put. The construct writes `default`. */
  readonly eventBusName?: string;
}

/** The environment of the observability settings. */
export function observabilityEnvironment(settings: ObservabilitySettings): Record<string, string> {
  return settings.eventBusName === undefined ? {} : { EVENT_BUS_NAME: settings.eventBusName };
}

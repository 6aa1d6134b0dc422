/**
 * The inspecting client's state: katcp-python's `(connected, synced, modelChanged, dataSynced)`
 * tuple, restricted to its five valid values, and the transitions between them.
 * @module
 */

/** One inspecting-client state. Only the five values of {@link InspectingState} exist. */
export interface InspectingStateValue {
  /** Short name: `disconnected`, `connected`, `dataSyncedChanged`, `dataSynced` or `synced`. */
  readonly name: InspectingStateName;
  /** The TCP connection is up (and the protocol negotiated). */
  readonly connected: boolean;
  /** Fully synced: the model is inspected and the state callback for it has completed. */
  readonly synced: boolean;
  /** The last inspection changed the model (only in `dataSyncedChanged`). */
  readonly modelChanged: boolean;
  /** The model has been inspected on this connection. */
  readonly dataSynced: boolean;
}

const make = (name: InspectingStateName, connected: boolean, synced: boolean, modelChanged: boolean, dataSynced: boolean): InspectingStateValue =>
  Object.freeze({ name, connected, synced, modelChanged, dataSynced });

/**
 * The five valid states (katcp-python S0, S1, S2a, S2b, S3). Compare states by identity
 * (`client.state === InspectingState.Synced`) or by `name`.
 */
export const InspectingState = {
  /** S0 `[!connected !synced !model_changed !data_synced]`: initial, disconnected or closed. */
  Disconnected: make('disconnected', false, false, false, false),
  /** S1 `[connected !synced !model_changed !data_synced]`: connected, inspection pending or running. */
  Connected: make('connected', true, false, false, false),
  /** S2a `[connected !synced model_changed data_synced]`: inspected, the model changed. */
  DataSyncedChanged: make('dataSyncedChanged', true, false, true, true),
  /** S2b `[connected !synced !model_changed data_synced]`: inspected, no model change. */
  DataSynced: make('dataSynced', true, false, false, true),
  /** S3 `[connected synced !model_changed data_synced]`: fully synced. */
  Synced: make('synced', true, true, false, true),
} as const;

/** Names of the five states. */
export type InspectingStateName = 'disconnected' | 'connected' | 'dataSyncedChanged' | 'dataSynced' | 'synced';

/**
 * Allowed transitions (the same state is never reported twice in a row; katcp-python emits S1
 * twice when it starts a resync, which carries no information).
 * - S0 -> S1 when the connection is up.
 * - S1 -> S2a / S2b after an inspection, S1 -> S3 on the first pass with `initialInspection: false`,
 *   S1 -> S0 when the connection drops.
 * - S2a / S2b -> S3 once the state callback completed; -> S0 when the connection dropped meanwhile;
 *   -> S1 when the state callback failed (the model is inspected again after a backoff).
 * - S3 -> S1 on `#interface-changed` / `#device-changed`; -> S0 when the connection drops.
 * - Any state -> S0 on close.
 */
const ALLOWED: Readonly<Record<InspectingStateName, readonly InspectingStateName[]>> = {
  disconnected: ['connected'],
  connected: ['disconnected', 'dataSyncedChanged', 'dataSynced', 'synced'],
  dataSyncedChanged: ['synced', 'disconnected', 'connected'],
  dataSynced: ['synced', 'disconnected', 'connected'],
  synced: ['connected', 'disconnected'],
};

/** True when `from -> to` is one of the transitions listed on {@link InspectingState}. */
export function isAllowedTransition(from: InspectingStateValue, to: InspectingStateValue): boolean {
  return ALLOWED[from.name].includes(to.name);
}

/** The state value with these flags, or undefined when the combination is not one of the five. */
export function stateFromFlags(flags: { connected: boolean; synced: boolean; modelChanged: boolean; dataSynced: boolean }): InspectingStateValue | undefined {
  for (const s of Object.values(InspectingState)) {
    if (s.connected === flags.connected && s.synced === flags.synced && s.modelChanged === flags.modelChanged && s.dataSynced === flags.dataSynced) {
      return s;
    }
  }
  return undefined;
}

/** katcp-python's string form, e.g. `[connected !synced model_changed data_synced]`. */
export function formatState(s: InspectingStateValue): string {
  const f = (on: boolean, word: string): string => (on ? word : `!${word}`);
  return `[${f(s.connected, 'connected')} ${f(s.synced, 'synced')} ${f(s.modelChanged, 'model_changed')} ${f(s.dataSynced, 'data_synced')}]`;
}

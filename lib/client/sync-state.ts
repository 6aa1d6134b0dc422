/**
 * Synchronisation states of a {@link SensorWatcher} (aiokatcp's `SyncState`).
 * @module
 */

/**
 * - `disconnected`: no connection; mirrored sensors are `unreachable`.
 * - `syncing`: connected; listing sensors and setting sampling strategies.
 * - `synced`: the mirror matches the device's sensor list and every wanted sensor is subscribed.
 * - `closed`: the watcher or its client was closed (terminal).
 */
export const SyncState = {
  Disconnected: 'disconnected',
  Syncing: 'syncing',
  Synced: 'synced',
  Closed: 'closed',
} as const;

/** One of the {@link SyncState} values. */
export type SyncState = (typeof SyncState)[keyof typeof SyncState];

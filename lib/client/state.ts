/**
 * The client's connection states and the transitions allowed between them.
 * @module
 */

/**
 * States of a {@link Client}'s connection (aiokatcp's state machine).
 *
 * - `sleeping`: waiting for the reconnect backoff timer.
 * - `connecting`: the TCP connection is being made.
 * - `negotiating`: connected; waiting for the protocol banner (and the timeout hints).
 * - `connected`: requests may be made.
 * - `disconnecting`: closing our side of the connection; waiting for the socket to close.
 * - `closed`: terminal; nothing is pending, no socket or timer is left.
 */
export const ClientState = {
  Sleeping: 'sleeping',
  Connecting: 'connecting',
  Negotiating: 'negotiating',
  Connected: 'connected',
  Disconnecting: 'disconnecting',
  Closed: 'closed',
} as const;

/** One of the {@link ClientState} values. */
export type ClientState = (typeof ClientState)[keyof typeof ClientState];

/**
 * Allowed transitions. Anything else is refused (a no-op), so a late socket callback cannot
 * corrupt the state.
 *
 * | from          | to            | when                                                          |
 * |---------------|---------------|---------------------------------------------------------------|
 * | sleeping      | connecting    | the backoff timer fires                                       |
 * | sleeping      | closed        | `close()`                                                      |
 * | connecting    | negotiating   | the TCP connection is made                                    |
 * | connecting    | sleeping      | the attempt failed and the reconnect policy gives a delay     |
 * | connecting    | closed        | the attempt failed without reconnect, or `close()`            |
 * | negotiating   | connected     | a supported banner (or preset flags, or the banner timeout)    |
 * | negotiating   | disconnecting | unsupported version, `#disconnect`, `close()`                  |
 * | negotiating   | sleeping      | the connection was lost and a reconnect is due                |
 * | negotiating   | closed        | the connection was lost without reconnect                     |
 * | connected     | disconnecting | `#disconnect`, `close()`                                       |
 * | connected     | sleeping      | the connection was lost (EOF or error) and a reconnect is due  |
 * | connected     | closed        | the connection was lost without reconnect                     |
 * | disconnecting | sleeping      | our close finished and a reconnect is due                     |
 * | disconnecting | closed        | our close finished without reconnect                          |
 * | closed        | (none)        | terminal                                                      |
 */
export const clientTransitions: Readonly<Record<ClientState, readonly ClientState[]>> = {
  sleeping: ['connecting', 'closed'],
  connecting: ['negotiating', 'sleeping', 'closed'],
  negotiating: ['connected', 'disconnecting', 'sleeping', 'closed'],
  connected: ['disconnecting', 'sleeping', 'closed'],
  disconnecting: ['sleeping', 'closed'],
  closed: [],
};

/** True when the table allows `from -> to`. */
export function canTransition(from: ClientState, to: ClientState): boolean {
  return clientTransitions[from].includes(to);
}

/** States in which the client holds a connection object. */
export function hasConnection(state: ClientState): boolean {
  return state === 'negotiating' || state === 'connected' || state === 'disconnecting';
}

/**
 * Waiting in tests without sleeping: yield to the event loop until a condition holds.
 */

/** One turn of the event loop (socket I/O and settled promises get to run). */
export const tick = (): Promise<void> => new Promise<void>((r) => setImmediate(r));

/**
 * Yield turns of the event loop until `cond()` holds.
 * @throws Error naming `what` after `turns` turns (a guard against hung tests, not a timing check)
 */
export async function until(cond: () => boolean, what: string, turns = 20_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return;
    await tick();
  }
  throw new Error(`timed out waiting for ${what}`);
}

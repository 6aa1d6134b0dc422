/**
 * Where a parsed message's type, name, id and argument ranges are found: in the shared arena
 * while the message's store is the one scanned last (the messages `LineParser.feed` has just
 * returned), else in a second arena that holds one line, scanned again when it is read. Stores
 * keep no table of their own, so parsing allocates nothing outside the JavaScript heap.
 * @module
 */
import { KatcpSyntaxError } from '../errors.js';
import { OffsetArena } from './arg-store.js';
import type { ArgStore } from './arg-store.js';
import { ScanResult, ScanStatus, scanLine, sharedArena } from './scan.js';

const LF = 0x0a;
const CR = 0x0d;

// The line read last among those of a store that is no longer the shared arena's owner, or the
// line of `Message.parse` (which so leaves the shared arena to the parsers). As large as the
// shared one: a line's entries are at its byte position, anywhere in a 64 KiB buffer.
const recent = new OffsetArena();
const recentResult = new ScanResult(recent);

/**
 * The arena holding the entries of the line at byte `at` of `store` (from index `at`). For a store
 * scanned before the last one, the line is scanned again (once, while it stays the recent one).
 * @throws KatcpSyntaxError when the store's bytes were changed after parsing and no longer hold a message
 */
export function lineArena(store: ArgStore, at: number): OffsetArena {
  if (store === sharedArena.owner) return sharedArena;
  if (store === recent.owner && recent.base === at) return recent;
  const bytes = store.bytes;
  // A parsed line ends at its first CR or LF, or at the end of its buffer.
  let end = at;
  for (let c = 0; end < bytes.length && (c = bytes[end]!) !== LF && c !== CR; ) end++;
  if (!scanAlone(store, at, end)) {
    throw new KatcpSyntaxError('empty', 'the bytes of a parsed message were changed after parsing', bytes.subarray(at, end), 1);
  }
  return recent;
}

/**
 * Scan the line `store.bytes[start, end)` into the recent arena as its one line, so that
 * {@link lineArena} finds it there.
 * @returns false for a blank line
 * @throws KatcpSyntaxError for an invalid line
 */
export function scanAlone(store: ArgStore, start: number, end: number): boolean {
  // No owner while the table is rewritten: an error must not leave another line's entries mixed.
  recent.owner = undefined;
  recent.trim();
  const status = scanLine(store.bytes, start, end, store.lenient, recentResult);
  if (status === ScanStatus.Error) {
    const err = recentResult.error!;
    recentResult.error = undefined;
    throw err;
  }
  if (status === ScanStatus.Blank) return false;
  // The one line's name index is 0 (scanLine leaves it so).
  recent.owner = store;
  recent.names[0] = recentResult.name;
  return true;
}

/**
 * Message ids of one client's requests: which id the next request gets ({@link MidAllocator}: a
 * counter over 1..2^31-1, wrapping, or the `mids` generator of the client's options, skipping
 * ids still in use either way) and which request holds an id ({@link MidTable}).
 *
 * The table: ids are handed out in sequence, so the live ones almost always fall into distinct
 * slots of a fixed array indexed by the id's low bits; an id whose slot is taken (a long-lived
 * request, generated ids) goes to an overflow Map. A Map alone was measured to cost more than
 * its lookups: every few hundred requests a Map rehashes into a new table, and V8 links the
 * abandoned table to its successor. Once one table had reached the old generation, that chain
 * of dead tables, each still holding the requests it had when abandoned, kept every finished
 * request alive through scavenges (2 MB promoted per scavenge at 100 requests in flight). The
 * fixed array is never replaced.
 * @module
 */
import { MAX_MID } from '../codec/scan.js';
import { KatcpRangeError } from '../errors.js';
import { checkMid } from './options.js';
import type { MidSource } from './options.js';

/** How often a generator may return ids still in use before allocation fails. */
const GENERATOR_TRIES = 1000;

/** Hands out message ids; survives reconnects (the counter continues). */
export class MidAllocator {
  readonly #generator: ((previous: number | undefined) => number) | undefined;
  #next = 1;
  #last: number | undefined;

  /** @param mids the first id of the counter, or a generator of ids */
  constructor(mids: MidSource) {
    if (typeof mids === 'function') this.#generator = mids;
    else this.next = mids;
  }

  /** The id given most recently; undefined before the first. */
  get last(): number | undefined {
    return this.#last;
  }

  /** The id the counter will try first. */
  get next(): number {
    return this.#next;
  }

  set next(mid: number) {
    checkMid(mid, 'nextMid');
    this.#next = mid;
  }

  /**
   * The next id not in `inUse`.
   * @throws KatcpRangeError when the generator returns only ids in use; what `checkMid` throws
   *   for a generated id out of range
   */
  allocate(inUse: { has(mid: number): boolean }): number {
    const generator = this.#generator;
    if (generator !== undefined) {
      for (let tries = 0; tries < GENERATOR_TRIES; tries++) {
        const mid = generator(this.#last);
        checkMid(mid, 'the mids generator');
        if (!inUse.has(mid)) return (this.#last = mid);
      }
      throw new KatcpRangeError('mids', `the mids generator returned only ids still in use (${GENERATOR_TRIES} tries)`);
    }
    for (let tries = 0; tries < MAX_MID; tries++) {
      const mid = this.#next;
      this.#next = mid >= MAX_MID ? 1 : mid + 1;
      if (!inUse.has(mid)) return (this.#last = mid);
    }
    /* c8 ignore next */
    throw new RangeError('every message id is in use');
  }
}

/** An entry: it knows its id. */
export interface MidEntry {
  readonly mid: number | undefined;
}

const SLOTS = 1024;
const MASK = SLOTS - 1;

/** Entries by message id (a Map's `get`/`set`/`delete`/`has` for the tracker's use). */
export class MidTable<T extends MidEntry> {
  readonly #slots: (T | undefined)[] = new Array<T | undefined>(SLOTS).fill(undefined);
  readonly #overflow = new Map<number, T>();
  #size = 0;

  /** Entries in the table. */
  get size(): number {
    return this.#size;
  }

  /** The entry with id `mid`. */
  get(mid: number): T | undefined {
    const e = this.#slots[mid & MASK];
    if (e !== undefined && e.mid === mid) return e;
    return this.#overflow.size === 0 ? undefined : this.#overflow.get(mid);
  }

  /** True when an entry has id `mid`. */
  has(mid: number): boolean {
    return this.get(mid) !== undefined;
  }

  /** Add `entry` under `mid` (its id; not in the table yet). */
  set(mid: number, entry: T): void {
    const i = mid & MASK;
    if (this.#slots[i] === undefined) this.#slots[i] = entry;
    else this.#overflow.set(mid, entry);
    this.#size++;
  }

  /** Remove the entry with id `mid`; false when there is none. */
  delete(mid: number): boolean {
    const i = mid & MASK;
    const e = this.#slots[i];
    if (e !== undefined && e.mid === mid) this.#slots[i] = undefined;
    else if (!this.#overflow.delete(mid)) return false;
    this.#size--;
    return true;
  }

  /** Every entry (in no particular order). */
  values(): T[] {
    const all: T[] = [];
    for (const e of this.#slots) if (e !== undefined) all.push(e);
    for (const e of this.#overflow.values()) all.push(e);
    return all;
  }

  /** Remove every entry. */
  clear(): void {
    this.#slots.fill(undefined);
    this.#overflow.clear();
    this.#size = 0;
  }
}

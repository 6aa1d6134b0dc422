/**
 * The requests in flight by message id. Ids are handed out in sequence, so the live ones
 * almost always fall into distinct slots of a fixed array indexed by the id's low bits; an id
 * whose slot is taken (a long-lived request, generated ids) goes to an overflow Map.
 *
 * A Map alone was measured to cost more than its lookups: every few hundred requests a Map
 * rehashes into a new table, and V8 links the abandoned table to its successor. Once one
 * table had reached the old generation, that chain of dead tables, each still holding the
 * requests it had when abandoned, kept every finished request alive through scavenges
 * (2 MB promoted per scavenge at 100 requests in flight). The fixed array is never replaced.
 * @module
 */

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

/**
 * The inspected device model: request and sensor descriptions, an index per kind, and the
 * diffing that turns a fresh inspection into model changes.
 * @module
 */

/** A request as described by `#help` (and `#request-timeout-hint`). */
export interface RequestInfo {
  /** KATCP request name, e.g. `pick-fruit`. */
  readonly name: string;
  /** Description from `#help` (`''` when absent). */
  readonly description: string;
  /** Timeout hint in **seconds** from `#request-timeout-hint`, undefined when none (or 0). */
  readonly timeoutHint: number | undefined;
}

export type { SensorInfo } from '../client/sensor-informs.js';

/** Names added and removed in one kind of item. A modified item is in both sets. */
export interface ItemChanges {
  readonly added: ReadonlySet<string>;
  readonly removed: ReadonlySet<string>;
}

/**
 * What one inspection changed. Both keys are always present (an unchanged kind has two empty
 * sets); a sync that changed nothing reports `undefined` instead of an object.
 */
export interface ModelChanges {
  readonly requests: ItemChanges;
  readonly sensors: ItemChanges;
}

/** A computed, not yet applied, update of an index. */
export interface IndexUpdate<I extends { readonly name: string }> {
  /** Items to store (new or changed). */
  readonly upserts: readonly I[];
  /** Names to delete. */
  readonly removals: readonly string[];
  /** The resulting changes (modified items in both sets). */
  readonly changes: ItemChanges;
}

/** True when two request descriptions are the same. */
export function sameRequest(a: RequestInfo, b: RequestInfo): boolean {
  return a.name === b.name && a.description === b.description && a.timeoutHint === b.timeoutHint;
}

/** True when two sensor descriptions are the same. */
export { sameSensorInfo as sameSensor } from '../client/sensor-informs.js';

/** True when an {@link ItemChanges} has nothing in it. */
export function isEmptyChanges(c: ItemChanges): boolean {
  return c.added.size === 0 && c.removed.size === 0;
}

/** The empty {@link ItemChanges}. */
export const noItemChanges: ItemChanges = Object.freeze({ added: new Set<string>(), removed: new Set<string>() });

/** Combine request and sensor changes into {@link ModelChanges}, or undefined when both are empty. */
export function modelChanges(requests: ItemChanges | undefined, sensors: ItemChanges | undefined): ModelChanges | undefined {
  const r = requests ?? noItemChanges;
  const s = sensors ?? noItemChanges;
  if (isEmptyChanges(r) && isEmptyChanges(s)) return undefined;
  return { requests: r, sensors: s };
}

/** Where a {@link ModelIndex} keeps its items (a Map by default; the client's sensor model for sensors). */
export interface IndexStore<I extends { readonly name: string }> {
  readonly size: number;
  get(name: string): I | undefined;
  has(name: string): boolean;
  keys(): IterableIterator<string>;
  values(): IterableIterator<I>;
  /** Store a new or changed item. */
  put(item: I): void;
  delete(name: string): void;
}

/** The default store: a Map. */
class MapStore<I extends { readonly name: string }> implements IndexStore<I> {
  readonly #items = new Map<string, I>();
  get size(): number {
    return this.#items.size;
  }
  get(name: string): I | undefined {
    return this.#items.get(name);
  }
  has(name: string): boolean {
    return this.#items.has(name);
  }
  keys(): IterableIterator<string> {
    return this.#items.keys();
  }
  values(): IterableIterator<I> {
    return this.#items.values();
  }
  put(item: I): void {
    this.#items.set(item.name, item);
  }
  delete(name: string): void {
    this.#items.delete(name);
  }
}

/**
 * An index of items by KATCP name. Updates are computed first ({@link planFull},
 * {@link planNamed}) and applied with {@link apply}, so an inspection that fails half-way
 * leaves the index exactly as it was (katcp-python restores only a shallow copy).
 */
export class ModelIndex<I extends { readonly name: string }> {
  readonly #items: IndexStore<I>;
  readonly #same: (a: I, b: I) => boolean;

  /**
   * @param same equality of two descriptions of the same name
   * @param store where the items live (default: a private Map)
   */
  constructor(same: (a: I, b: I) => boolean, store: IndexStore<I> = new MapStore<I>()) {
    this.#same = same;
    this.#items = store;
  }

  /** Number of items. */
  get size(): number {
    return this.#items.size;
  }

  /** The description of `name`, if known. */
  get(name: string): I | undefined {
    return this.#items.get(name);
  }

  /** True when `name` is known. */
  has(name: string): boolean {
    return this.#items.has(name);
  }

  /** Known names, in insertion order. */
  names(): string[] {
    return [...this.#items.keys()];
  }

  /** Known descriptions, in insertion order. */
  values(): IterableIterator<I> {
    return this.#items.values();
  }

  /**
   * Plan the update for a complete listing: names not listed are removed, new names added,
   * names whose description differs are modified (in both sets). A name listed twice keeps
   * its last description.
   */
  planFull(listing: readonly I[]): IndexUpdate<I> {
    const fresh = new Map<string, I>();
    for (const item of listing) fresh.set(item.name, item);
    const { upserts, added, removed } = this.#diff(fresh);
    const removals: string[] = [];
    for (const name of this.#items.keys()) {
      if (!fresh.has(name)) {
        removed.add(name);
        removals.push(name);
      }
    }
    return { upserts, removals, changes: { added, removed } };
  }

  /**
   * Plan the update for lookups of some names: `listing` holds what the device returned for
   * them. A looked-up name is removed only if it was known and is absent from the listing;
   * names the device returned are added or modified, never removed.
   */
  planNamed(names: Iterable<string>, listing: readonly I[]): IndexUpdate<I> {
    const fresh = new Map<string, I>();
    for (const item of listing) fresh.set(item.name, item);
    const { upserts, added, removed } = this.#diff(fresh);
    const removals: string[] = [];
    for (const name of new Set(names)) {
      if (!fresh.has(name) && this.#items.has(name)) {
        removed.add(name);
        removals.push(name);
      }
    }
    return { upserts, removals, changes: { added, removed } };
  }

  #diff(fresh: ReadonlyMap<string, I>): { upserts: I[]; added: Set<string>; removed: Set<string> } {
    const added = new Set<string>();
    const removed = new Set<string>();
    const upserts: I[] = [];
    for (const [name, item] of fresh) {
      const old = this.#items.get(name);
      if (old === undefined) {
        added.add(name);
        upserts.push(item);
      } else if (!this.#same(old, item)) {
        added.add(name);
        removed.add(name);
        upserts.push(item);
      }
    }
    return { upserts, added, removed };
  }

  /** Apply a planned update. */
  apply(update: IndexUpdate<I>): void {
    for (const name of update.removals) this.#items.delete(name);
    for (const item of update.upserts) this.#items.put(item);
  }
}

/**
 * Combine changes that were not delivered (their state callback failed, or the connection
 * dropped first) with the changes of a later inspection, so a consumer that missed them catches
 * up: removals accumulate, and additions are kept only for names that still exist.
 */
export function mergeModelChanges(
  earlier: ModelChanges | undefined,
  later: ModelChanges | undefined,
  exists: { requests: (name: string) => boolean; sensors: (name: string) => boolean },
): ModelChanges | undefined {
  if (earlier === undefined) return later;
  const merge = (a: ItemChanges, b: ItemChanges | undefined, has: (name: string) => boolean): ItemChanges => ({
    added: new Set([...a.added, ...(b?.added ?? [])].filter(has)),
    removed: new Set([...a.removed, ...(b?.removed ?? [])]),
  });
  return modelChanges(merge(earlier.requests, later?.requests, exists.requests), merge(earlier.sensors, later?.sensors, exists.sensors));
}

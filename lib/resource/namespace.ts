/**
 * Attribute namespaces (`resource.req`, `resource.sensor`): KATCP names turned into property
 * names, with predictable handling of clashes and of JavaScript's special names.
 * @module
 */

/**
 * katcp-python's `escape_name`: every `.` and `-` becomes `_`, nothing else changes
 * (`pick-fruit` -> `pick_fruit`, `bief_bof.ba32f-blief` -> `bief_bof_ba32f_blief`).
 */
export function escapeName(name: string): string {
  return name.replace(/[.-]/g, '_');
}

/** A namespace object: null prototype, read-only properties. */
export type NamespaceObject<T> = Readonly<Record<string, T>>;

/**
 * Keeps a null-prototype object whose properties are items keyed by escaped name, and updates it
 * in place (so a reference to {@link Namespace.object} stays current across resyncs).
 *
 * Rules, chosen so the result never depends on the order in which items arrived:
 * - Every item is a property under its escaped name (`pick_fruit`) and under its original
 *   KATCP name (`ns['pick-fruit']`); the alias is not enumerable, so `Object.keys()` lists each
 *   item once, by escaped name.
 * - Clashes (`a.b`, `a-b` and `a_b` all escape to `a_b`): the item whose KATCP name *is* the
 *   escaped name wins it; otherwise the smallest KATCP name (string order) wins. Every item
 *   stays reachable by its original name, and that alias is enumerable for the items that lost
 *   the escaped name, so nothing is hidden from `Object.keys()`.
 * - The object has no prototype: `constructor`, `toString`, `hasOwnProperty`, `valueOf`,
 *   `__proto__` and JavaScript reserved words (`delete`, `class`, ...) are ordinary keys that
 *   hold an item when the device has one by that name and are `undefined` otherwise. Nothing can
 *   be inherited or polluted, and properties cannot be assigned by users.
 */
export class Namespace<T> {
  /** The namespace object handed to users. */
  readonly object: NamespaceObject<T> = Object.create(null) as NamespaceObject<T>;
  readonly #escape: (name: string) => string;
  readonly #items = new Map<string, T>();
  /** KATCP name -> its escaped key */
  readonly #keys = new Map<string, string>();
  /** escaped key -> KATCP names escaping to it */
  readonly #groups = new Map<string, Set<string>>();

  /** @param escape how a name becomes a property name (default {@link escapeName}) */
  constructor(escape: (name: string) => string = escapeName) {
    this.#escape = escape;
  }

  /** Number of items. */
  get size(): number {
    return this.#items.size;
  }

  /** The item with this KATCP name. */
  get(name: string): T | undefined {
    return this.#items.get(name);
  }

  /** The item reachable under `key` (escaped or original name), as `object[key]` would give. */
  lookup(key: string): T | undefined {
    return Object.hasOwn(this.object, key) ? this.object[key] : undefined;
  }

  /** True when an item has this KATCP name. */
  has(name: string): boolean {
    return this.#items.has(name);
  }

  /** KATCP names of all items. */
  names(): string[] {
    return [...this.#items.keys()];
  }

  /** All items. */
  values(): T[] {
    return [...this.#items.values()];
  }

  /** The property name an item is stored under. */
  keyOf(name: string): string | undefined {
    return this.#keys.get(name);
  }

  /**
   * Add or replace the item with KATCP name `name`, under `key` (default: the escaped name; a
   * container passes its prefixed key).
   */
  set(name: string, item: T, key: string = this.#escape(name)): void {
    const oldKey = this.#keys.get(name);
    if (oldKey !== undefined && oldKey !== key) this.delete(name);
    this.#items.set(name, item);
    this.#keys.set(name, key);
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = new Set();
      this.#groups.set(key, group);
    }
    group.add(name);
    this.#refreshGroup(key);
  }

  /** Remove the item with KATCP name `name`; false when there was none. */
  delete(name: string): boolean {
    if (!this.#items.delete(name)) return false;
    const key = this.#keys.get(name) ?? this.#escape(name);
    this.#keys.delete(name);
    const group = this.#groups.get(key);
    group?.delete(name);
    if (group?.size === 0) this.#groups.delete(key);
    this.#refreshKey(name);
    this.#refreshGroup(key);
    return true;
  }

  /** Remove every item. */
  clear(): void {
    for (const name of [...this.#items.keys()]) this.delete(name);
  }

  /** The KATCP name that owns escaped key `key`, if any. */
  #winner(key: string): string | undefined {
    const group = this.#groups.get(key);
    if (group === undefined || group.size === 0) return undefined;
    if (group.has(key)) return key;
    let best: string | undefined;
    for (const n of group) if (best === undefined || n < best) best = n;
    return best;
  }

  #refreshGroup(key: string): void {
    this.#refreshKey(key);
    for (const name of this.#groups.get(key) ?? []) this.#refreshKey(name);
  }

  /** Recompute property `key` from scratch. */
  #refreshKey(key: string): void {
    const obj = this.object as Record<string, T>;
    const exact = this.#items.get(key);
    let value: T | undefined;
    let enumerable = true;
    if (exact !== undefined) {
      value = exact;
      const own = this.#keys.get(key) ?? this.#escape(key);
      // An alias is listed only when its item lost the escaped name to another item.
      enumerable = own === key || this.#winner(own) !== key;
    } else {
      const winner = this.#winner(key);
      value = winner === undefined ? undefined : this.#items.get(winner);
    }
    if (value === undefined) {
      delete obj[key];
      return;
    }
    Object.defineProperty(obj, key, { value, enumerable, configurable: true, writable: false });
  }
}

/** Keys a defaulting view never invents: promise resolution and JSON look for them. */
const NEVER_DEFAULTED: ReadonlySet<string> = new Set(['then', 'toJSON']);

/**
 * A read-only view of a namespace object in which every string key the object lacks gives
 * `make(key)` (made once per key and kept; not listed by `Object.keys()`), as katcp-python's
 * default attribute dicts do in dummy mode. `then` and `toJSON` are never invented, so the view
 * can be awaited, returned from async functions and passed to `JSON.stringify`.
 */
export function defaultingView<T>(object: NamespaceObject<T>, make: (key: string) => T): NamespaceObject<T> {
  const made = new Map<string, T>();
  return new Proxy(object, {
    get(target, key, receiver) {
      if (typeof key !== 'string' || Object.hasOwn(target, key) || NEVER_DEFAULTED.has(key)) return Reflect.get(target, key, receiver) as unknown;
      let item = made.get(key);
      if (item === undefined) {
        item = make(key);
        made.set(key, item);
      }
      return item;
    },
  });
}

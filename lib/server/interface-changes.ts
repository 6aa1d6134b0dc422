/**
 * Coalesces interface changes made in one tick into `#interface-changed` informs: one
 * `sensor NAME added|removed|modified` / `request NAME ...` line per change, or a single
 * `sensor-list` / `request-list` line when many changed at once (clients re-fetch everything
 * on any form, so thousands of detailed lines would only cost them thousands of resyncs).
 * @module
 */

/** What happened to a sensor or request. */
export type InterfaceChange = 'added' | 'removed' | 'modified';
/** Which part of the interface changed. */
export type InterfaceKind = 'sensor' | 'request';

/** Default number of detailed lines per tick before falling back to the summary forms. */
export const DETAIL_LIMIT = 16;

/** Collects changes and emits `#interface-changed` argument lists once per tick. */
export class InterfaceChanges {
  readonly #emit: (args: string[]) => void;
  readonly #limit: number;
  readonly #pending = new Map<string, { kind: InterfaceKind; name: string; change: InterfaceChange }>();
  #queued = false;

  /**
   * @param emit sends one `#interface-changed` inform with these arguments
   * @param limit detailed lines per tick before switching to `sensor-list` / `request-list`
   */
  constructor(emit: (args: string[]) => void, limit = DETAIL_LIMIT) {
    this.#emit = emit;
    this.#limit = limit;
  }

  /** Records a change; a removal followed by an addition of the same name is a modification. */
  record(kind: InterfaceKind, name: string, change: 'added' | 'removed'): void {
    const key = `${kind} ${name}`;
    const prev = this.#pending.get(key)?.change;
    let next: InterfaceChange | undefined = change;
    if (prev === 'removed' && change === 'added') next = 'modified';
    else if (prev === 'added' && change === 'removed') next = undefined; // came and went: nothing to report
    else if (prev === 'modified' && change === 'removed') next = 'removed';
    if (next === undefined) this.#pending.delete(key);
    else this.#pending.set(key, { kind, name, change: next });
    if (!this.#queued) {
      this.#queued = true;
      queueMicrotask(() => this.#flush());
    }
  }

  /** Sends what is pending now (the server does this before a reply, so the change comes first). */
  flush(): void {
    this.#flush();
  }

  #flush(): void {
    this.#queued = false;
    // Called before every reply: nothing pending is the usual case, and costs no array.
    if (this.#pending.size === 0) return;
    const changes = [...this.#pending.values()];
    this.#pending.clear();
    if (changes.length === 0) return;
    if (changes.length > this.#limit) {
      if (changes.some((c) => c.kind === 'sensor')) this.#emit(['sensor-list']);
      if (changes.some((c) => c.kind === 'request')) this.#emit(['request-list']);
      return;
    }
    for (const c of changes) this.#emit([c.kind, c.name, c.change]);
  }
}

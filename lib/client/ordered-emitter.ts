/**
 * In-order event delivery for an eventemitter3 emitter, even when a listener causes more
 * events, without ever letting a listener's exception escape into the caller (a socket callback).
 * @module
 */
import type { EventEmitter } from 'eventemitter3';

type Args = unknown[];

/**
 * Events raised while listeners run are queued and delivered after the current ones, so every
 * listener sees transitions in the order they happened. A throwing listener is reported to
 * `onListenerError` and the remaining events are still delivered.
 */
export class OrderedEvents<E extends { [K in keyof E]: Args }> {
  readonly #target: EventEmitter<E>;
  readonly #onListenerError: (event: string, err: unknown) => void;
  #queue: [string, Args][] = [];
  #flushing = false;

  /**
   * @param target the emitter whose listeners get the events
   * @param onListenerError where listener exceptions go
   */
  constructor(target: EventEmitter<E>, onListenerError: (event: string, err: unknown) => void) {
    this.#target = target;
    this.#onListenerError = onListenerError;
  }

  /** The emitter whose listeners get the events (e.g. to skip an event nobody listens to). */
  get target(): EventEmitter<E> {
    return this.#target;
  }

  /** Queue an event without delivering it yet (call {@link flush} later). */
  queue<K extends keyof E & string>(event: K, ...args: E[K]): void {
    this.#queue.push([event, args]);
  }

  /** Deliver an event now, or after the events already being delivered. */
  emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    if (this.#flushing || this.#queue.length > 0) {
      this.#queue.push([event, args]);
      this.flush();
      return;
    }
    this.#deliver(event, args);
  }

  /** Deliver every queued event (no-op when called from inside a delivery). */
  flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      for (let e = this.#queue.shift(); e !== undefined; e = this.#queue.shift()) this.#deliver(e[0], e[1]);
    } finally {
      this.#flushing = false;
    }
  }

  #deliver(event: string, args: Args): void {
    try {
      (this.#target.emit as (e: string, ...a: Args) => boolean).call(this.#target, event, ...args);
    } catch (err) {
      this.#onListenerError(event, err);
    }
  }
}

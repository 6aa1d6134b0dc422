/**
 * An eventemitter3 emitter that delivers events in order even when a listener causes more
 * events, and never lets a listener's exception escape into the caller (a socket callback).
 * @module
 */
import { EventEmitter } from 'eventemitter3';

type Args = unknown[];

/**
 * Events raised while listeners run are queued and delivered after the current ones, so every
 * listener sees transitions in the order they happened. A throwing listener is reported with
 * {@link OrderedEmitter.reportListenerError} and the remaining events are still delivered.
 */
export class OrderedEmitter<E extends { [K in keyof E]: Args }> extends EventEmitter<E> {
  #queue: [string, Args][] = [];
  #flushing = false;

  /** Where listener exceptions go (subclasses log them). */
  protected reportListenerError(event: string, err: unknown): void {
    queueMicrotask(() => {
      throw err instanceof Error ? err : new Error(`'${event}' listener threw ${String(err)}`);
    });
  }

  /** Queue an event without delivering it yet (call {@link flushEvents} later). */
  protected queueEvent<K extends keyof E & string>(event: K, ...args: E[K]): void {
    this.#queue.push([event, args]);
  }

  /** Deliver an event now, or after the events already being delivered. */
  protected emitOrdered<K extends keyof E & string>(event: K, ...args: E[K]): void {
    if (this.#flushing || this.#queue.length > 0) {
      this.#queue.push([event, args]);
      this.flushEvents();
      return;
    }
    this.#deliver(event, args);
  }

  /** Deliver every queued event (no-op when called from inside a delivery). */
  protected flushEvents(): void {
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
      (this.emit as (e: string, ...a: Args) => boolean)(event, ...args);
    } catch (err) {
      this.reportListenerError(event, err);
    }
  }
}

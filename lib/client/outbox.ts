/**
 * Write batching for the client: requests written in one turn of the event loop go out in one
 * socket write.
 * @module
 */
import type { Message } from '../codec/message.js';
import type { Connection } from '../connection.js';

/**
 * Queues messages and writes them to the current connection in one go, on the next tick: that
 * runs once the microtask queue is empty, so every request issued by the promise continuations
 * of one batch of replies goes out in the same write (a microtask flush would go out before the
 * continuations queued after it), still within the same turn of the event loop.
 */
export class Outbox {
  #queue: Message[] = [];
  readonly #target: () => Connection | undefined;

  /** @param target the connection to write to at flush time (none: the batch is dropped) */
  constructor(target: () => Connection | undefined) {
    this.#target = target;
  }

  /** Queue `msg` for the next flush. */
  send(msg: Message): void {
    if (this.#queue.push(msg) === 1) process.nextTick(this.#flush);
  }

  /** Drop what is queued (the connection ended). */
  clear(): void {
    this.#queue = [];
  }

  readonly #flush = (): void => {
    const out = this.#queue;
    if (out.length === 0) return;
    this.#queue = [];
    const conn = this.#target();
    if (conn === undefined) return;
    if (out.length === 1) conn.write(out[0] as Message);
    else conn.writeMany(out);
  };
}

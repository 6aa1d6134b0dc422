/**
 * Per-name handlers and async-iterator streams of asynchronous informs (the client's inbound
 * router calls the handlers).
 * @module
 */
import type { Message } from '../codec/message.js';
import { InformStream } from './inform-stream.js';
import type { InformStreamOptions } from './inform-stream.js';

/** A handler of asynchronous informs. */
export type InformHandler = (msg: Message) => void;

/** The registry of inform handlers by name (in registration order) and of inform streams. */
export class InformRouter {
  // Copy-on-write lists: dispatch iterates the list it started with, so handlers may subscribe
  // and unsubscribe while being called.
  readonly #handlers = new Map<string, readonly InformHandler[]>();
  readonly #streams = new Set<InformStream<Message>>();

  /**
   * The handlers by name, for the client's inbound router to call (in order, catching and
   * logging their exceptions): a live view, the same map for the router's life.
   */
  get handlers(): ReadonlyMap<string, readonly InformHandler[]> {
    return this.#handlers;
  }

  /**
   * Add a handler for `#name`; returns a function that removes it (idempotent). Adding a handler
   * that is already registered for `name` keeps the one registration (katcp-python's
   * `hook_inform`), so it is still called once per inform; any of the returned functions removes it.
   */
  add(name: string, handler: InformHandler): () => void {
    const current = this.#handlers.get(name) ?? [];
    if (!current.includes(handler)) this.#handlers.set(name, [...current, handler]);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      const list = this.#handlers.get(name);
      const i = list?.indexOf(handler) ?? -1;
      if (list === undefined || i < 0) return;
      const next = [...list.slice(0, i), ...list.slice(i + 1)];
      if (next.length === 0) this.#handlers.delete(name);
      else this.#handlers.set(name, next);
    };
  }

  /** A stream of `#name` informs; with `ended` it is returned already finished. */
  stream(name: string, opts: InformStreamOptions, ended: boolean): InformStream<Message> {
    const subscription: { off?: () => void } = {};
    const stream = new InformStream<Message>(opts, (ended) => {
      subscription.off?.();
      this.#streams.delete(ended);
    });
    if (ended) stream.end();
    if (stream.isClosed) return stream;
    subscription.off = this.add(name, (msg) => stream.push(msg));
    this.#streams.add(stream);
    return stream;
  }

  /** End every stream (the client closed); queued informs are still delivered. */
  endStreams(): void {
    for (const s of [...this.#streams]) s.end();
    this.#streams.clear();
  }
}

/**
 * Message ids of one client's requests: a counter over 1..2^31-1 (wrapping) or the `mids`
 * generator of the client's options, skipping ids still in use either way.
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

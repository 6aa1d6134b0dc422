/**
 * The sensor model's set of sensors whose strategy on the device is not (known to be) the wanted
 * one. A mirror puts every sensor in it and takes it out again when the subscription's reply
 * comes; a `Set` of 100,000 sensors made that three hash-table operations per sensor (a tenth of
 * the client's time in a profile of the 100 k mirror). Membership is a flag on the sensor
 * instead, with a list for iteration that forgets the sensors taken out when it is walked.
 * @module
 */
import type { RemoteSensor } from './sensor-entry.js';

/** A set of the model's sensors (each sensor belongs to one model, so to one such set). */
export class NeedSet implements Iterable<RemoteSensor> {
  // Every member, plus sensors taken out since the last compaction (`queued` but not `needed`).
  #list: RemoteSensor[] = [];
  #size = 0;

  /** Number of members. */
  get size(): number {
    return this.#size;
  }

  /** True when `s` is a member. */
  has(s: RemoteSensor): boolean {
    return s.needed;
  }

  /** Make `s` a member. */
  add(s: RemoteSensor): void {
    if (s.needed) return;
    s.needed = true;
    this.#size++;
    if (s.queued) return;
    s.queued = true;
    this.#list.push(s);
    // Sensors taken out and dropped from the model must not be kept alive by the list.
    if (this.#list.length >= 2 * this.#size + 1024) this.#compact();
  }

  /** Take `s` out. */
  delete(s: RemoteSensor): void {
    if (!s.needed) return;
    s.needed = false;
    this.#size--;
  }

  /** Take every sensor out. */
  clear(): void {
    for (const s of this.#list) s.needed = s.queued = false;
    this.#list = [];
    this.#size = 0;
  }

  /**
   * The members in the order they joined (a sensor taken out and added back before a walk keeps its
   * first place); like a Set, ones taken out during the walk are skipped and ones added are visited.
   */
  *[Symbol.iterator](): Iterator<RemoteSensor> {
    if (this.#list.length > this.#size) this.#compact();
    const list = this.#list;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.needed) yield s;
    }
  }

  #compact(): void {
    const kept: RemoteSensor[] = [];
    for (const s of this.#list) {
      if (s.needed) kept.push(s);
      else s.queued = false;
    }
    this.#list = kept;
  }
}

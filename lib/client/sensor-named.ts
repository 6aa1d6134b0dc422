/**
 * What the sensor model keeps by sensor name, whether the device lists the sensor or not: the
 * reading targets (an inspecting client's sensor objects) and the strategy claims (a resource
 * sensor's strategy), and the names whose strategy a claimant is sending itself right now.
 * @module
 */
import type { SamplingStrategy } from '../sensor/index.js';
import { NamedSlot } from './sensor-entry.js';
import type { ClaimOwner, NamedOwner, ReadingTarget } from './sensor-entry.js';

/** The sensor model's side: a slot was made or dropped for a name. */
export interface SlotLink {
  linkSlot(name: string, slot: NamedSlot | undefined): void;
}

/** See the module documentation. */
export class NamedSlots {
  readonly #slots = new Map<string, NamedSlot>();
  readonly #sending = new Map<string, number>();
  readonly #link: SlotLink;

  /** @param link told when a slot is made or dropped */
  constructor(link: SlotLink) {
    this.#link = link;
  }

  /** Number of names with something attached. */
  get size(): number {
    return this.#slots.size;
  }

  /** The slot of `name`, if anything is attached to it. */
  get(name: string): NamedSlot | undefined {
    return this.#slots.get(name);
  }

  /** Deliver the readings of `name` to `target` (once). */
  attachTarget(name: string, target: ReadingTarget, owner: NamedOwner): void {
    const slot = this.#slot(name);
    if (slot.targets.some((t) => t.target === target)) return;
    slot.targets = [...slot.targets, { target, owner }];
  }

  /** Stop delivering to `target`. */
  detachTarget(name: string, target: ReadingTarget): void {
    const slot = this.#slots.get(name);
    if (slot === undefined) return;
    slot.targets = slot.targets.filter((t) => t.target !== target);
    this.#dropIfEmpty(name, slot);
  }

  /** Replace `claimant`'s claim on `name` (keeping its place, else taking `seq()`); `none` withdraws it. */
  claim(name: string, claimant: ClaimOwner, strategy: SamplingStrategy, seq: () => number): void {
    const slot = this.#slot(name);
    const old = slot.claims.find((c) => c.claimant === claimant);
    const rest = slot.claims.filter((c) => c !== old);
    slot.claims = strategy.strategy === 'none' ? rest : [...rest, { claimant, strategy, seq: old?.seq ?? seq(), wanted: undefined, wantedKind: 0 }];
    this.#dropIfEmpty(name, slot);
  }

  /** The strategy `claimant` claims for `name`, if any. */
  claimOf(name: string, claimant: ClaimOwner): SamplingStrategy | undefined {
    return this.#slots.get(name)?.claims.find((c) => c.claimant === claimant)?.strategy;
  }

  /** Every claim of `claimant`, by name. */
  claimsBy(claimant: ClaimOwner): [string, SamplingStrategy][] {
    const out: [string, SamplingStrategy][] = [];
    for (const [name, slot] of this.#slots) for (const c of slot.claims) if (c.claimant === claimant) out.push([name, c.strategy]);
    return out;
  }

  /** A claimant starts sending the strategy of `name` itself. */
  beginSend(name: string): void {
    this.#sending.set(name, (this.#sending.get(name) ?? 0) + 1);
  }

  /** See {@link beginSend}. */
  endSend(name: string): void {
    const n = (this.#sending.get(name) ?? 1) - 1;
    if (n > 0) this.#sending.set(name, n);
    else this.#sending.delete(name);
  }

  /** True when nobody sends a strategy themselves. */
  get noneSending(): boolean {
    return this.#sending.size === 0;
  }

  /** True when a claimant sends the strategy of `name` itself right now. */
  sending(name: string): boolean {
    return this.#sending.size > 0 && this.#sending.has(name);
  }

  #slot(name: string): NamedSlot {
    let slot = this.#slots.get(name);
    if (slot === undefined) {
      this.#slots.set(name, (slot = new NamedSlot()));
      this.#link.linkSlot(name, slot);
    }
    return slot;
  }

  #dropIfEmpty(name: string, slot: NamedSlot): void {
    if (!slot.empty || this.#slots.get(name) !== slot) return;
    this.#slots.delete(name);
    this.#link.linkSlot(name, undefined);
  }
}

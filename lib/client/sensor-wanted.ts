/**
 * Which strategy the sensor model wants for a sensor: that of its oldest view or claim, formatted
 * for the wire once per view or claim and kind of sensor (integer or not, v4 or not).
 * @module
 */
import { UNSUBSCRIBED } from './sensor-entry.js';
import type { RemoteSensor, SensorView, StrategyClaim, WantedStrategy } from './sensor-entry.js';
import { strategyWireArgs } from './strategy-wire.js';

/** See the module documentation. */
export class WantedStrategies {
  readonly #viewSeq = new WeakMap<SensorView, number>();
  #seq = 0;
  readonly #formatted = new WeakMap<SensorView, Map<number, WantedStrategy>>();
  // The last answer of ofView(): sensors of one kind come in long runs.
  #last: { view: SensorView; kind: number; wanted: WantedStrategy } | undefined;

  /** The next number in the order of views and claims (older is smaller). */
  nextSeq(): number {
    return ++this.#seq;
  }

  /** A view was attached: it takes its place in the order. */
  addView(v: SensorView): void {
    this.#viewSeq.set(v, this.nextSeq());
  }

  /** A view was detached. */
  removeView(v: SensorView): void {
    if (this.#last?.view === v) this.#last = undefined;
  }

  /** The wanted strategy of `s` (shared: do not modify). */
  desired(s: RemoteSensor, v4: boolean): WantedStrategy {
    const integer = s.info.type === 'integer';
    const watchers = s.watchers;
    const claims = s.named?.claims;
    if (claims === undefined || claims.length === 0) {
      if (watchers.length === 0) return UNSUBSCRIBED;
      if (watchers.length === 1) {
        // ofView()'s cache checked here: a list runs this twice per sensor, often unoptimised.
        const last = this.#last;
        if (last !== undefined && last.view === watchers[0] && last.kind === (integer ? 1 : 0) + (v4 ? 2 : 0)) return last.wanted;
        return this.ofView(watchers[0]!, integer, v4);
      }
    }
    let best: SensorView | StrategyClaim | undefined;
    let bestSeq = Infinity;
    for (const w of watchers) {
      const seq = this.#viewSeq.get(w) ?? Infinity;
      if (seq < bestSeq) [best, bestSeq] = [w, seq];
    }
    for (const c of claims ?? []) if (c.seq < bestSeq) [best, bestSeq] = [c, c.seq];
    if (best === undefined) return UNSUBSCRIBED;
    if ('claimant' in best) return this.ofClaim(best, integer, v4);
    return this.ofView(best, integer, v4);
  }

  /** The formatted strategy of a claim (cached on the claim). */
  ofClaim(c: StrategyClaim, integer: boolean, v4: boolean): WantedStrategy {
    const kind = (integer ? 1 : 0) + (v4 ? 2 : 0);
    if (c.wanted === undefined || c.wantedKind !== kind) {
      const args = strategyWireArgs(c.strategy, integer ? 'integer' : 'float', v4 ? 4 : 5);
      c.wanted = Object.freeze({ args: Object.freeze(args), key: args.join(' ') });
      c.wantedKind = kind;
    }
    return c.wanted;
  }

  /** The formatted strategy of a view, cached per kind of sensor: this runs several times per sensor during a sync. */
  ofView(v: SensorView, integer: boolean, v4: boolean): WantedStrategy {
    const kind = (integer ? 1 : 0) + (v4 ? 2 : 0);
    const last = this.#last;
    if (last !== undefined && last.view === v && last.kind === kind) return last.wanted;
    let byKind = this.#formatted.get(v);
    if (byKind === undefined) this.#formatted.set(v, (byKind = new Map<number, WantedStrategy>()));
    let wanted = byKind.get(kind);
    if (wanted === undefined) {
      const args = strategyWireArgs(v.strategy, integer ? 'integer' : 'float', v4 ? 4 : 5);
      wanted = Object.freeze({ args: Object.freeze(args), key: args.join(' ') });
      byKind.set(kind, wanted);
    }
    this.#last = { view: v, kind, wanted };
    return wanted;
  }
}

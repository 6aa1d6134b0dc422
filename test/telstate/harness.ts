/**
 * Shared set-up for the behavioural suites that run against every backend: a fresh backend per
 * test, wrapped so tests can see which backend calls a waiter made, and a virtual clock.
 */
import { afterEach, beforeEach } from 'node:test';
import { TelescopeState } from '../../lib/telstate/index.js';
import type { Backend } from '../../lib/telstate/index.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

export interface BackendHarness {
  /** Name used in test titles, e.g. 'memory'. */
  readonly name: string;
  /** A fresh, empty backend. */
  create(): Promise<Backend>;
  /** Subscriptions the backend still holds for waiters (0 when nobody waits). */
  subscriptions(backend: Backend): Promise<number>;
}

export interface Ctx {
  /** The backend itself (unwrapped). */
  raw: Backend;
  /** The counting wrapper the telescope states use. */
  backend: Backend;
  ts: TelescopeState;
  ns: TelescopeState;
  clock: VirtualClock;
  /** Number of calls per backend method since the test started. */
  calls: Map<string, number>;
}

/** Wrap a backend so every method call is counted (the object keeps working as before). */
export function counting(backend: Backend, calls: Map<string, number>): Backend {
  return new Proxy(backend, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return Reflect.apply(v, target, args) as unknown;
      };
    },
  });
}

/** Poll (on real time, never asserting on it) until `pred` holds. */
export async function until(pred: () => boolean | Promise<boolean>, what = 'condition'): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Register before/after hooks creating a fresh context for each test; returns a getter. */
export function useCtx(h: BackendHarness): () => Ctx {
  let ctx: Ctx | undefined;
  beforeEach(async () => {
    const raw = await h.create();
    const calls = new Map<string, number>();
    const backend = counting(raw, calls);
    const clock = new VirtualClock();
    const ts = new TelescopeState(backend, { clock });
    ctx = { raw, backend, ts, ns: ts.view('ns'), clock, calls };
  });
  afterEach(async () => {
    await ctx?.raw.close();
    ctx = undefined;
  });
  return () => {
    if (ctx === undefined) throw new Error('no test context');
    return ctx;
  };
}

/** Whether a promise has settled yet (without waiting for it). */
export function tracker(p: Promise<unknown>): { readonly settled: boolean } {
  const state = { settled: false };
  p.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

/**
 * The behavioural suite of waitKey / waitIndexed, run against every backend. Time only moves
 * when a test advances the virtual clock; "the waiter has looked at an update" is observed
 * through the backend calls it makes, never through sleeps.
 */
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ImmutableKeyError } from '../../lib/telstate/index.js';
import { TelescopeState } from '../../lib/telstate/index.js';
import type { Backend } from '../../lib/telstate/index.js';
import { deferred } from '../../lib/util/deferred.js';
import { KatcpAbortError, KatcpTimeoutError } from '../../lib/errors.js';
import type { BackendHarness, Ctx } from './harness.js';
import { tracker, until, useCtx } from './harness.js';

export function waitSuite(h: BackendHarness): void {
  describe(`telstate waits on the ${h.name} backend`, () => {
    const ctx = useCtx(h);

    /** Everything released: no subscription, no timer. */
    async function assertReleased(c: Ctx): Promise<void> {
      await until(async () => (await h.subscriptions(c.raw)) === 0, 'subscriptions to be released');
      assert.equal(c.clock.pending, 0, 'no timer left behind');
    }

    /** Let a pending wait time out on the virtual clock. */
    async function timeOut(c: Ctx, wait: Promise<void>, ms: number): Promise<void> {
      const rejected = assert.rejects(wait, KatcpTimeoutError);
      await until(() => c.clock.pending > 0, 'the wait timer');
      await c.clock.advance(ms);
      await rejected;
    }

    const calls = (c: Ctx, method: string): number => c.calls.get(method) ?? 0;

    it('returns at once when the condition already holds, with the right value and timestamp', async () => {
      const c = ctx();
      const { ts } = c;
      await ts.add('mutable', 'b', { ts: 3 });
      await ts.set('immutable', 'x');
      await ts.setIndexed('indexed', 'idx', 5);
      const seen: unknown[] = [];
      await ts.waitKey('mutable', (v, t) => (seen.push([v, t]), v === 'b' && t === 3));
      await ts.waitKey('immutable', (v, t) => (seen.push([v, t]), t === undefined));
      await ts.waitKey('indexed', (v, t) => (seen.push([v, t]), t === undefined));
      assert.deepEqual(seen, [['b', 3], ['x', undefined], [new Map([['idx', 5]]), undefined]]);
      assert.equal(calls(c, 'monitorKeys'), 3, 'a wait with a condition checks only once subscribed');
      await ts.waitKey('mutable');
      assert.equal(calls(c, 'monitorKeys'), 3, 'a wait for existence needed no subscription');
      await assertReleased(c);
    });

    it('times out when the key never appears, with or without a condition, releasing everything', async () => {
      const c = ctx();
      await timeOut(c, c.ts.waitKey('test_key', { timeout: 100 }), 100);
      await timeOut(c, c.ts.waitKey('test_key', () => true, { timeout: 100 }), 100);
      await assertReleased(c);
    });

    for (const kind of ['mutable', 'immutable', 'indexed'] as const) {
      it(`wakes up when a ${kind} value is written later (with and without a condition)`, async () => {
        const c = ctx();
        const { ts } = c;
        const conditional = ts.waitKey('test_key', (v) => (kind === 'indexed' ? v instanceof Map && v.get('idx') === 123 : v === 123), { timeout: 60_000 });
        const plain = ts.waitKey('test_key', { timeout: 60_000 });
        await until(() => calls(c, 'monitorKeys') === 2, 'both waiters to subscribe');
        if (kind === 'mutable') await ts.add('test_key', 123, { ts: 1234567890 });
        else if (kind === 'immutable') await ts.set('test_key', 123);
        else await ts.setIndexed('test_key', 'idx', 123);
        await conditional;
        await plain;
        await assertReleased(c);
      });
    }

    it('writes made before the subscription is live are not missed', async () => {
      const c = ctx();
      const wait = c.ts.waitKey('k', (v) => v === 2);
      await c.ts.add('k', 1, { ts: 1 });
      await c.ts.add('k', 2, { ts: 2 });
      await wait;
      await assertReleased(c);
    });

    it('tests an older sample with its own value', async () => {
      const c = ctx();
      await c.ts.add('k', 'latest', { ts: 10 });
      const wait = c.ts.waitKey('k', (v, t) => v === 'old' && t === 5, { timeout: 60_000 });
      // The wait has started once it has looked at the store; a later write must reach it.
      await until(() => calls(c, 'get') === 1, 'the first check');
      await c.ts.add('k', 'old', { ts: 5 });
      await wait;
      await assertReleased(c);
    });

    // The hang seen on slow machines: a sample written after the first check, while the
    // subscription was not yet live, published its notification to nobody; the re-check then saw
    // only the latest value. A gate holds the subscription back to make that window wide.
    it('a sample written after the first check is seen even while the subscription is not live yet (slow-subscribe race)', async () => {
      const c = ctx();
      const gate = deferred<void>();
      const ts = new TelescopeState(lateSubscriptions(c.backend, gate.promise), { clock: c.clock });
      await ts.add('k', 'latest', { ts: 10 });
      const wait = ts.waitKey('k', (v, t) => v === 'old' && t === 5, { timeout: 60_000 });
      await until(() => calls(c, 'monitorKeys') === 1, 'the subscription to be requested');
      const checkedEarly = calls(c, 'get') > 0;
      if (!checkedEarly) {
        gate.resolve();
        await until(() => calls(c, 'get') === 1, 'the first check');
      }
      await ts.add('k', 'old', { ts: 5 });
      gate.resolve();
      const state = tracker(wait);
      // Without the fix this gives up after the harness's real-time limit: the wait never wakes.
      await until(() => state.settled, 'the wait to see the write');
      await wait;
      await assertReleased(c);
    });

    it('an already-aborted signal still returns at once when a condition already holds, without subscribing', async () => {
      const c = ctx();
      await c.ts.add('k', 1, { ts: 1 });
      await c.ts.waitKey('k', (v) => v === 1, { signal: AbortSignal.abort() });
      assert.equal(calls(c, 'monitorKeys'), 0);
    });

    it('an aborted signal wins unless the condition already holds', async () => {
      const c = ctx();
      await c.ts.set('there', 1);
      await c.ts.waitKey('there', { signal: AbortSignal.abort() });
      await assert.rejects(c.ts.waitKey('absent', { signal: AbortSignal.abort() }), KatcpAbortError);
      const ac = new AbortController();
      const wait = c.ts.waitKey('absent', () => true, { signal: ac.signal });
      await until(() => calls(c, 'monitorKeys') === 2);
      ac.abort(new Error('stop'));
      await assert.rejects(wait, (e: unknown) => e instanceof KatcpAbortError && (e.cause as Error).message === 'stop');
      await assertReleased(c);
    });

    it('a finished wait leaves no abort listener and no timer behind', async () => {
      const c = ctx();
      const ac = new AbortController();
      const wait = c.ts.waitKey('k', { signal: ac.signal, timeout: 60_000 });
      await until(() => calls(c, 'monitorKeys') === 1);
      assert.equal(getEventListeners(ac.signal, 'abort').length, 1);
      await c.ts.set('k', 1);
      await wait;
      assert.equal(getEventListeners(ac.signal, 'abort').length, 0);
      await assertReleased(c);
    });

    it('a matching value under a lower-priority prefix does not satisfy a shadowed wait', async () => {
      const c = ctx();
      const { ts, ns } = c;
      const ns2 = ns.view('ns2');
      await ns.add('test_key', false, { ts: 1 });
      const seen: unknown[] = [];
      const wait = ns2.waitKey('test_key', (v) => (seen.push(v), v === true), { timeout: 60_000 });
      const state = tracker(wait);
      await until(() => seen.length === 1, 'the initial check');
      await ts.add('test_key', true, { ts: 2 });
      await until(() => seen.length === 2, 'the waiter to look at the root update');
      assert.deepEqual(seen, [false, false]);
      assert.ok(!state.settled);
      await ns2.add('test_key', true, { ts: 3 });
      await wait;
      await assertReleased(c);
    });

    it('concurrent waits on different keys and on the same key all finish and unsubscribe', async () => {
      const c = ctx();
      const { ts } = c;
      const waits = [ts.waitKey('key1'), ts.waitKey('key2'), ts.waitKey('key2', (v) => v === 'y')];
      await until(() => calls(c, 'monitorKeys') === 3);
      assert.ok((await h.subscriptions(c.raw)) >= 2);
      await ts.set('key1', 'x');
      await ts.add('key2', 'y', { ts: 1 });
      await Promise.all(waits);
      await assertReleased(c);
    });

    it('waitIndexed returns at once when the sub-key exists, with or without a condition', async () => {
      const c = ctx();
      await c.ts.setIndexed('test_key', 'sub_key', 5);
      await c.ts.waitIndexed('test_key', 'sub_key');
      await c.ts.waitIndexed('test_key', 'sub_key', (v) => v === 5);
      assert.equal(calls(c, 'monitorKeys'), 0);
    });

    it('waitIndexed times out on a wrong value, an absent sub-key and an absent key', async () => {
      const c = ctx();
      await c.ts.setIndexed('test_key', 'sub_key', 5);
      await timeOut(c, c.ts.waitIndexed('test_key', 'sub_key', (v) => v === 6, { timeout: 50 }), 50);
      await timeOut(c, c.ts.waitIndexed('test_key', 'missing', { timeout: 50 }), 50);
      await timeOut(c, c.ts.waitIndexed('missing', 'sub_key', { timeout: 50 }), 50);
      await assertReleased(c);
    });

    it('waitIndexed ignores other sub-keys and wakes for its own', async () => {
      const c = ctx();
      const plain = c.ts.waitIndexed('test_key', 'bar', { timeout: 60_000 });
      const cond = c.ts.waitIndexed('test_key', 'bar', (v) => v === 2, { timeout: 60_000 });
      await until(() => calls(c, 'monitorKeys') === 2);
      await c.ts.setIndexed('test_key', 'foo', 1);
      await c.ts.setIndexed('test_key', 'bar', 2);
      await Promise.all([plain, cond]);
      assert.equal(await c.ts.getIndexed('test_key', 'bar'), 2);
      await assertReleased(c);
    });

    it('waitIndexed can be aborted, before or during the wait', async () => {
      const c = ctx();
      await c.ts.setIndexed('done', 'k', 1);
      await c.ts.waitIndexed('done', 'k', { signal: AbortSignal.abort() });
      await assert.rejects(c.ts.waitIndexed('absent', 'k', { signal: AbortSignal.abort() }), KatcpAbortError);
      const ac = new AbortController();
      const wait = c.ts.waitIndexed('absent', 'k', { signal: ac.signal });
      await until(() => calls(c, 'monitorKeys') === 2);
      ac.abort();
      await assert.rejects(wait, KatcpAbortError);
      await assertReleased(c);
    });

    it('waitIndexed is not satisfied through a shadowed prefix', async () => {
      const c = ctx();
      const { ts, ns } = c;
      await ns.setIndexed('test_key', 'blah', 1);
      const wait = ns.waitIndexed('test_key', 'sub_key', { timeout: 1000 });
      await until(() => calls(c, 'monitorKeys') === 1);
      const before = calls(c, 'getIndexed');
      await ts.setIndexed('test_key', 'sub_key', 1);
      await until(() => calls(c, 'getIndexed') > before, 'the waiter to look at the root update');
      await timeOut(c, wait, 1000);
      await assertReleased(c);
    });

    it('waitIndexed fails on a key of another type, existing or appearing', async () => {
      const c = ctx();
      const wait = c.ts.waitIndexed('test_key', 'sub_key', { timeout: 60_000 });
      await until(() => calls(c, 'monitorKeys') === 1);
      await c.ts.add('test_key', 1, { ts: 1 });
      await assert.rejects(wait, (e: unknown) => e instanceof ImmutableKeyError && /test_key/.test(e.message));
      await assert.rejects(c.ts.waitIndexed('test_key', 'sub_key'), ImmutableKeyError);
      await assertReleased(c);
    });

    it('a throwing condition rejects the wait and releases it', async () => {
      const c = ctx();
      const ts: TelescopeState = c.ts;
      const wait = ts.waitKey('k', () => {
        throw new Error('bad condition');
      });
      await ts.set('k', 1);
      await assert.rejects(wait, /bad condition/);
      await assertReleased(c);
    });
  });
}

/**
 * A backend whose subscriptions go live only once `gate` resolves; notifications published
 * before that are lost, as they are on Redis before SUBSCRIBE is confirmed.
 */
function lateSubscriptions(backend: Backend, gate: Promise<void>): Backend {
  return new Proxy(backend, {
    get(target, prop, receiver) {
      if (prop !== 'monitorKeys') return Reflect.get(target, prop, receiver) as unknown;
      return (keys: Parameters<Backend['monitorKeys']>[0], onUpdate: Parameters<Backend['monitorKeys']>[1]) => {
        let live = false;
        const inner = target.monitorKeys(keys, (u) => {
          if (live) onUpdate(u);
        });
        const ready = gate.then(() => inner.ready).then(() => {
          live = true;
        });
        return { ready, close: () => inner.close() };
      };
    },
  });
}


// Model test of a resource sensor's open/closed life (the resource's stop()/start()): random
// sequences of waits, reading streams, readings, stops and restarts against a simple model.
// Invariants: while stopped every new wait and stream fails at once with ConnectionClosedError;
// a stop fails every pending wait and ends every stream; nothing pending survives, and no timer
// is left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ConnectionClosedError } from '../../lib/errors.js';
import { ResourceSensor } from '../../lib/resource/resource-sensor.js';
import { SensorManager } from '../../lib/resource/sensor-manager.js';
import { ResourceRequester } from '../../lib/resource/request-proxy.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

interface Model {
  open: boolean;
  waits: number;
}

interface Real {
  clock: VirtualClock;
  sensor: ResourceSensor<number>;
  pending: Set<Promise<unknown>>;
  outcomes: string[];
}

function track(real: Real, p: Promise<unknown>, tag: string): void {
  const tracked = p.then(
    () => real.outcomes.push(`${tag}:ok`),
    (e: unknown) => real.outcomes.push(`${tag}:${(e as Error).name}`),
  );
  real.pending.add(tracked);
  void tracked.finally(() => real.pending.delete(tracked));
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

class Wait implements fc.AsyncCommand<Model, Real> {
  readonly withTimeout: boolean;
  constructor(withTimeout: boolean) {
    this.withTimeout = withTimeout;
  }
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const before = r.outcomes.length;
    track(r, r.sensor.wait((x) => x.value === 1_000_000, this.withTimeout ? { timeout: 100 } : {}), 'wait');
    await flush();
    if (!m.open) assert.equal(r.outcomes.at(-1), 'wait:ConnectionClosedError', 'a new wait fails at once while stopped');
    else {
      assert.equal(r.outcomes.length, before, 'an open wait is pending');
      m.waits++;
    }
  }
  toString(): string {
    return `wait(${this.withTimeout ? 'timeout' : ''})`;
  }
}

class Stream implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const it = r.sensor.readings();
    if (!m.open) {
      await assert.rejects(it.next(), ConnectionClosedError);
      return;
    }
    r.sensor.setReading({ timestamp: 1, status: 'nominal', value: 7 });
    assert.equal((await it.next()).value?.value, 7);
    await it.return?.();
  }
  toString(): string {
    return 'readings()';
  }
}

class Advance implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    await r.clock.advance(100);
    await flush();
    // Timed-out waits settled; the others are still pending.
    assert.ok(r.pending.size <= m.waits);
    m.waits = r.pending.size;
  }
  toString(): string {
    return 'advance(100)';
  }
}

class Stop implements fc.AsyncCommand<Model, Real> {
  check(): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    r.sensor.shutdown(new ConnectionClosedError('stopped'));
    await flush();
    assert.equal(r.pending.size, 0, 'a stop settles every pending wait');
    m.open = false;
    m.waits = 0;
  }
  toString(): string {
    return 'stop()';
  }
}

class Start implements fc.AsyncCommand<Model, Real> {
  check(m: Readonly<Model>): boolean {
    return !m.open;
  }
  async run(m: Model, r: Real): Promise<void> {
    r.sensor.reopen();
    m.open = true;
  }
  toString(): string {
    return 'start()';
  }
}

test('resource sensor model - stopped means every new wait and stream fails at once; nothing pending or timed survives a stop', async () => {
  const commands = [fc.boolean().map((b) => new Wait(b)), fc.constant(new Stream()), fc.constant(new Advance()), fc.constant(new Stop()), fc.constant(new Start())];
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), async (cmds) => {
      const clock = new VirtualClock();
      // A requester that was never attached to a client: every request is NotConnectedError.
      const manager = new SensorManager(clock, new ResourceRequester('demo'), { applyInform: () => undefined, strategyRejected: () => undefined, warn: () => undefined });
      const sensor = new ResourceSensor<number>({ name: 'x', description: '', units: '', type: 'integer', params: [] }, 'x', 'demo', manager);
      // Cached, not sent: waits need a strategy.
      await sensor.setStrategy('event');
      const real: Real = { clock, sensor, pending: new Set(), outcomes: [] };
      await fc.asyncModelRun(() => ({ model: { open: true, waits: 0 }, real }), cmds);
      sensor.shutdown(new ConnectionClosedError('end'));
      await flush();
      assert.equal(real.pending.size, 0, 'no wait left pending');
      assert.equal(clock.pending, 0, 'no timer left behind');
    }),
    { numRuns: 60 },
  );
});

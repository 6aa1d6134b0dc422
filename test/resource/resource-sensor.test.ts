import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResourceSensor } from '../../lib/resource/resource-sensor.js';
import type { ResourceReading, SensorHost } from '../../lib/resource/resource-sensor.js';
import { normalizeStrategy } from '../../lib/resource/strategy.js';
import type { SamplingStrategy } from '../../lib/sensor/strategy.js';
import { ConnectionClosedError, KatcpAbortError, KatcpError, KatcpTimeoutError } from '../../lib/errors.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

/** A host that keeps strategies locally, like a resource that is not connected. */
class LocalHost implements SensorHost {
  readonly clock = new VirtualClock();
  readonly strategies = new Map<ResourceSensor, SamplingStrategy>();
  readonly warnings: Error[] = [];
  polls = 0;
  strategyOf(sensor: ResourceSensor): SamplingStrategy {
    return this.strategies.get(sensor) ?? { strategy: 'none' };
  }
  setStrategy(sensor: ResourceSensor, input: Parameters<SensorHost['setStrategy']>[1], params: Parameters<SensorHost['setStrategy']>[2]): Promise<boolean> {
    const s = normalizeStrategy(input, sensor.type, params);
    if (s.strategy === 'none') this.strategies.delete(sensor);
    else this.strategies.set(sensor, s);
    return Promise.resolve(false);
  }
  dropStrategy(sensor: ResourceSensor): void {
    this.strategies.delete(sensor);
  }
  poll(): Promise<void> {
    this.polls++;
    return Promise.resolve();
  }
  warn(err: Error): void {
    this.warnings.push(err);
  }
}

function make(): { host: LocalHost; sensor: ResourceSensor<number> } {
  const host = new LocalHost();
  const sensor = new ResourceSensor<number>({ name: 'test.int', description: 'An integer', units: '', type: 'integer', params: ['-1000', '1000'] }, 'test_int', 'res', host);
  return { host, sensor };
}

const set = (s: ResourceSensor<number>, value: number, status: ResourceReading['status'] = 'nominal'): void => s.setReading({ timestamp: 10, status, value });

test('resource sensor - metadata and the initial reading', () => {
  const { sensor } = make();
  assert.equal(sensor.name, 'test.int');
  assert.equal(sensor.identifier, 'test_int');
  assert.equal(sensor.parentName, 'res');
  assert.equal(sensor.type, 'integer');
  assert.deepEqual(sensor.params, ['-1000', '1000']);
  assert.deepEqual(sensor.reading, { timestamp: 0, receivedTimestamp: 0, status: 'unknown', value: undefined });
  assert.deepEqual(sensor.samplingStrategy, { strategy: 'none' });
});

test('resource sensor - wait without a strategy rejects and leaves no listener behind (upstream test_wait)', async () => {
  const { sensor } = make();
  await assert.rejects(sensor.wait(1), (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_NO_STRATEGY');
  assert.equal(sensor.inUse, false);
});

test('resource sensor - wait times out, resolves on a matching value, a predicate or a status (upstream test_wait)', async () => {
  const { host, sensor } = make();
  await sensor.setStrategy('event');
  const timedOut = assert.rejects(sensor.wait(1, { timeout: 250 }), KatcpTimeoutError);
  await host.clock.advance(300);
  await timedOut;
  const two = sensor.wait(2, { timeout: 1000 });
  await host.clock.advance(100);
  set(sensor, 2);
  assert.equal((await two).value, 2);
  const eleven = assert.rejects(sensor.wait(11, { timeout: 500 }), KatcpTimeoutError);
  set(sensor, 10);
  await host.clock.advance(500);
  await eleven;
  const twelve = sensor.wait((r) => r.value === 12);
  set(sensor, 12);
  assert.equal((await twelve).value, 12);
  const warn3 = sensor.wait((r) => r.value === 3 && r.status === 'warn');
  set(sensor, 3, 'nominal');
  set(sensor, 3, 'warn');
  assert.equal((await warn3).status, 'warn');
  const status = sensor.wait('error');
  set(sensor, 4, 'error');
  assert.equal((await status).value, 4);
  // The current reading already satisfies the condition.
  assert.equal((await sensor.wait(4)).status, 'error');
  await sensor.setStrategy('none');
  assert.equal(sensor.inUse, false);
});

test('resource sensor - wait can be aborted', async () => {
  const { sensor } = make();
  await sensor.setStrategy('period', 1);
  const ctl = new AbortController();
  const p = sensor.wait(99, { signal: ctl.signal });
  ctl.abort();
  await assert.rejects(p, KatcpAbortError);
});

test('resource sensor - listeners are called for every reading, duplicates included (upstream test_listening)', () => {
  const { host, sensor } = make();
  const calls: [string, number | undefined][] = [];
  const off = sensor.registerListener((s, r) => calls.push([s.name, r.value]));
  sensor.registerListener(() => {
    throw new Error('broken listener');
  });
  for (const v of [-2, -1, 0, 0, 1, 2]) set(sensor, v);
  assert.equal(calls.length, 6);
  assert.deepEqual(calls[0], ['test.int', -2]);
  assert.equal(host.warnings.length, 6);
  off();
  set(sensor, 3);
  assert.equal(calls.length, 6);
  assert.equal(sensor.listeners.length, 1);
  sensor.clearListeners();
  assert.equal(sensor.inUse, false);
});

test('resource sensor - readings() iterates the readings that follow, and break unsubscribes', async () => {
  const { sensor } = make();
  const it = sensor.readings();
  set(sensor, 1);
  set(sensor, 2);
  const seen: number[] = [];
  for await (const r of it) {
    seen.push(r.value);
    if (seen.length === 2) break;
  }
  assert.deepEqual(seen, [1, 2]);
  assert.equal(sensor.inUse, false);
});

test('resource sensor - a reading iterator that falls too far behind fails instead of losing readings', async () => {
  const { sensor } = make();
  const it = sensor.readings({ maxBuffer: 2 });
  set(sensor, 1);
  set(sensor, 2);
  set(sensor, 3);
  assert.equal((await it.next()).value.value, 1);
  assert.equal((await it.next()).value.value, 2);
  await assert.rejects(it.next(), (e: unknown) => e instanceof KatcpError && e.code === 'KATCP_ERR_QUEUE_OVERFLOW');
  assert.equal((await it.next()).done, true);
});

test('resource sensor - a reading iterator with an already aborted signal fails its first next() and leaves the sensor unused', async () => {
  // Before the shared queue, the stream's end callback read the stream before it existed.
  const { sensor } = make();
  const it = sensor.readings({ signal: AbortSignal.abort() });
  assert.equal(sensor.inUse, false);
  await assert.rejects(it.next(), KatcpAbortError);
});

test('resource sensor - shutdown ends iterators and fails waits', async () => {
  const { sensor } = make();
  await sensor.setStrategy('event');
  const it = sensor.readings();
  const pending = it.next();
  const w = sensor.wait(5);
  sensor.shutdown(new ConnectionClosedError('stopped'));
  assert.equal((await pending).done, true);
  await assert.rejects(w, ConnectionClosedError);
});

test('resource sensor - getReading, getValue and getStatus poll the host first', async () => {
  const { host, sensor } = make();
  set(sensor, 17, 'warn');
  assert.equal((await sensor.getReading()).value, 17);
  assert.equal(await sensor.getValue(), 17);
  assert.equal(await sensor.getStatus(), 'warn');
  assert.equal(host.polls, 3);
});

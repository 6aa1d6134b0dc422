import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Address } from '../../lib/codec/address.js';
import { Client } from '../../lib/client/client.js';
import { SensorWatcher } from '../../lib/client/sensor-watcher.js';
import { KATCPClientResource } from '../../lib/resource/resource.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { SensorSet } from '../../lib/sensor/sensor-set.js';
import type { SensorStatus } from '../../lib/sensor/status.js';
import { Float64, ImmutableKeyError, KeyType, MemoryBackend, RedisBackend, TelescopeState, encodeValue } from '../../lib/telstate/index.js';
import { SensorRecordError, SensorRecorder } from '../../lib/recorder/index.js';
import type { SensorRecorderOptions } from '../../lib/recorder/index.js';
import { Device, quietClient } from '../inspecting/fixtures.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { until } from '../telstate/harness.js';
import { RedisServer, SKIP_REDIS } from '../telstate/redis-server.js';

const LONG = { timeout: 15_000 };
const T0 = 1_700_000_000;

interface Rig {
  dev: Device;
  res: KATCPClientResource;
  ts: TelescopeState;
  /** Reads floats back as Float64, so a float is told apart from an integer. */
  reader: TelescopeState;
  errors: SensorRecordError[];
  recorder: (opts?: SensorRecorderOptions) => Promise<SensorRecorder>;
}

/** The demo device (its clock frozen at T0, so timestamps are exact), a synced resource, a memory store. */
async function rig(t: TestContext, ts = new TelescopeState()): Promise<Rig> {
  const dev = await Device.start({ clock: new VirtualClock(T0) });
  const res = new KATCPClientResource({ name: 'demo', address: dev.address, controlled: true, client: quietClient });
  const errors: SensorRecordError[] = [];
  const recorders: SensorRecorder[] = [];
  t.after(async () => {
    for (const r of recorders) await r.stop();
    await res.stop();
    await dev.stop();
  });
  res.start();
  await res.untilSynced(LONG);
  return {
    dev,
    res,
    ts,
    reader: new TelescopeState(ts.backend, { decode: { wrapFloats: true } }),
    errors,
    recorder: async (opts = {}) => {
      const r = new SensorRecorder(res, ts, opts);
      r.on('error', (e) => errors.push(e));
      recorders.push(r);
      await r.start();
      return r;
    },
  };
}

function deviceSensor<T>(dev: Device, name: string): Sensor<T> {
  const s = dev.server.sensors.get(name);
  assert.ok(s, name);
  return s as Sensor<T>;
}

/** Wait until the latest sample of `key` has timestamp `t`. */
function sampleAt(ts: TelescopeState, key: string, t: number): Promise<void> {
  return ts.waitKey(key, (_v, at) => at === t, LONG);
}

describe('telstate sensor recorder on a resource (demo device)', () => {
  it('recorder - stores every KATCP type as cam2telstate does, under <resource>_<sensor>, with device timestamps', async (t) => {
    const { dev, ts, reader, errors, recorder } = await rig(t);
    const rec = await recorder({ sensors: [/^type\./], exclude: 'type.bytes' });
    const expected: Record<string, unknown> = {
      demo_type_integer: 42,
      demo_type_float: new Float64(3.25),
      demo_type_boolean: true,
      demo_type_string: 'hello world',
      demo_type_discrete: 'observing',
      demo_type_lru: 'nominal',
      demo_type_timestamp: new Float64(T0),
      demo_type_address: '127.0.0.1:7147',
      demo_type_address6: '[::1]:7147',
    };
    for (const key of Object.keys(expected)) await ts.waitKey(key, LONG);
    await rec.flush();
    assert.deepEqual((await ts.keys()).sort(), Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(await ts.keyType(key), KeyType.Mutable, key);
      const samples = await reader.getRange(key, { st: 0 });
      assert.deepEqual(samples, [[value, T0]], key);
    }
    // The exact bytes: a float is msgpack float64 even when integral (Python reads a float).
    const [[raw]] = (await ts.getRangeEncoded('demo_type_timestamp', { st: 0 })) as [[Uint8Array, number]];
    assert.deepEqual(Buffer.from(raw), Buffer.from(encodeValue(new Float64(T0))));
    assert.equal(Buffer.from(raw)[1], 0xcb);

    // Later updates carry the device's timestamp, not the time of arrival.
    deviceSensor<number>(dev, 'type.float').setValue(2, { timestamp: T0 + 100.25 });
    deviceSensor<number | bigint>(dev, 'type.integer').setValue(7, { timestamp: T0 + 101.5 });
    await sampleAt(ts, 'demo_type_float', T0 + 100.25);
    await sampleAt(ts, 'demo_type_integer', T0 + 101.5);
    assert.deepEqual(await reader.getRange('demo_type_float', { st: T0 + 1 }), [[new Float64(2), T0 + 100.25]]);
    assert.deepEqual(await reader.getRange('demo_type_integer', { st: T0 + 1 }), [[7, T0 + 101.5]]);
    assert.deepEqual(errors, []);
    assert.equal(rec.recorded.get('demo_type_float'), 2);
    assert.ok(rec.counters.recorded >= 11);
  });

  it('recorder - only nominal, warn and error readings are stored; unknown, failure, inactive and unreachable are dropped', async (t) => {
    const { dev, reader, ts, recorder } = await rig(t);
    const rec = await recorder({ sensors: 'type.float' });
    await ts.waitKey('demo_type_float', LONG);
    const f = deviceSensor<number>(dev, 'type.float');
    const statuses: SensorStatus[] = ['failure', 'unknown', 'inactive', 'unreachable', 'warn', 'error', 'nominal'];
    statuses.forEach((status, i) => f.setValue(10 + i, { status, timestamp: T0 + 1 + i }));
    await sampleAt(ts, 'demo_type_float', T0 + 7);
    await rec.flush();
    assert.deepEqual(await reader.getRange('demo_type_float', { st: 0 }), [
      [new Float64(3.25), T0],
      [new Float64(14), T0 + 5],
      [new Float64(15), T0 + 6],
      [new Float64(16), T0 + 7],
    ]);
    assert.equal(rec.counters.filtered, 4);
  });

  it('recorder - static sensors (strategy none or listed) are immutables; an equal re-set is fine, a change is an error event and recording goes on', async (t) => {
    const { dev, res, ts, reader, errors, recorder } = await rig(t);
    const rec = await recorder({
      sensors: ['type.string', 'type.discrete', 'type.float'],
      strategies: { 'type.string': 'none' },
      immutables: ['type_discrete'],
    });
    // `none`: no strategy is set; the value is read once with ?sensor-value.
    assert.equal(res.sensor.type_string!.samplingStrategy.strategy, 'none');
    assert.equal(res.sensor.type_discrete!.samplingStrategy.strategy, 'event');
    await ts.waitKey('demo_type_string', LONG);
    await ts.waitKey('demo_type_discrete', LONG);
    assert.equal(await ts.keyType('demo_type_string'), KeyType.Immutable);
    assert.equal(await ts.keyType('demo_type_discrete'), KeyType.Immutable);
    assert.equal(await ts.get('demo_type_string'), 'hello world');

    const d = deviceSensor<string>(dev, 'type.discrete');
    d.setValue('observing', { status: 'warn', timestamp: T0 + 1 }); // same value again: accepted
    d.setValue('idle', { timestamp: T0 + 2 }); // a change: refused
    deviceSensor<number>(dev, 'type.float').setValue(8.5, { timestamp: T0 + 3 });
    await sampleAt(ts, 'demo_type_float', T0 + 3);
    await until(() => errors.length > 0, 'the immutable error');
    await rec.flush();
    assert.equal(errors.length, 1);
    const [err] = errors;
    assert.ok(err instanceof SensorRecordError);
    assert.equal(err.stage, 'write');
    assert.equal(err.code, 'TELSTATE_ERR_RECORD_WRITE');
    assert.equal(err.key, 'demo_type_discrete');
    assert.equal(err.sensor, 'type.discrete');
    assert.ok(err.cause instanceof ImmutableKeyError);
    assert.equal(await ts.get('demo_type_discrete'), 'observing');
    assert.equal(rec.recorded.get('demo_type_discrete'), 2);
    assert.equal(rec.counters.failed, 1);
    assert.deepEqual(await reader.getRange('demo_type_float', { st: T0 + 1 }), [[new Float64(8.5), T0 + 3]]);
  });

  it('recorder - renaming: prefix, several keys per sensor, none, and writing into a view', async (t) => {
    const { ts, recorder } = await rig(t);
    const rec = await recorder({
      sensors: ['type.integer', 'type.float', 'add.result'],
      prefix: 'm000',
      rename: (s, key) => (s.name === 'type.float' ? [key, 'float-copy'] : s.name === 'add.result' ? [] : key),
    });
    assert.equal(rec.defaultKey('pos.actual-scan-azim'), 'm000_pos_actual_scan_azim');
    await ts.waitKey('float-copy', LONG);
    await ts.waitKey('m000_type_float', LONG);
    await ts.waitKey('m000_type_integer', LONG);
    await rec.flush();
    assert.deepEqual((await ts.keys()).sort(), ['float-copy', 'm000_type_float', 'm000_type_integer']);
    assert.deepEqual(await ts.getRange('float-copy', { st: 0 }), [[3.25, T0]]);

    const view = new TelescopeState().view('cbf');
    const rec2 = new SensorRecorder(rec.source, view, { sensors: 'type.integer' });
    await rec2.start();
    await view.waitKey('demo_type_integer', LONG);
    assert.deepEqual(await view.root().keys(), ['cbf_demo_type_integer']);
    await rec2.stop();
  });

  it('recorder - stop() removes its listeners and puts back the strategies it replaced; later readings are not recorded', async (t) => {
    const { dev, res, ts, recorder } = await rig(t);
    const integer = res.sensor.type_integer!;
    const float = res.sensor.type_float!;
    await integer.setStrategy('period 10');
    const handlers = (['sensorAdded', 'stateChange', 'strategyError'] as const).map((e) => res.listenerCount(e));
    const rec = await recorder({ sensors: ['type.integer', 'type.float'] });
    assert.equal(integer.samplingStrategy.strategy, 'event');
    assert.equal(float.listeners.length, 1);
    await ts.waitKey('demo_type_float', LONG);
    await rec.stop();
    assert.equal(rec.running, false);
    assert.deepEqual(integer.samplingStrategy, { strategy: 'period', period: 10 });
    assert.equal(float.samplingStrategy.strategy, 'none');
    assert.equal(float.listeners.length, 0);
    assert.equal(integer.listeners.length, 0);
    assert.deepEqual((['sensorAdded', 'stateChange', 'strategyError'] as const).map((e) => res.listenerCount(e)), handlers);
    assert.ok(dev.tap.sent(/^\?sensor-sampling\[\d+\] type\.float none$/).length === 1);
    const before = rec.counters;
    deviceSensor<number>(dev, 'type.float').setValue(1.5, { timestamp: T0 + 1 });
    await float.getReading(); // the update reaches the client; no recorder is listening
    assert.equal(float.value, 1.5);
    await rec.flush();
    assert.deepEqual(rec.counters, before);
    assert.deepEqual(await ts.getRange('demo_type_float', { st: 0 }), [[3.25, T0]]);
    // A stopped recorder starts again.
    await rec.start();
    await sampleAt(ts, 'demo_type_float', T0 + 1);
  });

  it('recorder - after the device restarts, strategies are re-applied and statics re-read, so current values are recorded again', async (t) => {
    const { dev, res, ts, errors, recorder } = await rig(t);
    const rec = await recorder({ sensors: ['type.float', 'type.string'], strategies: { 'type.string': 'none' } });
    await ts.waitKey('demo_type_float', LONG);
    await ts.waitKey('demo_type_string', LONG);
    await dev.down();
    await res.untilNotSynced(LONG);
    await dev.up((server) => {
      (server.sensors.get('type.float') as Sensor<number>).setValue(9.75, { timestamp: T0 + 200 });
    });
    await sampleAt(ts, 'demo_type_float', T0 + 200);
    await until(() => (rec.recorded.get('demo_type_string') ?? 0) >= 2, 'the static re-read');
    deviceSensor<number>(dev, 'type.float').setValue(1.25, { timestamp: T0 + 201 });
    await sampleAt(ts, 'demo_type_float', T0 + 201);
    assert.deepEqual(await ts.getRange('demo_type_float', { st: T0 + 1 }), [
      [9.75, T0 + 200],
      [1.25, T0 + 201],
    ]);
    assert.deepEqual(errors, []);
  });

  it('recorder - a sensor the device adds later is recorded when the filter selects it', async (t) => {
    const { dev, ts, recorder } = await rig(t);
    await recorder({ sensors: [/^runtime\./] });
    dev.server.sensors.add(Sensor.integer({ name: 'runtime.added', default: 5, initialStatus: 'nominal', clock: new VirtualClock(T0 + 5) }));
    await ts.waitKey('demo_runtime_added', (v, at) => v === 5 && at === T0 + 5, LONG);
    assert.deepEqual(await ts.keys(), ['demo_runtime_added']);
  });

  it('recorder - a strategy the sensor type refuses is an error event; the other sensors are recorded', async (t) => {
    const { res, ts, errors, recorder } = await rig(t);
    await recorder({ sensors: ['type.string', 'type.integer'], strategies: { 'type.string': 'differential 1' } });
    await ts.waitKey('demo_type_integer', LONG);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.stage, 'strategy');
    assert.equal(errors[0]!.sensor, 'type.string');
    assert.equal(res.sensor.type_string!.listeners.length, 0);
    assert.equal(await ts.exists('demo_type_string'), false);
  });

  it('recorder - convert: its result is stored, undefined skips the reading, a throw is an error event', async (t) => {
    const { dev, ts, errors, recorder } = await rig(t);
    const rec = await recorder({
      sensors: ['type.string'],
      convert: (v, s, r) => {
        if (v === 'skip') return undefined;
        if (v === 'bad') throw new Error('not JSON');
        assert.equal(s.name, 'type.string');
        return `${String(v)}@${r.status}`;
      },
    });
    await ts.waitKey('demo_type_string', LONG);
    const s = deviceSensor<string>(dev, 'type.string');
    s.setValue('skip', { timestamp: T0 + 1 });
    s.setValue('bad', { timestamp: T0 + 2 });
    s.setValue('ok', { timestamp: T0 + 3 });
    await sampleAt(ts, 'demo_type_string', T0 + 3);
    assert.deepEqual(await ts.getRange('demo_type_string', { st: 0 }), [
      ['hello world@nominal', T0],
      ['ok@nominal', T0 + 3],
    ]);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.code, 'TELSTATE_ERR_RECORD_CONVERT');
    assert.equal(rec.counters.filtered, 1);
  });
});

describe('telstate sensor recorder on a SensorSet', () => {
  function sensors(clock: VirtualClock): Sensor[] {
    return [
      Sensor.float({ name: 'rx.temp', default: 20, initialStatus: 'nominal', clock }),
      Sensor.integer({ name: 'rx.count', default: 2n ** 60n, initialStatus: 'nominal', clock }),
      Sensor.bytes({ name: 'rx.raw', default: Buffer.from('caf\xc3\xa9', 'latin1'), initialStatus: 'nominal', clock }),
      Sensor.bytes({ name: 'rx.blob', default: Buffer.from([0xff, 0x00]), initialStatus: 'nominal', clock }),
      Sensor.address({ name: 'rx.dest', default: new Address('10.0.0.1', 7148), initialStatus: 'nominal', clock }),
      Sensor.string({ name: 'rx.serial', default: 'SN-1', initialStatus: 'nominal', clock }),
      Sensor.boolean({ name: 'rx.unset', clock }), // status unknown: not recorded
    ];
  }

  it('recorder - records current readings and updates, follows additions and removals, and detaches on stop', async () => {
    const clock = new VirtualClock(T0);
    const set = new SensorSet(sensors(clock));
    const ts = new TelescopeState();
    const reader = new TelescopeState(ts.backend, { decode: { wrapFloats: true } });
    const errors: SensorRecordError[] = [];
    const rec = new SensorRecorder(set, ts, { immutables: ['rx.serial'], onError: (e) => errors.push(e) });
    const stored: unknown[][] = [];
    rec.on('stored', (...args) => stored.push(args));
    await rec.start();
    await rec.flush();
    assert.deepEqual((await ts.keys()).sort(), ['rx_blob', 'rx_count', 'rx_dest', 'rx_raw', 'rx_serial', 'rx_temp']);
    assert.deepEqual(await reader.getRange('rx_temp', { st: 0 }), [[new Float64(20), T0]]);
    assert.deepEqual(await ts.getRange('rx_count', { st: 0 }), [[2n ** 60n, T0]]);
    assert.deepEqual(await ts.getRange('rx_raw', { st: 0 }), [['café', T0]]);
    assert.deepEqual(await ts.getRange('rx_blob', { st: 0 }), [[new Uint8Array([0xff, 0x00]), T0]]);
    assert.deepEqual(await ts.getRange('rx_dest', { st: 0 }), [['10.0.0.1:7148', T0]]);
    assert.equal(await ts.keyType('rx_serial'), KeyType.Immutable);
    assert.deepEqual(stored.find(([key]) => key === 'rx_temp'), ['rx_temp', new Float64(20), T0, 'rx.temp']);
    assert.deepEqual(stored.find(([key]) => key === 'rx_serial'), ['rx_serial', 'SN-1', undefined, 'rx.serial']);

    const temp = set.get('rx.temp') as Sensor<number>;
    temp.setValue(21.5, { timestamp: T0 + 1 });
    temp.setValue(99, { timestamp: T0 + 2, status: 'failure' });
    temp.setValue(22, { timestamp: T0 + 3, status: 'warn' });
    (set.get('rx.serial') as Sensor<string>).setValue('SN-2', { timestamp: T0 + 4 });
    const added = Sensor.float({ name: 'rx.new-one', default: 1, initialStatus: 'nominal', clock });
    set.add(added);
    set.remove('rx.temp');
    temp.setValue(23, { timestamp: T0 + 5 }); // removed: not recorded
    added.setValue(2, { timestamp: T0 + 6 });
    await rec.flush();
    assert.deepEqual(await reader.getRange('rx_temp', { st: 0 }), [
      [new Float64(20), T0],
      [new Float64(21.5), T0 + 1],
      [new Float64(22), T0 + 3],
    ]);
    assert.deepEqual(await reader.getRange('rx_new_one', { st: 0 }), [
      [new Float64(1), T0],
      [new Float64(2), T0 + 6],
    ]);
    assert.equal(temp.observerCount, 0);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.key, 'rx_serial');
    assert.equal(await ts.get('rx_serial'), 'SN-1');

    await rec.stop();
    for (const s of set) assert.equal(s.observerCount, 0, s.name);
    added.setValue(3, { timestamp: T0 + 7 });
    set.add(Sensor.float({ name: 'rx.late', default: 1, initialStatus: 'nominal', clock }));
    await rec.flush();
    assert.equal(await ts.exists('rx_late'), false);
    assert.equal((await ts.getRange('rx_new_one', { st: 0 })).length, 2);
  });

  it('recorder - writes are queued in order per key, one at a time; a failed write never loses later readings', async () => {
    class SlowBackend extends MemoryBackend {
      inFlight = 0;
      maxInFlight = 0;
      order: number[] = [];
      override async addMutable(key: Uint8Array, value: Uint8Array, timestamp: number): Promise<void> {
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        this.order.push(timestamp);
        try {
          // Later writes would overtake this one if they were not queued behind it.
          await new Promise((r) => setImmediate(r));
          await super.addMutable(key, value, timestamp);
        } finally {
          this.inFlight--;
        }
      }
    }
    const backend = new SlowBackend();
    const ts = new TelescopeState(backend);
    const clock = new VirtualClock(T0);
    const a = Sensor.integer({ name: 'a', default: 0, initialStatus: 'nominal', clock });
    const errors: SensorRecordError[] = [];
    const rec = new SensorRecorder(new SensorSet([a]), ts, {});
    rec.on('error', (e) => errors.push(e));
    await ts.set('a', 'taken'); // an immutable: mutable samples of `a` fail
    await rec.start();
    for (let i = 1; i <= 5; i++) a.setValue(i, { timestamp: T0 + i });
    await rec.flush();
    assert.equal(errors.length, 6);
    assert.ok(errors.every((e) => e.cause instanceof ImmutableKeyError && e.key === 'a'));
    await ts.delete('a');
    for (let i = 6; i <= 30; i++) a.setValue(i, { timestamp: T0 + i });
    assert.equal(rec.counters.pending, 25);
    await rec.flush();
    assert.equal(backend.maxInFlight, 1);
    assert.deepEqual(backend.order.slice(-25), Array.from({ length: 25 }, (_, i) => T0 + 6 + i));
    assert.equal((await ts.getRange('a', { st: 0 })).length, 25);
    assert.deepEqual(rec.counters, { recorded: 25, filtered: 0, failed: 6, pending: 0 });
    await rec.stop();
  });

  it('recorder - mirrors of a SensorWatcher are recorded with the device timestamps', async (t) => {
    const dev = await Device.start({ clock: new VirtualClock(T0) });
    const client = new Client('127.0.0.1', dev.port, quietClient);
    const watcher = new SensorWatcher(client, { filter: (info) => info.name.startsWith('type.f') });
    const ts = new TelescopeState();
    const rec = new SensorRecorder(watcher.sensors, ts, { prefix: 'dev' });
    t.after(async () => {
      await rec.stop();
      watcher.close();
      await client.close();
      await dev.stop();
    });
    await rec.start();
    await watcher.untilSynced(LONG);
    await ts.waitKey('dev_type_float', LONG);
    deviceSensor<number>(dev, 'type.float').setValue(4.5, { timestamp: T0 + 9.125 });
    await sampleAt(ts, 'dev_type_float', T0 + 9.125);
    assert.deepEqual(await ts.getRange('dev_type_float', { st: 0 }), [
      [3.25, T0],
      [4.5, T0 + 9.125],
    ]);
    assert.deepEqual(await ts.keys(), ['dev_type_float']);
  });

  it('recorder - bad sources, stores and options are refused at construction', () => {
    const set = new SensorSet();
    const ts = new TelescopeState();
    assert.throws(() => new SensorRecorder({} as SensorSet, ts), /KATCPClientResource or a SensorSet/);
    assert.throws(() => new SensorRecorder(set, {} as TelescopeState), /TelescopeState/);
    assert.throws(() => new SensorRecorder(set, ts, { strategy: 'sometimes' }), /^KatcpError: strategy: .*sometimes/);
    assert.throws(() => new SensorRecorder(set, ts, { strategies: { x: 'period' } }), /strategies\["x"\]: expected 1 strategy argument/);
    assert.throws(() => new SensorRecorder(set, ts, { statuses: ['fine' as SensorStatus] }), /not a sensor status/);
    assert.throws(() => new SensorRecorder(set, ts, { sensors: [42 as unknown as string] }), /sensors must be/);
    assert.throws(() => new SensorRecorder(set, ts, { requestTimeout: 0 }), /requestTimeout/);
  });

  it('recorder - an invalid renamed key is an error event and the sensor is skipped', async () => {
    const clock = new VirtualClock(T0);
    const set = new SensorSet([Sensor.float({ name: 'x', default: 1, initialStatus: 'nominal', clock }), Sensor.float({ name: 'y', default: 2, initialStatus: 'nominal', clock })]);
    const ts = new TelescopeState();
    const errors: SensorRecordError[] = [];
    const rec = new SensorRecorder(set, ts, { rename: (s, key) => (s.name === 'x' ? '' : key) });
    rec.on('error', (e) => errors.push(e));
    await rec.start();
    await rec.flush();
    assert.deepEqual(await ts.keys(), ['y']);
    assert.equal(errors.length, 1);
    assert.equal(errors[0]!.stage, 'rename');
    await assert.rejects(rec.start(), /running/);
    await rec.stop();
  });
});

describe('telstate sensor recorder on Redis', { skip: SKIP_REDIS }, () => {
  it('recorder - the demo sensors land in Redis with float64 values, device timestamps and immutables', async (t) => {
    const server = await RedisServer.start();
    const ts = new TelescopeState(new RedisBackend(server.target));
    t.after(async () => {
      await ts.close();
      await server.cleanup();
    });
    const { dev, errors, recorder } = await rig(t, ts);
    const rec = await recorder({ sensors: ['type.float', 'type.integer', 'type.address', 'type.string'], strategies: { 'type.string': 'none' } });
    for (const k of ['demo_type_float', 'demo_type_integer', 'demo_type_address', 'demo_type_string']) await ts.waitKey(k, LONG);
    deviceSensor<number>(dev, 'type.float').setValue(5, { timestamp: T0 + 0.5 });
    await sampleAt(ts, 'demo_type_float', T0 + 0.5);
    await rec.flush();
    // A second connection, as another process (or Python) would read it.
    const other = new TelescopeState(new RedisBackend(server.target), { decode: { wrapFloats: true } });
    try {
      assert.deepEqual(await other.getRange('demo_type_float', { st: 0 }), [
        [new Float64(3.25), T0],
        [new Float64(5), T0 + 0.5],
      ]);
      assert.deepEqual(await other.getRange('demo_type_integer', { st: 0 }), [[42, T0]]);
      assert.deepEqual(await other.getRange('demo_type_address', { st: 0 }), [['127.0.0.1:7147', T0]]);
      assert.equal(await other.keyType('demo_type_string'), KeyType.Immutable);
      assert.equal(await other.get('demo_type_string'), 'hello world');
    } finally {
      await other.close();
    }
    assert.deepEqual(errors, []);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AdjtimexCallError, STA, clockStateName } from '../../lib/server/adjtimex.js';
import type { AdjtimexResult, Timex } from '../../lib/server/adjtimex.js';
import { TimeSyncUpdater, clockStateStatus, createTimeSyncSensors, timeSyncTask } from '../../lib/server/time-sync.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { KatcpError } from '../../lib/errors.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

function timex(fields: Partial<Timex>): Timex {
  return {
    modes: 0, offset: 0, freq: 0, maxerror: 0, esterror: 0, status: 0, constant: 0, precision: 0, tolerance: 0,
    time: { sec: 0, usec: 0 }, tick: 0, ppsfreq: 0, jitter: 0, shift: 0, stabil: 0, jitcnt: 0, calcnt: 0, errcnt: 0, stbcnt: 0, tai: 0,
    ...fields,
  };
}

function fixed(code: number, t: Timex): () => AdjtimexResult {
  return () => ({ code, state: clockStateName(code), timex: t });
}

describe('time-sync - sensors from adjtimex', () => {
  it('time-sync - maps esterror/maxerror to seconds and stamps readings with the kernel time (microseconds)', () => {
    const clock = new VirtualClock();
    const sensors = createTimeSyncSensors({ clock });
    const updater = new TimeSyncUpdater(sensors, { adjtimex: fixed(0, timex({ esterror: 123, maxerror: 4567, time: { sec: 1234567890, usec: 654321 } })) });
    assert.equal(updater.update(), undefined);
    assert.equal(sensors.esterror.value, 123e-6);
    assert.equal(sensors.maxerror.value, 4567e-6);
    assert.equal(sensors.state.value, 'ok');
    assert.equal(sensors.state.status, 'nominal');
    for (const s of updater.sensors) assert.ok(Math.abs(s.timestamp - 1234567890.654321) < 1e-6);
  });

  it('time-sync - honours STA_NANO (the time field then holds nanoseconds)', () => {
    const sensors = createTimeSyncSensors();
    const updater = new TimeSyncUpdater(sensors, {
      adjtimex: fixed(0, timex({ status: STA.NANO, time: { sec: 1234567890, usec: 654321000 } })),
    });
    updater.update();
    assert.ok(Math.abs(sensors.state.timestamp - 1234567890.654321) < 1e-6);
  });

  it('time-sync - an unsynchronised clock (TIME_ERROR) is state error with status error', () => {
    const sensors = createTimeSyncSensors();
    new TimeSyncUpdater(sensors, { adjtimex: fixed(5, timex({ status: STA.UNSYNC, maxerror: 16e6 })) }).update();
    assert.equal(sensors.state.value, 'error');
    assert.equal(sensors.state.status, 'error');
    assert.equal(sensors.maxerror.value, 16);
    assert.deepEqual(['ok', 'ins', 'del', 'oop', 'wait', 'error'].map(clockStateStatus), ['nominal', 'nominal', 'nominal', 'warn', 'warn', 'error']);
  });

  it('time-sync - any subset of the sensors can be updated; other keys are refused', () => {
    const esterror = Sensor.float({ name: 'only.esterror' });
    const updater = new TimeSyncUpdater({ esterror }, { adjtimex: fixed(0, timex({ esterror: 5 })) });
    updater.update();
    assert.equal(esterror.value, 5e-6);
    assert.deepEqual(updater.sensors, [esterror]);
    assert.throws(
      () => new TimeSyncUpdater({ foo: esterror } as never, { adjtimex: fixed(0, timex({})) }),
      (err: unknown) => err instanceof KatcpError && /Key 'foo' is not valid/.test(err.message),
    );
  });

  it('time-sync - a failing call marks the sensors failure, keeping their values', () => {
    const sensors = createTimeSyncSensors();
    let fail = false;
    const updater = new TimeSyncUpdater(sensors, {
      adjtimex: () => {
        if (fail) throw new AdjtimexCallError(1);
        return fixed(0, timex({ esterror: 7 }))();
      },
    });
    updater.update();
    fail = true;
    const err = updater.update();
    assert.ok(err instanceof AdjtimexCallError);
    assert.equal(err.errno, 1);
    assert.equal(sensors.esterror.value, 7e-6);
    assert.equal(sensors.esterror.status, 'failure');
    assert.equal(sensors.state.status, 'failure');
  });

  it('time-sync - the service task updates every period and ends when aborted', async () => {
    const clock = new VirtualClock();
    let calls = 0;
    const updater = new TimeSyncUpdater(createTimeSyncSensors({ clock }), {
      adjtimex: () => {
        calls++;
        return fixed(0, timex({}))();
      },
    });
    const abort = new AbortController();
    const done = timeSyncTask(updater, { period: 1000, clock })(abort.signal);
    await clock.advance(0);
    assert.equal(calls, 1);
    await clock.advance(2500);
    assert.equal(calls, 3);
    abort.abort();
    await done;
    assert.equal(clock.pending, 0, 'no timer left behind');
    assert.throws(() => timeSyncTask(updater, { period: 0 }), /positive/);
  });

  it('time-sync - the real adjtimex feeds the sensors on Linux', { skip: process.platform !== 'linux' }, () => {
    const sensors = createTimeSyncSensors();
    new TimeSyncUpdater(sensors).update();
    assert.ok(['ok', 'ins', 'del', 'oop', 'wait', 'error'].includes(sensors.state.value));
    assert.equal(typeof sensors.maxerror.value, 'number');
    assert.ok(sensors.esterror.value >= 0);
    assert.ok(Math.abs(sensors.state.timestamp - Date.now() / 1000) < 5);
  });

  it('time-sync - on a platform without adjtimex, importing works and construction throws AdjtimexUnavailableError', () => {
    // A fresh process that claims to be macOS before anything is loaded: importing the time-sync
    // module (and the demo device built on it) must work; only constructing the updater fails.
    const script = `
      Object.defineProperty(process, 'platform', { value: 'darwin' });
      const ts = await import('./lib/server/time-sync.ts');
      const demo = await import('./lib/demo/demo-server.ts');
      let outcome = 'constructed';
      try { new ts.TimeSyncUpdater(ts.createTimeSyncSensors()); } catch (err) { outcome = err.name + ': ' + err.code + ': ' + err.message; }
      const server = demo.createDemoServer({ counterPeriod: 0 });
      const states = ['time.state', 'time.maxerror', 'time.esterror'].map((n) => server.sensors.get(n).status);
      console.log(JSON.stringify({ outcome, states }));
    `;
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { outcome: string; states: string[] };
    assert.match(result.outcome, /^AdjtimexUnavailableError: KATCP_ERR_ADJTIMEX_UNAVAILABLE: adjtimex\(2\) is only available on Linux \(this is darwin\)$/);
    assert.deepEqual(result.states, ['inactive', 'inactive', 'inactive']);
  });
});

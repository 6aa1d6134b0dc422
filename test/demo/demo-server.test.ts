import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { createDemoServer } from '../../lib/demo/demo-server.js';
import type { DemoServerOptions } from '../../lib/demo/demo-server.js';
import { FRUITS } from '../../lib/demo/demo-sensors.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { compatibilityWarnings } from '../../lib/sensor/compat.js';
import type { RawClient } from '../helpers/raw-client.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { RecordingConsole, serve } from '../server/fixture.js';
import { fakeAdjtimex } from './fixture.js';

interface Demo {
  server: DeviceServer;
  clock: VirtualClock;
  console: RecordingConsole;
  connect(): Promise<RawClient>;
}

async function demo(t: TestContext, opts: DemoServerOptions = {}): Promise<Demo> {
  const clock = new VirtualClock();
  const rec = new RecordingConsole();
  const f = await serve(t, createDemoServer({ clock, console: rec, adjtimex: fakeAdjtimex, ...opts }), rec);
  return {
    server: f.server,
    clock,
    console: rec,
    async connect() {
      const c = await f.connect({ greeting: false });
      await c.expectLines([
        /^#version-connect katcp-protocol /,
        /^#version-connect katcp-library /,
        '#version-connect katcp-device katcp-demo-1.0 katcp-demo-1.0.0',
      ]);
      return c;
    },
  };
}

describe('demo device requests', () => {
  it('demo - ?add returns the sum and sets add.result', async (t) => {
    const d = await demo(t);
    const c = await d.connect();
    await c.request('?add 1 2.5', ['!add ok 3.5']);
    await c.request('?add[2] 1', ["!add[2] fail missing\\_a\\_required\\_argument:\\_'y'"]);
    await c.request('?add x 1', ["!add fail could\\_not\\_convert\\_string\\_to\\_float:\\_b'x'"]);
    await c.request('?sensor-value add.result', ['#sensor-value 1700000000.0 1 add.result nominal 3.5', '!sensor-value ok 1']);
  });

  it('demo - ?time returns the clock time and sets time.result', async (t) => {
    const d = await demo(t);
    const c = await d.connect();
    await d.clock.advance(1500);
    await c.request('?time[1]', ['!time[1] ok 1700000001.5']);
    await c.request('?sensor-value time.result', ['#sensor-value 1700000001.5 1 time.result nominal 1700000001.5', '!sensor-value ok 1']);
  });

  it('demo - ?echo returns its arguments byte for byte', async (t) => {
    const d = await demo(t);
    const c = await d.connect();
    await c.request('?echo a\\_b \\@ c\\\\d \\t\\n\\r\\e\\0 \xff', ['!echo ok a\\_b \\@ c\\\\d \\t\\n\\r\\e\\0 \xff']);
    await c.request('?echo[3]', ['!echo[3] ok']);
  });

  it('demo - ?pick-fruit informs progress then replies a fruit after its delay', async (t) => {
    const d = await demo(t, { random: () => 0.5, fruitDelay: 300 });
    const c = await d.connect();
    c.send('?pick-fruit[7]');
    await c.expect('#pick-fruit[7] walking\\_to\\_the\\_orchard');
    await d.clock.advance(100);
    await c.expect('#pick-fruit[7] climbing\\_a\\_tree');
    await d.clock.advance(100);
    await c.expect('#pick-fruit[7] looking\\_for\\_fruit');
    await d.clock.advance(100);
    const fruit = FRUITS[Math.floor(0.5 * (FRUITS.length + 1))]!;
    await c.expect(`!pick-fruit[7] ok ${fruit}`);
    await c.request('?sensor-value fruit.result', [`#sensor-value 1700000000.3 1 fruit.result nominal ${fruit}`, '!sensor-value ok 1']);
  });

  it('demo - ?pick-fruit can fail with "No fruit"', async (t) => {
    const d = await demo(t, { random: () => 0.999, fruitDelay: 30 });
    const c = await d.connect();
    c.send('?pick-fruit');
    await c.expectLines([/^#pick-fruit /]);
    await d.clock.advance(10);
    await d.clock.advance(10);
    await d.clock.advance(10);
    await c.waitFor('!pick-fruit fail No\\_fruit');
  });

  it('demo - ?slow waits on the clock; ?fail and ?crash fail without harming the server', async (t) => {
    const d = await demo(t);
    const c = await d.connect();
    c.send('?slow[1] 2');
    await c.request('?fail[2]', ['!fail[2] fail this\\_request\\_always\\_fails']);
    await c.request('?fail custom', ['!fail fail custom']);
    await c.request('?crash', ['!crash fail deliberate\\_crash']);
    await d.clock.advance(2000);
    await c.expect('!slow[1] ok 2.0');
    await c.request('?slow -1', ['!slow fail seconds\\_must\\_be\\_a\\_finite\\_number\\_>=\\_0']);
    assert.equal(d.console.errors.length, 1);
  });

  it('demo - ?add-sensor and ?remove-sensor change the interface at runtime', async (t) => {
    const d = await demo(t);
    const c = await d.connect();
    await c.request('?add-sensor dyn.one', ['#interface-changed sensor dyn.one added', '!add-sensor ok']);
    await c.request('?sensor-list dyn.one', ['#sensor-list dyn.one dynamically\\_added \\@ float', '!sensor-list ok 1']);
    await c.request('?remove-sensor dyn.one', ['#interface-changed sensor dyn.one removed', '!remove-sensor ok']);
    await c.request('?remove-sensor dyn.one', ["!remove-sensor fail Unknown\\_sensor\\_'dyn.one'"]);
    await c.request('?add-sensor bad!name', [/^!add-sensor fail invalid\\_sensor\\_name/]);
  });

  it('demo - ?set-sensor sets a sensor from its wire form; ?log-message sends #log', async (t) => {
    const d = await demo(t);
    const c = await d.connect();
    await c.request('?sensor-sampling type.integer event', [/^#sensor-status /, /^!sensor-sampling ok/]);
    await c.request('?set-sensor type.integer 7', ['#sensor-status 1700000000.0 1 type.integer nominal 7', '!set-sensor ok']);
    await c.request('?set-sensor type.integer 500 error', ['#sensor-status 1700000000.0 1 type.integer error 500', '!set-sensor ok']);
    await c.request('?set-sensor type.integer x', [/^!set-sensor fail /]);
    await c.request('?log-message warn hello', ['#log warn 1700000000.0 demo hello', '!log-message ok']);
    await c.request('?log-message info quiet', ['!log-message ok']);
  });
});

describe('demo device load generator', () => {
  it('demo - ?burst updates the extra sensors round-robin and reports the time taken', async (t) => {
    const d = await demo(t, { sensors: 2 });
    const c = await d.connect();
    await c.request('?sensor-sampling extra.00000,extra.00001 auto', [/^#sensor-status/, /^#sensor-status/, /^!sensor-sampling ok/]);
    await c.request('?burst 5 2', [
      '#sensor-status 1700000000.0 1 extra.00000 nominal 0.0',
      '#sensor-status 1700000000.0 1 extra.00001 nominal 1.0',
      '#sensor-status 1700000000.0 1 extra.00000 nominal 2.0',
      '#sensor-status 1700000000.0 1 extra.00001 nominal 3.0',
      '#sensor-status 1700000000.0 1 extra.00000 nominal 4.0',
      /^!burst ok 5 \d+(\.\d+)?(e-\d+)?$/,
    ]);
    const none = await demo(t);
    const d2 = await none.connect();
    await d2.request('?burst 5', [/^!burst fail the\\_device\\_has\\_no\\_extra\\_sensors/]);
  });
});

describe('demo device sensors', () => {
  it('demo - lists a sensor of every type, the device status, the counter, time sync and N extras', async (t) => {
    const d = await demo(t, { sensors: 3 });
    const c = await d.connect();
    c.send('?sensor-list');
    const lines: string[] = [];
    for (let line = await c.nextLine(); !line.startsWith('!'); line = await c.nextLine()) lines.push(line);
    const byName = new Map(lines.map((l) => [l.split(' ')[1]!, l]));
    for (const type of ['integer', 'float', 'boolean', 'discrete', 'lru', 'string', 'timestamp', 'address']) {
      assert.ok(lines.some((l) => l.split(' ')[4] === type), `a ${type} sensor`);
    }
    for (const name of ['add.result', 'time.result', 'fruit.result', 'device-status', 'fast.counter', 'time.state', 'time.maxerror', 'time.esterror', 'extra.00000', 'extra.00002']) {
      assert.ok(byName.has(name), name);
    }
    assert.equal(byName.get('fruit.result'), `#sensor-list fruit.result Last\\_fruit\\_picked\\_by\\_?pick-fruit \\@ discrete ${FRUITS.join(' ')}`);
    assert.equal(byName.get('device-status'), '#sensor-list device-status Overall\\_device\\_status \\@ discrete ok degraded fail');
    assert.equal(byName.get('type.timestamp'), '#sensor-list type.timestamp A\\_timestamp\\_sensor \\@ timestamp');
    assert.equal(byName.has('extra.00003'), false);
  });

  it('demo - nothing in it upsets katcp-python clients', async (t) => {
    const d = await demo(t, { sensors: 2 });
    for (const s of d.server.sensors) {
      assert.deepEqual(compatibilityWarnings(s), [], s.name);
      // katcp-python decodes string sensor values as UTF-8 and drops the reading otherwise.
      if (Buffer.isBuffer(s.value)) assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(s.value as Buffer), s.name);
    }
    assert.deepEqual(d.console.warnings, []);
    const c = await d.connect();
    await c.request('?sensor-value type.bytes', ['#sensor-value 1700000000.0 1 type.bytes nominal raw\\0\\e\\_bytes\\n', '!sensor-value ok 1']);
  });

  it('demo - fast.counter counts every 10 ms of clock time', async (t) => {
    const d = await demo(t);
    const c = await d.connect();
    await c.request('?sensor-sampling fast.counter event', ['#sensor-status 1700000000.0 1 fast.counter nominal 0', /^!sensor-sampling ok/]);
    await d.clock.advance(10);
    await c.expect('#sensor-status 1700000000.01 1 fast.counter nominal 1');
    await d.clock.advance(20);
    await c.expectLines(['#sensor-status 1700000000.02 1 fast.counter nominal 2', '#sensor-status 1700000000.03 1 fast.counter nominal 3']);
  });

  it('demo - time-sync sensors come from adjtimex', async (t) => {
    const d = await demo(t);
    const c = await d.connect();
    await c.request('?sensor-value /^time\\\\.(state|maxerror|esterror)$/', [
      '#sensor-value 1700000000.5 1 time.esterror nominal 0.0001',
      '#sensor-value 1700000000.5 1 time.maxerror nominal 0.002',
      '#sensor-value 1700000000.5 1 time.state nominal ok',
      '!sensor-value ok 3',
    ]);
  });

  it('demo - without adjtimex the time-sync sensors are listed as inactive', async (t) => {
    const original = Object.getOwnPropertyDescriptor(process, 'platform')!;
    Object.defineProperty(process, 'platform', { value: 'win32' });
    let d: Demo;
    try {
      d = await demo(t, { adjtimex: undefined });
    } finally {
      Object.defineProperty(process, 'platform', original);
    }
    assert.equal(d.server.sensors.get('time.state')?.status, 'inactive');
    assert.equal(d.server.sensors.get('time.esterror')?.status, 'inactive');
  });

  it('demo - bad options are refused', () => {
    assert.throws(() => createDemoServer({ sensors: -1 }), /sensors/);
    assert.throws(() => createDemoServer({ sensors: 1.5 }), /sensors/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Sensor } from '../../lib/sensor/sensor.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { LIST_BATCH } from '../../lib/server/sensor-requests.js';
import { startServer } from './fixture.js';
import type { Fixture } from './fixture.js';

/** aiokatcp's test_server sensors, on a virtual clock starting at 1700000000. */
function addSensors(server: DeviceServer, clock: VirtualClock): void {
  server.sensors.add(Sensor.integer({ name: 'counter-queries', description: 'number of ?counter queries', default: 0, initialStatus: 'nominal', clock }));
  server.sensors.add(Sensor.discrete({ name: 'foo', description: 'nonsense', values: ['first-value', 'second-value'], clock }));
  server.sensors.add(Sensor.float({ name: 'float-sensor', description: 'generic float sensor', clock }));
  server.sensors.add(Sensor.bytes({ name: 'str-sensor', description: 'generic string sensor', clock }));
  server.sensors.add(Sensor.integer({ name: 'auto-override', description: 'overrides auto strategy', autoStrategy: { strategy: 'period', period: 2.5 }, clock }));
}

async function setup(t: TestContext): Promise<Fixture & { clock: VirtualClock }> {
  const clock = new VirtualClock();
  const f = await startServer(t, { clock }, (server) => addSensors(server, clock));
  return { ...f, clock };
}

function sensor<T = unknown>(f: Fixture, name: string): Sensor<T> {
  return f.server.sensors.get(name) as Sensor<T>;
}

describe('?sensor-list', () => {
  it('sensor-list - every sensor sorted by name with units, type and params', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    await c.request('?sensor-list[4]', [
      '#sensor-list[4] auto-override overrides\\_auto\\_strategy \\@ integer',
      '#sensor-list[4] counter-queries number\\_of\\_?counter\\_queries \\@ integer',
      '#sensor-list[4] float-sensor generic\\_float\\_sensor \\@ float',
      '#sensor-list[4] foo nonsense \\@ discrete first-value second-value',
      '#sensor-list[4] str-sensor generic\\_string\\_sensor \\@ string',
      '!sensor-list[4] ok 5',
    ]);
  });

  it('sensor-list - an exact name, an unknown name (katcp-python wording) and ranges as params', async (t) => {
    const f = await setup(t);
    f.server.sensors.add(Sensor.float({ name: 'ranged', description: 'Drive bus voltage', units: 'V', range: { nominal: [0, 900] } }));
    const c = await f.connect();
    await c.request('?sensor-list[5] foo', ['#sensor-list[5] foo nonsense \\@ discrete first-value second-value', '!sensor-list[5] ok 1']);
    await c.request('?sensor-list ranged', ['#sensor-list ranged Drive\\_bus\\_voltage V float 0.0 900.0', '!sensor-list ok 1']);
    await c.request('?sensor-list bar', ["!sensor-list fail Unknown\\_sensor\\_'bar'"]);
  });

  it('sensor-list - /regex/ searches names; // matches all; a bad regex fails', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    c.send('?sensor-list[6] /^[b-z][a-z-]+/');
    await c.expectLines([/ counter-queries /, / float-sensor /, / foo /, / str-sensor /, '!sensor-list[6] ok 4']);
    await c.request('?sensor-list[7] /unmatched/', ['!sensor-list[7] ok 0']);
    await c.request('?sensor-list[8] /o{2}/', [/^#sensor-list\[8\] foo /, '!sensor-list[8] ok 1']);
    c.send('?sensor-list //');
    await c.waitFor('!sensor-list ok 5');
    await c.request('?sensor-list[9] /(/', [/^!sensor-list\[9\] fail .*missing\\_closing\\_\)/]);
    // A regex needs its backslashes escaped on the wire.
    await c.request('?sensor-list /^str\\\\-/', [/ str-sensor /, '!sensor-list ok 1']);
  });
});

describe('long listings', () => {
  it('sensor-list / sensor-value - a listing longer than one batch is complete and in order, and other requests are answered meanwhile', async (t) => {
    const f = await setup(t);
    const n = LIST_BATCH * 2 + 500;
    for (let i = n - 1; i >= 0; i--) f.server.sensors.add(Sensor.float({ name: `long.${String(i).padStart(5, '0')}`, description: `long ${i}`, default: i, initialStatus: 'nominal', clock: f.clock }));
    const total = n + 5;
    const c = await f.connect();
    for (const [req, inform] of [
      ['sensor-list', /^#sensor-list\[1\] (\S+) /],
      ['sensor-value', /^#sensor-value\[1\] 1700000000\.0 1 (\S+) /],
    ] as const) {
      c.sendRaw(`?${req}[1]\n?watchdog[2]\n`);
      const names: string[] = [];
      let watchdogAt = -1;
      for (;;) {
        const line = await c.nextLine();
        if (line === '!watchdog[2] ok') watchdogAt = names.length;
        else if (line.startsWith(`!${req}[1]`)) {
          assert.equal(line, `!${req}[1] ok ${total}`);
          break;
        } else names.push(inform.exec(line)![1]!);
      }
      assert.equal(names.length, total);
      assert.deepEqual(names, [...names].sort(), 'sorted by name');
      assert.ok(watchdogAt > 0 && watchdogAt < total, `?watchdog answered during the listing (after ${watchdogAt} informs)`);
    }
  });

  it('sensor-list - a client leaving in the middle of a long listing is no trouble', async (t) => {
    const f = await setup(t);
    for (let i = 0; i < LIST_BATCH * 3; i++) f.server.sensors.add(Sensor.float({ name: `long.${String(i).padStart(5, '0')}`, clock: f.clock }));
    const c = await f.connect();
    c.send('?sensor-list[1]');
    await c.expect(/^#sensor-list\[1\] /);
    c.destroy();
    const d = await f.connect();
    await d.request('?watchdog[1]', ['!watchdog[1] ok']);
    assert.deepEqual(f.console.errors, []);
  });
});

describe('?sensor-value', () => {
  it('sensor-value - timestamp 1 name status value for each sensor, sorted', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    await c.request('?sensor-value[9]', [
      '#sensor-value[9] 1700000000.0 1 auto-override unknown 0',
      '#sensor-value[9] 1700000000.0 1 counter-queries nominal 0',
      '#sensor-value[9] 1700000000.0 1 float-sensor unknown 0.0',
      '#sensor-value[9] 1700000000.0 1 foo unknown first-value',
      '#sensor-value[9] 1700000000.0 1 str-sensor unknown \\@',
      '!sensor-value[9] ok 5',
    ]);
    sensor(f, 'float-sensor').setValue(1.25, { timestamp: 1700000123.5, status: 'warn' });
    await c.request('?sensor-value float-sensor', ['#sensor-value 1700000123.5 1 float-sensor warn 1.25', '!sensor-value ok 1']);
    await c.request('?sensor-value /^f/', [/ float-sensor /, / foo /, '!sensor-value ok 2']);
    await c.request('?sensor-value nosuch', ["!sensor-value fail Unknown\\_sensor\\_'nosuch'"]);
  });
});

describe('?sensor-sampling', () => {
  it('sampling - query, set (value sent at once), query again, none', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    await c.request('?sensor-sampling float-sensor', ['!sensor-sampling ok float-sensor none']);
    await c.request('?sensor-sampling[2] float-sensor event', ['#sensor-status 1700000000.0 1 float-sensor unknown 0.0', '!sensor-sampling[2] ok float-sensor event']);
    await c.request('?sensor-sampling[3] float-sensor', ['!sensor-sampling[3] ok float-sensor event']);
    sensor(f, 'float-sensor').setValue(2.5);
    await c.expect('#sensor-status 1700000000.0 1 float-sensor nominal 2.5');
    await c.request('?sensor-sampling float-sensor none', ['!sensor-sampling ok float-sensor none']);
    sensor(f, 'float-sensor').setValue(3.5);
    await c.request('?watchdog', ['!watchdog ok']);
  });

  it('sampling - a strategy without parameters, one sensor per request, applies to a sensor of every type and is reported per sensor', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    for (const name of ['counter-queries', 'foo', 'float-sensor', 'str-sensor']) {
      await c.request(`?sensor-sampling ${name} event`, [new RegExp(`^#sensor-status \\S+ 1 ${name} `), `!sensor-sampling ok ${name} event`]);
    }
    await c.request('?sensor-sampling foo none', ['!sensor-sampling ok foo none']);
    for (const [name, strategy] of [['counter-queries', 'event'], ['foo', 'none'], ['float-sensor', 'event'], ['str-sensor', 'event']]) {
      await c.request(`?sensor-sampling ${name}`, [`!sensor-sampling ok ${name} ${strategy}`]);
    }
    // The same words fail differently by sensor type.
    await c.request('?sensor-sampling str-sensor differential', [
      '!sensor-sampling fail differential\\_strategies\\_only\\_valid\\_for\\_integer,\\_float\\_and\\_timestamp\\_sensors',
    ]);
    await c.request('?sensor-sampling float-sensor differential', ['!sensor-sampling fail expected\\_1\\_strategy\\_arguments,\\_found\\_0']);
  });

  it('sampling - parameters are echoed re-encoded (floats for times, the sensor type for differences)', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    await c.request('?sensor-sampling float-sensor event-rate 1 2', [/^#sensor-status /, '!sensor-sampling ok float-sensor event-rate 1.0 2.0']);
    await c.request('?sensor-sampling float-sensor differential-rate 0.5 1 10', [/^#sensor-status /, '!sensor-sampling ok float-sensor differential-rate 0.5 1.0 10.0']);
    await c.request('?sensor-sampling counter-queries differential 2', [/^#sensor-status /, '!sensor-sampling ok counter-queries differential 2']);
    await c.request('?sensor-sampling float-sensor event-rate 0 inf', [/^#sensor-status /, '!sensor-sampling ok float-sensor event-rate 0.0 inf']);
  });

  it('sampling - errors change nothing and say why', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    // The texts of aiokatcp's capture (aiokatcp.md section 2), byte for byte.
    const exact: [string, string][] = [
      ['float-sensor carrot', "b'carrot'\\_is\\_not\\_a\\_valid\\_value\\_for\\_Strategy"],
      ['float-sensor none 4', 'expected\\_0\\_strategy\\_arguments,\\_found\\_1'],
      ['float-sensor event-rate 4', 'expected\\_2\\_strategy\\_arguments,\\_found\\_1'],
      ['float-sensor event-rate 4 5 6', 'expected\\_2\\_strategy\\_arguments,\\_found\\_3'],
      ['float-sensor period foo', "could\\_not\\_convert\\_string\\_to\\_float:\\_b'foo'"],
      ['float-sensor period 0.0', 'period\\_must\\_be\\_positive'],
      ['float-sensor event-rate 0.5 0', 'period\\_must\\_be\\_positive'],
      ['counter-queries differential 1.5', "invalid\\_literal\\_for\\_int()\\_with\\_base\\_10:\\_b'1.5'"],
      ['nosuch event', "Unknown\\_sensor\\_'nosuch'"],
      ['float-sensor,float-sensor event', 'Duplicate\\_sensor\\_name'],
      ['float-sensor,nosuch event', "Unknown\\_sensor\\_'nosuch'"],
    ];
    for (const [args, reason] of exact) await c.request(`?sensor-sampling ${args}`, [`!sensor-sampling fail ${reason}`]);
    // Our own texts where we differ on purpose: timestamp sensors accept differential (as in
    // katcp-python), and shortest > longest is refused (aiokatcp accepts it).
    const fails: [string, RegExp][] = [
      ['foo differential 1', /^differential\\_strategies\\_only\\_valid\\_for/],
      ['float-sensor event-rate 2 1', /shortest/],
      ['float-sensor,foo differential 1', /^differential\\_strategies/],
    ];
    for (const [args, reason] of fails) {
      const line = (await c.request(`?sensor-sampling ${args}`, [/^!sensor-sampling fail /]))[0]!;
      assert.match(line.slice('!sensor-sampling fail '.length), reason, args);
    }
    // A query does not split on commas: the name is looked up literally.
    await c.request('?sensor-sampling float-sensor,foo', ["!sensor-sampling fail Unknown\\_sensor\\_'float-sensor,foo'"]);
    await c.request('?sensor-sampling float-sensor', ['!sensor-sampling ok float-sensor none']);
    await c.request('?sensor-sampling foo', ['!sensor-sampling ok foo none']);
  });

  it('sampling - bulk sets every sensor in order, echoes the list, and queries then report it', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    await c.request('?sensor-sampling float-sensor,counter-queries event', [
      '#sensor-status 1700000000.0 1 float-sensor unknown 0.0',
      '#sensor-status 1700000000.0 1 counter-queries nominal 0',
      '!sensor-sampling ok float-sensor,counter-queries event',
    ]);
    await c.request('?sensor-sampling counter-queries', ['!sensor-sampling ok counter-queries event']);
    await c.request('?sensor-sampling float-sensor', ['!sensor-sampling ok float-sensor event']);
  });

  it('sampling - after a listing, bulk names in any order find their sensors, also after sensors are added, replaced or removed', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    c.send('?sensor-list');
    await c.expectLines([/^#sensor-list /, /^#sensor-list /, /^#sensor-list /, /^#sensor-list /, /^#sensor-list /, '!sensor-list ok 5']);
    await c.request('?sensor-sampling foo,auto-override,str-sensor none', ['!sensor-sampling ok foo,auto-override,str-sensor none']);
    await c.request('?sensor-sampling str-sensor,foo,float-sensor,str-sensor none', ['!sensor-sampling fail Duplicate\\_sensor\\_name']);
    await c.request('?sensor-sampling counter-queries,float-sensor,nosuch none', ["!sensor-sampling fail Unknown\\_sensor\\_'nosuch'"]);
    // A new sensor sorted among the others, and a replaced one: the new objects are subscribed.
    f.server.sensors.add(Sensor.integer({ name: 'bar', default: 7, initialStatus: 'nominal', clock: f.clock }));
    f.server.sensors.add(Sensor.integer({ name: 'foo', default: 8, initialStatus: 'nominal', clock: f.clock }));
    c.send('?watchdog');
    while ((await c.nextLine()) !== '!watchdog ok');
    await c.request('?sensor-sampling bar,foo event', [
      '#sensor-status 1700000000.0 1 bar nominal 7',
      '#sensor-status 1700000000.0 1 foo nominal 8',
      '!sensor-sampling ok bar,foo event',
    ]);
    f.server.sensors.remove('bar');
    await c.expect('#interface-changed sensor bar removed');
    await c.request('?sensor-sampling auto-override,bar none', ["!sensor-sampling fail Unknown\\_sensor\\_'bar'"]);
  });

  it('sampling - auto on a sensor that overrides it behaves like its strategy but replies auto', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    await c.request('?sensor-sampling auto-override auto', ['#sensor-status 1700000000.0 1 auto-override unknown 0', '!sensor-sampling ok auto-override auto']);
    sensor(f, 'auto-override').setValue(5);
    await f.clock.advance(2500);
    await c.expect('#sensor-status 1700000000.0 1 auto-override nominal 5');
    await c.request('?sensor-sampling auto-override', ['!sensor-sampling ok auto-override auto']);
  });

  it('sampling - period 2.5 timeline (virtual clock)', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    await c.request('?sensor-sampling float-sensor period 2.5', ['#sensor-status 1700000000.0 1 float-sensor unknown 0.0', '!sensor-sampling ok float-sensor period 2.5']);
    await f.clock.advance(2500);
    await c.expect('#sensor-status 1700000000.0 1 float-sensor unknown 0.0');
    await f.clock.advance(500);
    sensor(f, 'float-sensor').setValue(1.25);
    await c.request('?watchdog', ['!watchdog ok']);
    await f.clock.advance(2000);
    await c.expect('#sensor-status 1700000003.0 1 float-sensor nominal 1.25');
    await f.clock.advance(2500);
    await c.expect('#sensor-status 1700000003.0 1 float-sensor nominal 1.25');
  });

  it('sampling - event-rate 1 10 coalesces a burst into one update with the latest reading', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    await c.request('?sensor-sampling float-sensor event-rate 1 10', [/^#sensor-status /, /^!sensor-sampling ok/]);
    const s = sensor<number>(f, 'float-sensor');
    await f.clock.advance(1000);
    s.setValue(1.25);
    await c.expect('#sensor-status 1700000001.0 1 float-sensor nominal 1.25');
    await f.clock.advance(250);
    s.setValue(1.0);
    await f.clock.advance(250);
    s.setValue(0.5);
    await c.request('?watchdog', ['!watchdog ok']);
    await f.clock.advance(500);
    await c.expect('#sensor-status 1700000001.5 1 float-sensor nominal 0.5');
    await f.clock.advance(10000);
    await c.expect('#sensor-status 1700000001.5 1 float-sensor nominal 0.5');
  });

  it('sampling - subscriptions are per client', async (t) => {
    const f = await setup(t);
    const a = await f.connect();
    const b = await f.connect();
    await a.expect(/^#client-connected/);
    await a.request('?sensor-sampling foo event', [/^#sensor-status /, /^!sensor-sampling ok/]);
    await b.request('?sensor-sampling foo', ['!sensor-sampling ok foo none']);
    sensor(f, 'foo').setValue('second-value');
    await a.expect('#sensor-status 1700000000.0 1 foo nominal second-value');
    await b.request('?watchdog', ['!watchdog ok']);
  });

  it('sampling-clear - stops every subscription of this client', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    await c.request('?sensor-sampling foo,float-sensor auto', [/^#sensor-status /, /^#sensor-status /, /^!sensor-sampling ok/]);
    await c.request('?sensor-sampling-clear[3]', ['!sensor-sampling-clear[3] ok']);
    sensor(f, 'foo').setValue('second-value');
    sensor(f, 'float-sensor').setValue(1);
    await c.request('?watchdog', ['!watchdog ok']);
    await c.request('?sensor-sampling foo', ['!sensor-sampling ok foo none']);
    assert.equal(sensor(f, 'foo').observerCount, 0);
  });

  it('sampling - a bulk request over many sensors sends every initial value before the reply', async (t) => {
    const f = await setup(t);
    const names: string[] = [];
    for (let i = 0; i < 1200; i++) {
      const name = `bulk.${String(i).padStart(4, '0')}`;
      names.push(name);
      f.server.sensors.add(Sensor.float({ name, default: i, initialStatus: 'nominal', clock: f.clock }));
    }
    const c = await f.connect();
    c.send(`?sensor-sampling[8] ${names.join(',')} event`);
    const lines = await c.expectLines(names.map((n) => new RegExp(`^#sensor-status 1700000000\\.0 1 ${n.replace('.', '\\.')} nominal `)));
    assert.equal(lines.length, 1200);
    await c.expect(`!sensor-sampling[8] ok ${names.join(',')} event`);
  });

  it('sampling - sensors removed while a bulk request runs still get their value once but no subscription', async (t) => {
    const f = await setup(t);
    const made: Sensor[] = [];
    for (let i = 0; i < 1200; i++) {
      const s = Sensor.float({ name: `gone.${i}`, clock: f.clock });
      made.push(s);
      f.server.sensors.add(s);
    }
    f.server.addRequest({
      name: 'remove-all',
      description: 'Remove the gone.* sensors.',
      handler: () => {
        for (const s of made) f.server.sensors.remove(s);
      },
    });
    const c = await f.connect();
    // Pipelined: the removal runs while the sampling request waits for its lock.
    c.send(`?sensor-sampling[1] ${made.map((s) => s.name).join(',')} event\n?remove-all[2]`);
    const lines: string[] = [];
    for (;;) {
      const line = await c.nextLine();
      if (line.startsWith('!sensor-sampling[1]')) break;
      lines.push(line);
    }
    assert.equal(lines.filter((l) => l.startsWith('#sensor-status')).length, 1200);
    assert.ok(lines.includes('!remove-all[2] ok'));
    assert.ok(made.every((s) => s.observerCount === 0));
  });

  it('sampling - removing a sensor drops its subscriptions and sends #interface-changed', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    await c.request('?sensor-sampling foo event', [/^#sensor-status /, /^!sensor-sampling ok/]);
    const foo = sensor(f, 'foo');
    assert.equal(foo.observerCount, 1);
    f.server.sensors.remove('foo');
    await c.expect('#interface-changed sensor foo removed');
    assert.equal(foo.observerCount, 0);
    await c.request('?sensor-sampling foo', ["!sensor-sampling fail Unknown\\_sensor\\_'foo'"]);
  });
});

describe('runtime sensor changes', () => {
  it('sensors - adding, replacing and removing sensors at runtime sends #interface-changed sensor ...', async (t) => {
    const f = await setup(t);
    const a = await f.connect();
    const b = await f.connect();
    await a.expect(/^#client-connected/);
    f.server.sensors.add(Sensor.float({ name: 'dyn.one', clock: f.clock }));
    await a.expect('#interface-changed sensor dyn.one added');
    await b.expect('#interface-changed sensor dyn.one added');
    await a.request('?sensor-list dyn.one', ['#sensor-list dyn.one \\@ \\@ float', '!sensor-list ok 1']);
    f.server.sensors.add(Sensor.integer({ name: 'dyn.one', clock: f.clock }));
    await a.expect('#interface-changed sensor dyn.one modified');
    f.server.sensors.remove('dyn.one');
    await a.expect('#interface-changed sensor dyn.one removed');
    // A sensor that comes and goes within one tick is not reported at all.
    f.server.sensors.add(Sensor.float({ name: 'dyn.two', clock: f.clock }));
    f.server.sensors.remove('dyn.two');
    await a.request('?watchdog', ['!watchdog ok']);
  });

  it('sensors - many changes in one tick become one #interface-changed sensor-list', async (t) => {
    const f = await setup(t);
    const c = await f.connect();
    for (let i = 0; i < 20; i++) f.server.sensors.add(Sensor.float({ name: `many.${i}`, clock: f.clock }));
    await c.expect('#interface-changed sensor-list');
    await c.request('?watchdog', ['!watchdog ok']);
  });

  it('sensors - a timestamp sensor with units or a discrete sensor without values logs a warning', async (t) => {
    const f = await setup(t);
    f.server.sensors.add(Sensor.timestamp({ name: 'bad.ts', units: 's' }));
    f.server.sensors.add(new Sensor({ type: 'discrete', name: 'bad.discrete' }));
    assert.equal(f.console.warnings.length, 2);
    assert.match(f.console.warnings[0]!, /bad\.ts.*katcp-python/);
    assert.match(f.console.warnings[1]!, /bad\.discrete.*katcp-python/);
  });
});

/**
 * The server's protocol option: which versions and flags it accepts, and what each changes
 * (banner, requests offered, bulk sampling, #interface-changed), for v5 variants and v4.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolFlags } from '../../lib/codec/protocol-flags.js';
import { KatcpTypeError } from '../../lib/errors.js';
import { ServerDialect, msText, parseServerProtocol } from '../../lib/server/dialect.js';
import { DeviceServer } from '../../lib/server/device-server.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { startServer } from './fixture.js';

describe('server protocol option', () => {
  it('dialect - accepts 4.x-M and 5.x with M, I and from 5.1 B, T; a string or a ProtocolFlags', () => {
    for (const p of ['4.0-M', '4.0', '4.9-M', '5.0-M', '5.0-MI', '5.0-I', '5.1-MIBT', '5.1-MB']) assert.equal(String(parseServerProtocol(p)), p);
    const flags = new ProtocolFlags(4, 0, 'M');
    assert.equal(parseServerProtocol(flags), flags);
    assert.equal(String(new DeviceServer({ protocol: flags }).protocol), '4.0-M');
    assert.equal(String(new DeviceServer().protocol), '5.1-MIBT', 'the default stays 5.1-MIBT');
  });

  it('dialect - rejects other versions, unknown flags, I before v5 and B/T before 5.1, naming the reason', () => {
    const cases: [unknown, RegExp][] = [
      ['3.0-M', /major version 3/],
      ['6.0-M', /major version 6/],
      ['4.0-MI', /message ids \(I\) need KATCP 5/],
      ['5.0-MB', /B and T need KATCP 5\.1/],
      ['5.0-MT', /B and T need KATCP 5\.1/],
      ['5.1-MX', /unknown flag "X"/],
      ['v4', /not a KATCP protocol version/],
      [4, /must be a string/],
    ];
    for (const [p, re] of cases) {
      assert.throws(() => new DeviceServer({ protocol: p as string }), (e: unknown) => e instanceof KatcpTypeError && re.test(e.message), String(p));
    }
  });

  it('dialect - v4 timestamps are integer milliseconds, statuses fold onto the five v4 ones', () => {
    const v4 = new ServerDialect('4.0-M');
    const v5 = new ServerDialect();
    assert.equal(v4.timestamp(1_700_000_000.2505), '1700000000251');
    assert.equal(v4.timestamp(0), '0');
    assert.equal(v5.timestamp(1_700_000_000.25), '1700000000.25');
    assert.equal(msText(-0.4), '0');
    assert.equal(v4.status('unreachable'), 'failure');
    assert.equal(v4.status('inactive'), 'unknown');
    assert.equal(v4.status('warn'), 'warn');
    assert.equal(v5.status('inactive'), 'inactive');
    assert.equal(v4.allowsStrategy('event-rate'), false);
    const float = { type: 'float' } as const;
    const ts = { type: 'timestamp' } as const;
    for (const [ms, text] of [[250, '250'], [333, '333'], [0.5, '0.5'], [999.999, '999.999'], [1e12, '1000000000000']] as const) {
      const period = v4.strategyFromWire({ strategy: 'period', period: ms }, 'float');
      assert.deepEqual(v4.strategyToWire(period, float), ['period', text], `period ${ms} ms`);
    }
    assert.deepEqual(v4.strategyFromWire({ strategy: 'differential', difference: 1500 }, 'timestamp'), { strategy: 'differential', difference: 1.5 });
    assert.deepEqual(v4.strategyToWire({ strategy: 'differential', difference: 1.5 }, ts), ['differential', '1500']);
    assert.deepEqual(v4.strategyToWire({ strategy: 'differential', difference: 2 }, float), ['differential', '2.0'], 'a float difference is not a time');
    assert.deepEqual(v5.strategyToWire({ strategy: 'period', period: 0.25 }, float), ['period', '0.25']);
    assert.equal(v5.allowsStrategy('event-rate'), true);
  });

  it('dialect - 5.0-MI offers no ?request-timeout-hint and no bulk sampling, but ids and ?version-list', async (t) => {
    const f = await startServer(t, { protocol: '5.0-MI' }, (s) => {
      s.sensors.add(Sensor.integer({ name: 'a', default: 1, initialStatus: 'nominal' }));
      s.sensors.add(Sensor.integer({ name: 'b', default: 2, initialStatus: 'nominal' }));
    });
    const c = await f.connect({ greeting: false });
    await c.expectLines(['#version-connect katcp-protocol 5.0-MI', /^#version-connect katcp-library /, '#version-connect katcp-device test-1.0 test-1.0.1']);
    await c.request('?request-timeout-hint[1]', ['!request-timeout-hint[1] invalid Unknown\\_request.']);
    await c.request('?sensor-sampling[2] a,b event', ["!sensor-sampling[2] fail Unknown\\_sensor\\_'a,b'"]);
    await c.request('?version-list[3]', [/^#version-list\[3\] katcp-protocol 5\.0-MI$/, /^#version-list\[3\] katcp-library /, /^#version-list\[3\] katcp-device /, '!version-list[3] ok 3']);
  });

  it('dialect - a v4 device sends no #interface-changed (v4 has none), a v5 device does', async (t) => {
    for (const protocol of ['4.0-M', '5.1-MIBT']) {
      const f = await startServer(t, { protocol });
      const c = await f.connect({ greeting: false });
      await c.expectLines(protocol === '4.0-M' ? ['#version test-1.0', '#build-state test-1.0.1'] : [/^#version-connect /, /^#version-connect /, /^#version-connect /]);
      f.server.sensors.add(Sensor.float({ name: 'late' }));
      await c.request('?watchdog', protocol === '4.0-M' ? ['!watchdog ok'] : ['#interface-changed sensor late added', '!watchdog ok']);
    }
  });

  it('dialect - a single-client device (4.0, no M) drops the old client for a new one, with #disconnect naming it', async (t) => {
    const f = await startServer(t, { protocol: '4.0' });
    const a = await f.connect({ greeting: false });
    await a.expectLines(['#version test-1.0', '#build-state test-1.0.1']);
    await a.request('?client-list', ['!client-list invalid Unknown\\_request.']);
    const b = await f.connect({ greeting: false });
    await b.expectLines(['#version test-1.0', '#build-state test-1.0.1']);
    assert.deepEqual(await a.expectClose(), [`#disconnect New\\_client\\_connected\\_from\\_${b.localAddress}`]);
    await b.request('?watchdog', ['!watchdog ok']);
    assert.equal(f.server.clientCount, 1);
  });

  it('dialect - a v4 device without a build state sends the library as #build-state', async (t) => {
    const f = await startServer(t, { protocol: '4.0-M', buildState: '' });
    const c = await f.connect({ greeting: false });
    await c.expectLines(['#version test-1.0', /^#build-state katcp-ts-\d+\.\d+\.\d+$/]);
  });
});

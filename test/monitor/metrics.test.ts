import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { Sensor } from '../../lib/sensor/sensor.js';
import type { Monitor } from '../../lib/monitor/monitor.js';
import { MAX_LABEL_LENGTH } from '../../lib/monitor/metrics.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { eventually, sensorOf, startDemo, startWatching } from './fixture.js';

interface Sample {
  value: string;
  labels?: Record<string, string>;
}
interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Sample[];
}

/** Scrape /metrics and parse it with a real exposition-format parser. */
async function scrape(monitor: Monitor): Promise<Map<string, Family>> {
  const res = await fetch(`${monitor.url}metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const families = parsePrometheusTextFormat(await res.text()) as Family[];
  return new Map(families.map((f) => [f.name, f]));
}

function series(families: Map<string, Family>, name: string, labels: Record<string, string>): Sample[] {
  return (families.get(name)?.metrics ?? []).filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
}

function one(families: Map<string, Family>, name: string, labels: Record<string, string>): Sample {
  const found = series(families, name, labels);
  assert.equal(found.length, 1, `${name} ${JSON.stringify(labels)}: ${JSON.stringify(found)}`);
  return found[0]!;
}

describe('monitor /metrics', () => {
  let server: DeviceServer;
  let monitor: Monitor;
  before(async () => {
    server = await startDemo();
    monitor = await startWatching(server);
  });
  after(async () => {
    await monitor.close();
    await server.stop();
  });

  it('exports every sensor type as the device has it: numbers, booleans as 0/1, discrete and lru as indices, strings as info', async () => {
    const m = await scrape(monitor);
    const value = (sensor: string): number => Number(one(m, 'katcp_sensor_value', { device: 'demo', sensor }).value);
    assert.equal(value('type.integer'), 42);
    assert.equal(value('type.float'), 3.25);
    assert.equal(value('type.boolean'), 1);
    assert.equal(value('type.discrete'), 1); // 'observing' in idle, observing, maintenance-mode
    assert.equal(value('type.lru'), 0); // nominal
    assert.equal(value('type.timestamp'), sensorOf(server, 'type.timestamp').value as number);
    const discrete = series(m, 'katcp_sensor_value_info', { device: 'demo', sensor: 'type.discrete' }).map((s) => [s.labels!.index, s.labels!.value]);
    assert.deepEqual(discrete, [['0', 'idle'], ['1', 'observing'], ['2', 'maintenance-mode']]);
    assert.match(m.get('katcp_sensor_value')!.help, /boolean as 0\/1; discrete and lru as the index/);
    assert.equal(one(m, 'katcp_sensor_string_info', { sensor: 'type.string' }).labels!.value, 'hello world');
    assert.equal(one(m, 'katcp_sensor_string_info', { sensor: 'type.address' }).labels!.value, '127.0.0.1:7147');
    assert.equal(one(m, 'katcp_sensor_string_info', { sensor: 'type.address6' }).labels!.value, '[::1]:7147');
    assert.equal(series(m, 'katcp_sensor_value', { sensor: 'type.string' }).length, 0, 'strings have no value gauge');
  });

  it('exports each status as a number with its name as a label, following the device', async () => {
    let m = await scrape(monitor);
    const status = one(m, 'katcp_sensor_status', { device: 'demo', sensor: 'type.integer' });
    assert.deepEqual([status.value, status.labels!.status], ['1', 'nominal']);
    const expected = { nominal: 1, warn: 2, error: 3, failure: 4, unreachable: 5, inactive: 6, unknown: 0 } as const;
    for (const [name, code] of Object.entries(expected)) {
      sensorOf(server, 'type.float').setValue(code + 0.5, { status: name as keyof typeof expected });
      const sensor = monitor.model.device('demo')!.resource.sensor.type_float!;
      await eventually(() => sensor.status === name && sensor.value === code + 0.5, `type.float ${name}`);
      m = await scrape(monitor);
      const s = one(m, 'katcp_sensor_status', { device: 'demo', sensor: 'type.float' });
      assert.deepEqual([Number(s.value), s.labels!.status], [code, name]);
      assert.equal(Number(one(m, 'katcp_sensor_value', { sensor: 'type.float' }).value), code + 0.5);
    }
  });

  it('exports per-device connected, synced, reconnects, messages received and sensor count', async () => {
    const m = await scrape(monitor);
    assert.equal(one(m, 'katcp_device_connected', { device: 'demo' }).value, '1');
    assert.equal(one(m, 'katcp_device_synced', { device: 'demo' }).value, '1');
    assert.equal(one(m, 'katcp_device_reconnects_total', { device: 'demo' }).value, '0');
    assert.equal(m.get('katcp_device_reconnects_total')!.type, 'COUNTER');
    assert.ok(Number(one(m, 'katcp_device_messages_received_total', { device: 'demo' }).value) >= server.sensors.size, 'at least one inform per sensor');
    assert.equal(Number(one(m, 'katcp_device_sensors', { device: 'demo' }).value), server.sensors.size);
  });

  it('bounds the label of a long string value', async () => {
    sensorOf(server, 'type.string').setValue('x'.repeat(5000));
    const sensor = monitor.model.device('demo')!.resource.sensor.type_string!;
    await eventually(() => String(sensor.value).length === 5000, 'the long string');
    const label = one(await scrape(monitor), 'katcp_sensor_string_info', { sensor: 'type.string' }).labels!.value!;
    assert.equal(label.length, MAX_LABEL_LENGTH);
    assert.ok(label.endsWith('…'));
  });

  it('a sensor removed on #interface-changed disappears from the output, an added one appears', async () => {
    assert.equal(series(await scrape(monitor), 'katcp_sensor_status', { sensor: 'type.bytes' }).length, 1);
    server.sensors.remove('type.bytes');
    server.sensors.add(Sensor.integer({ name: 'new.one', description: 'added at run time', default: 7, initialStatus: 'nominal' }));
    await eventually(() => {
      const names = [...monitor.model.sensors].map((e) => e.sensor.name);
      return !names.includes('type.bytes') && monitor.model.device('demo')!.resource.sensor.new_one?.value === 7;
    }, 'the resync');
    const m = await scrape(monitor);
    for (const family of m.values()) assert.ok(!family.metrics.some((s) => s.labels?.sensor === 'type.bytes'), `${family.name} still has type.bytes`);
    assert.equal(one(m, 'katcp_sensor_value', { sensor: 'new.one' }).value, '7');
    assert.equal(Number(one(m, 'katcp_device_sensors', { device: 'demo' }).value), server.sensors.size);
  });
});

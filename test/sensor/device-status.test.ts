import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { DeviceStatusAggregate, deviceStatusSensor, deviceStatusToSensorStatus } from '../../lib/sensor/device-status.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { SensorSet } from '../../lib/sensor/sensor-set.js';

describe('deviceStatusSensor', () => {
  it('is a discrete ok/degraded/fail sensor whose status follows its value', () => {
    const s = deviceStatusSensor();
    assert.equal(s.name, 'device-status');
    assert.equal(s.wireType, 'discrete');
    assert.deepEqual(s.params, ['ok', 'degraded', 'fail']);
    assert.deepEqual([s.value, s.status], ['ok', 'nominal']);
    s.setValue('degraded');
    assert.equal(s.status, 'warn');
    s.setValue('fail');
    assert.equal(s.status, 'error');
    assert.throws(() => s.setValue('broken' as 'ok'), /not a valid value/);
    assert.equal(deviceStatusToSensorStatus('ok'), 'nominal');
  });

  it('takes a name, description and initial state', () => {
    const s = deviceStatusSensor({ name: 'sub.device-status', description: 'Sub', default: 'fail', initialStatus: 'unknown' });
    assert.deepEqual([s.name, s.description, s.value, s.status], ['sub.device-status', 'Sub', 'fail', 'unknown']);
  });
});

describe('DeviceStatusAggregate', () => {
  function device() {
    const clock = new VirtualClock(1_700_000_000);
    const sensors = new SensorSet();
    const a = Sensor.float({ name: 'a', clock, default: 1, initialStatus: 'nominal' });
    const b = Sensor.float({ name: 'b', clock });
    sensors.add(a).add(b);
    const status = new DeviceStatusAggregate(sensors, { clock });
    sensors.add(status);
    return { clock, sensors, a, b, status };
  }

  it('derives ok/degraded/fail from the worst status of the other sensors', () => {
    const { a, b, status } = device();
    assert.deepEqual([status.value, status.status], ['ok', 'nominal']);
    b.setValue(1, { status: 'warn' });
    assert.deepEqual([status.value, status.status], ['degraded', 'warn']);
    a.setValue(1, { status: 'error' });
    assert.deepEqual([status.value, status.status], ['fail', 'error']);
    a.setValue(1, { status: 'nominal' });
    assert.equal(status.value, 'degraded');
    b.setValue(1, { status: 'failure' });
    assert.equal(status.value, 'fail', 'a failed read counts as fail');
    b.setValue(1, { status: 'inactive' });
    assert.equal(status.value, 'ok', 'inactive, unknown and unreachable are ignored');
  });

  it('counts sensors present from the start whatever their status, and follows additions and removals', () => {
    const sensors = new SensorSet([Sensor.float({ name: 'x', default: 0, initialStatus: 'failure' })]);
    const status = new DeviceStatusAggregate(sensors);
    assert.equal(status.value, 'fail');
    sensors.remove('x');
    assert.equal(status.value, 'ok');
    sensors.add(Sensor.float({ name: 'y', default: 0, initialStatus: 'warn' }));
    assert.equal(status.value, 'degraded');
  });

  it('notifies only when the derived value changes', () => {
    const { a, b, status } = device();
    const seen: string[] = [];
    status.attach((_s, r) => seen.push(r.value));
    for (let i = 0; i < 100; i++) a.setValue(i);
    b.setValue(2, { status: 'warn' });
    b.setValue(3, { status: 'warn' });
    b.setValue(3, { status: 'nominal' });
    assert.deepEqual(seen, ['degraded', 'ok']);
  });

  it('ignores other device-status aggregates and honours a filter and a status map', () => {
    const sensors = new SensorSet([Sensor.float({ name: 'hw.temp', default: 0, initialStatus: 'error' }), Sensor.float({ name: 'sw.x', default: 0, initialStatus: 'warn' })]);
    const hw = new DeviceStatusAggregate(sensors, { name: 'hw.device-status', filter: (s) => s.name.startsWith('hw.') });
    const sw = new DeviceStatusAggregate(sensors, { name: 'sw.device-status', filter: (s) => s.name.startsWith('sw.') });
    sensors.add(hw).add(sw);
    const all = new DeviceStatusAggregate(sensors, { statusMap: { error: 'degraded', unreachable: 'fail' } });
    assert.deepEqual([hw.value, sw.value, all.value], ['fail', 'degraded', 'degraded']);
    sensors.add(Sensor.float({ name: 'proxy.x', default: 0, initialStatus: 'unreachable' }));
    assert.equal(all.value, 'fail');
    assert.equal(hw.value, 'fail');
    assert.equal(sw.value, 'degraded');
  });
});

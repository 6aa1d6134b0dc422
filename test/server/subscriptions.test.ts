import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Sensor } from '../../lib/sensor/sensor.js';
import type { Reading } from '../../lib/sensor/status.js';
import { Subscriptions } from '../../lib/server/subscriptions.js';
import { VirtualClock } from '../helpers/virtual-clock.js';

function table(): { subs: Subscriptions; sent: [string, unknown][]; clock: VirtualClock } {
  const sent: [string, unknown][] = [];
  const clock = new VirtualClock();
  const send = (sensor: Sensor, reading: Reading<unknown>): void => {
    sent.push([sensor.name, reading.value]);
  };
  return { subs: new Subscriptions(send, clock, {}), sent, clock };
}

describe('subscriptions', () => {
  it('subscriptions - auto without an autoStrategy observes the sensor itself: the reading now, then every update, until none', () => {
    const { subs, sent } = table();
    const s = Sensor.integer({ name: 'a', default: 1 });
    subs.set(s, { strategy: 'auto' }, true);
    assert.equal(s.observerCount, 1);
    assert.deepEqual(subs.strategyOf(s), { strategy: 'auto' });
    s.value = 2;
    s.value = 2;
    subs.set(s, { strategy: 'none' }, true);
    s.value = 3;
    assert.deepEqual(sent, [['a', 1], ['a', 2], ['a', 2]]);
    assert.equal(s.observerCount, 0);
    assert.equal(subs.size, 0);
    assert.deepEqual(subs.strategyOf(s), { strategy: 'none' });
  });

  it('subscriptions - a new strategy replaces the old subscription: one observer, the new rule', () => {
    const { subs, sent } = table();
    const s = Sensor.integer({ name: 'b' });
    subs.set(s, { strategy: 'auto' }, true);
    subs.set(s, { strategy: 'event' }, true);
    assert.equal(s.observerCount, 1);
    s.value = 0; // the status changes (unknown -> nominal): sent
    s.value = 0; // nothing changes: not sent
    s.value = 5;
    assert.deepEqual(sent, [['b', 0], ['b', 0], ['b', 0], ['b', 5]]);
    assert.deepEqual(subs.strategyOf(s), { strategy: 'event' });
  });

  it('subscriptions - not kept: the initial reading is sent, nothing stays attached', () => {
    const { subs, sent } = table();
    const a = Sensor.integer({ name: 'a' });
    const b = Sensor.integer({ name: 'b' });
    subs.set(a, { strategy: 'auto' }, false);
    subs.set(b, { strategy: 'event' }, false);
    a.value = 1;
    b.value = 1;
    assert.deepEqual(sent, [['a', 0], ['b', 0]]);
    assert.equal(a.observerCount + b.observerCount, 0);
    assert.equal(subs.size, 0);
  });

  it('subscriptions - a dropped sensor is counted and its subscription ends; clear ends them all', () => {
    const { subs, sent } = table();
    const sensors = ['a', 'b', 'c'].map((name) => Sensor.integer({ name }));
    for (const s of sensors) subs.set(s, s.name === 'c' ? { strategy: 'event' } : { strategy: 'auto' }, true);
    assert.equal(subs.drops, 0);
    subs.drop(sensors[0]!);
    subs.drop(Sensor.integer({ name: 'never' }));
    assert.equal(subs.drops, 2);
    assert.equal(subs.size, 2);
    subs.clear();
    for (const s of sensors) s.value = 9;
    assert.equal(subs.size, 0);
    assert.deepEqual(sent, [['a', 0], ['b', 0], ['c', 0]]);
    assert.equal(sensors.reduce((n, s) => n + s.observerCount, 0), 0);
  });

  it('subscriptions - many auto subscriptions are queried, changed, dropped, counted and updated like one', () => {
    const { subs, sent } = table();
    const sensors = Array.from({ length: 5 }, (_, i) => Sensor.integer({ name: `s${i}`, default: i }));
    for (const s of sensors) subs.set(s, { strategy: 'auto' }, true);
    assert.equal(subs.size, 5);
    assert.deepEqual(subs.strategyOf(sensors[1]!), { strategy: 'auto' });
    subs.set(sensors[2]!, { strategy: 'event' }, true);
    subs.drop(sensors[3]!);
    subs.set(sensors[4]!, { strategy: 'none' }, true);
    assert.equal(subs.size, 3);
    assert.deepEqual(sensors.map((s) => subs.strategyOf(s).strategy), ['auto', 'auto', 'event', 'none', 'none']);
    sent.length = 0;
    for (const s of sensors) s.value = 10 + Number(s.name.slice(1));
    assert.deepEqual(sent, [['s0', 10], ['s1', 11], ['s2', 12]]);
    assert.equal(sensors.reduce((n, s) => n + s.observerCount, 0), 3);
  });

  it('subscriptions - thousands of auto subscriptions are all counted, found and ended', () => {
    const { subs, sent } = table();
    const sensors = Array.from({ length: 2500 }, (_, i) => Sensor.integer({ name: `n${i}`, default: i }));
    for (const s of sensors.slice(0, 2000)) subs.set(s, { strategy: 'auto' }, true);
    assert.equal(subs.size, 2000);
    assert.deepEqual(subs.strategyOf(sensors[1999]!), { strategy: 'auto' });
    for (const s of sensors.slice(2000)) subs.set(s, { strategy: 'auto' }, true);
    assert.equal(subs.size, 2500);
    assert.deepEqual(subs.strategyOf(sensors[2499]!), { strategy: 'auto' });
    assert.equal(sent.length, 2500);
    subs.clear();
    assert.equal(subs.size, 0);
    assert.equal(sensors.reduce((n, s) => n + s.observerCount, 0), 0);
  });

  it('subscriptions - a sensor notifying from a snapshot of its observers after the subscription ended sends nothing more', () => {
    const { subs, sent } = table();
    const s = Sensor.integer({ name: 'a', default: 1 });
    const other = Sensor.integer({ name: 'b', default: 1 });
    // Observes first, and ends the subscription in the middle of the notification.
    s.attach((_sensor, reading) => {
      if (reading.value === 2) subs.set(s, { strategy: 'none' }, true);
      if (reading.value === 3) subs.clear();
    });
    subs.set(s, { strategy: 'auto' }, true);
    subs.set(other, { strategy: 'auto' }, true);
    s.value = 2;
    other.value = 2;
    subs.set(s, { strategy: 'auto' }, true);
    s.value = 3;
    other.value = 3;
    assert.deepEqual(sent, [['a', 1], ['b', 1], ['b', 2], ['a', 2]]);
    assert.equal(subs.size, 0);
  });

  it('subscriptions - a first send that throws leaves no subscription behind', () => {
    const clock = new VirtualClock();
    const subs = new Subscriptions(() => {
      throw new Error('closed');
    }, clock, {});
    const s = Sensor.integer({ name: 'a' });
    assert.throws(() => subs.set(s, { strategy: 'auto' }, true), /closed/);
    assert.equal(s.observerCount, 0);
    assert.equal(subs.size, 0);
  });
});

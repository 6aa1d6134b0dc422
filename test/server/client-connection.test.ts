import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import { ClientConnection } from '../../lib/server/client-connection.js';
import type { ClientOwner } from '../../lib/server/client-connection.js';
import { Message } from '../../lib/codec/message.js';
import { Sensor } from '../../lib/sensor/sensor.js';
import { ServerDialect } from '../../lib/server/dialect.js';
import { TrafficStats } from '../../lib/util/traffic-stats.js';
import { VirtualClock, flushMicrotasks } from '../helpers/virtual-clock.js';

/** A peer that never reads: every write stays queued, so the backlog only grows. */
function stuckPeer(): { stream: Duplex; writes: Buffer[] } {
  const writes: Buffer[] = [];
  const stream = new Duplex({
    read() {},
    write(chunk: Buffer, _enc, _cb) {
      writes.push(chunk);
      // never call back: the data is never taken
    },
  });
  return { stream, writes };
}

function owner(maxBacklog: number, slow: number[]): ClientOwner {
  const clock = new VirtualClock();
  return {
    clock,
    dialect: new ServerDialect(),
    stats: new TrafficStats(clock),
    maxBacklog,
    handleMessage: () => undefined,
    handleSyntaxError: () => undefined,
    clientClosed: () => undefined,
    clientTooSlow: (_c, backlog) => slow.push(backlog),
    samplerError: () => undefined,
  };
}

describe('client connection', () => {
  it('client - messages queued in one tick go out in one write', async () => {
    const { stream, writes } = stuckPeer();
    const client = new ClientConnection(stream, owner(Infinity, []), {});
    client.send(Message.inform('a', 1));
    client.send(Message.inform('b', 2));
    client.sendAsync(Message.inform('c', 3));
    assert.equal(writes.length, 0, 'nothing written synchronously');
    await flushMicrotasks();
    assert.equal(writes.length, 1);
    assert.equal(String(writes[0]), '#a 1\n#b 2\n#c 3\n');
    client.abort();
  });

  it('client - lines already in wire form keep their place among messages, in one write', async () => {
    const slow: number[] = [];
    const { stream, writes } = stuckPeer();
    const client = new ClientConnection(stream, owner(20, slow), {});
    client.send(Message.inform('a', 1));
    client.send(Buffer.from('#b[1] x\n#b[1] y\n'));
    client.sendAsync(Buffer.from('#sensor-status 1.0 1 s nominal 2\n'));
    client.send(Message.reply('b', 'ok', 2));
    await flushMicrotasks();
    assert.equal(writes.length, 1);
    assert.equal(String(writes[0]), '#a 1\n#b[1] x\n#b[1] y\n#sensor-status 1.0 1 s nominal 2\n!b ok 2\n');
    assert.equal(slow.length, 1, 'asynchronous lines count against the backlog limit');
    client.abort();
  });

  it('client - only asynchronous messages are checked against the backlog limit', async () => {
    const slow: number[] = [];
    const { stream } = stuckPeer();
    const client = new ClientConnection(stream, owner(100, slow), {});
    client.send(Message.reply('big', 'x'.repeat(1000)));
    await flushMicrotasks();
    assert.deepEqual(slow, [], 'a reply never trips the limit');
    client.sendAsync(Message.inform('sensor-status', 'y'));
    await flushMicrotasks();
    assert.equal(slow.length, 1);
    assert.ok(slow[0]! > 100);
    client.abort();
  });

  it('client - the initial burst of a ?sensor-sampling request does not trip the limit', async () => {
    const slow: number[] = [];
    const { stream } = stuckPeer();
    const client = new ClientConnection(stream, owner(100, slow), {});
    const sensors = Array.from({ length: 50 }, (_, i) => Sensor.float({ name: `s${i}` }));
    await client.withSamplingLock(() => {
      for (const s of sensors) client.setStrategy(s, { strategy: 'event' });
    });
    await flushMicrotasks();
    assert.deepEqual(slow, []);
    assert.ok(client.backlog > 100);
    assert.equal(client.samplerCount, 50);
    // After the request, the next update is checked again.
    sensors[0]!.setValue(1);
    await flushMicrotasks();
    assert.equal(slow.length, 1);
    client.abort();
    await client.closed;
    assert.equal(client.samplerCount, 0);
    assert.ok(sensors.every((s) => s.observerCount === 0));
  });

  it('client - sampling requests of one client run one at a time', async () => {
    const { stream } = stuckPeer();
    const client = new ClientConnection(stream, owner(Infinity, []), {});
    const order: string[] = [];
    const first = client.withSamplingLock(async () => {
      order.push('first start');
      await flushMicrotasks();
      order.push('first end');
    });
    const second = client.withSamplingLock(() => {
      order.push('second');
    });
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first start', 'first end', 'second']);
    client.abort();
  });

  it('client - an auto subscription without autoStrategy sends every update, reports auto, and ends with none, a new strategy or the client', async () => {
    const { stream, writes } = stuckPeer();
    const client = new ClientConnection(stream, owner(Infinity, []), {});
    const clock = new VirtualClock();
    const s = Sensor.integer({ name: 's', clock, default: 1 });
    client.setStrategy(s, { strategy: 'auto' });
    assert.deepEqual(client.strategyOf(s), { strategy: 'auto' });
    assert.equal(s.observerCount, 1);
    s.value = 1;
    s.value = 1;
    await flushMicrotasks();
    assert.equal(String(writes.join('')).match(/#sensor-status/g)?.length, 3, 'the initial value and every update, even unchanged');
    client.setStrategy(s, { strategy: 'event' });
    assert.deepEqual(client.strategyOf(s), { strategy: 'event' });
    assert.equal(s.observerCount, 1, 'the auto subscription left the sensor');
    client.setStrategy(s, { strategy: 'auto' });
    client.setStrategy(s, { strategy: 'none' });
    assert.deepEqual(client.strategyOf(s), { strategy: 'none' });
    assert.equal(s.observerCount, 0);
    client.setStrategy(s, { strategy: 'auto' });
    client.clearSamplers();
    assert.equal(s.observerCount, 0);
    assert.equal(client.samplerCount, 0);
    client.abort();
  });

  it('client - an auto subscription ended by an earlier observer of the same update sends nothing more (the sensor notifies from a snapshot)', async () => {
    const { stream, writes } = stuckPeer();
    const client = new ClientConnection(stream, owner(Infinity, []), {});
    const clock = new VirtualClock();
    const s = Sensor.integer({ name: 's', clock, default: 0 });
    s.attach((_s, r) => {
      if (r.value === 2) client.setStrategy(s, { strategy: 'none' });
      if (r.value === 4) client.setStrategy(s, { strategy: 'event' });
    });
    client.setStrategy(s, { strategy: 'auto' });
    s.value = 1;
    s.value = 2;
    s.value = 3;
    client.setStrategy(s, { strategy: 'auto' });
    s.value = 4;
    await flushMicrotasks();
    const values = String(writes.join(''))
      .trim()
      .split('\n')
      .map((l) => l.split(' ').at(-1));
    // 0 and 1 under auto; 2 not (ended during its own update); 3 initial of the second auto; 4 not
    // from auto (ended during its update), but as the initial value of the event sampler.
    assert.deepEqual(values, ['0', '1', '3', '4']);
    client.abort();
  });

  it('client - counts the sensors the server dropped', () => {
    const { stream } = stuckPeer();
    const client = new ClientConnection(stream, owner(Infinity, []), {});
    const s = Sensor.integer({ name: 's' });
    assert.equal(client.sensorDrops, 0);
    client.dropSensor(s);
    client.setStrategy(s, { strategy: 'auto' });
    client.dropSensor(s);
    assert.equal(client.sensorDrops, 2);
    assert.equal(s.observerCount, 0);
    client.abort();
  });
});

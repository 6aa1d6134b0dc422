// The README's API tour, run as written (addresses replaced by the in-process demo device's).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Client,
  DeviceServer,
  KATCPClientResource,
  LineParser,
  Message,
  Sensor,
  SensorWatcher,
  decodeValue,
  defineRequest,
  encodeValue,
} from '../lib/index.js';
import { TelescopeState } from '../lib/telstate/index.js';
import { createDemoServer } from '../lib/demo/index.js';

async function withDemo(fn: (address: string, port: number) => Promise<void>): Promise<void> {
  const server = createDemoServer({ host: '127.0.0.1', port: 0, random: () => 0 });
  await server.start();
  try {
    await fn(`127.0.0.1:${server.address.port}`, server.address.port);
  } finally {
    await server.stop();
  }
}

describe('README', () => {
  it('README - the KATCPClientResource example', async () => {
    await withDemo(async (address) => {
      const dev = new KATCPClientResource({ name: 'demo', address, controlled: true });
      dev.start();
      try {
        await dev.untilSynced({ timeout: 10_000 });
        const sum = await dev.req.add!(3, 6);
        assert.equal(sum.succeeded, true);
        assert.equal(sum.float(0), 9);
        assert.match(dev.req.pick_fruit!.description, /Pick a random fruit/);
        assert.equal(dev.req.pick_fruit!.timeoutHint, 10);
        assert.equal(dev.req['pick-fruit'], dev.req.pick_fruit);
        const picking = dev.req.pick_fruit!();
        const fruit = dev.sensor.fruit_result!;
        await fruit.setStrategy('event');
        const reading = await fruit.wait({ status: 'nominal' }, { timeout: 5000 });
        const reply = await picking;
        assert.equal(reading.value, 'apple');
        assert.match(reply.toReadableString(), /^!pick-fruit ok apple$/m);
        const seen: unknown[] = [];
        const stop = dev.sensor.add_result!.registerListener((_sensor, r) => seen.push(r.value));
        await dev.sensor.add_result!.setStrategy('event');
        await dev.req.add!(1, 2);
        await dev.sensor.add_result!.wait(3, { timeout: 5000 });
        const streamed: unknown[] = [];
        const ac = new AbortController();
        const done = (async () => {
          for await (const r of dev.sensor.add_result!.readings({ signal: ac.signal })) {
            streamed.push(r.value);
            if (r.value === 7) ac.abort();
          }
        })().catch((err: unknown) => {
          if (!ac.signal.aborted) throw err;
        });
        await dev.req.add!(3, 4);
        await done;
        stop();
        assert.ok(seen.includes(3));
        assert.ok(streamed.includes(7));
      } finally {
        await dev.stop();
      }
    });
  });

  it('README - the low-level client example', async () => {
    await withDemo(async (_address, port) => {
      const client = await Client.connect('127.0.0.1', port, { timeout: 5000 });
      try {
        const { reply, informs } = await client.request('help', { timeout: 2000 });
        assert.equal(Number(reply[0]?.toString()), informs.length);
        const unsubscribe = client.addInformHandler('log', () => undefined);
        const watcher = new SensorWatcher(client);
        await watcher.untilSynced({ timeout: 10_000 });
        assert.equal(typeof watcher.sensors.get('fast.counter')?.value, 'number');
        watcher.close();
        unsubscribe();
      } finally {
        await client.close();
      }
    });
  });

  it('README - the device server example', async () => {
    const server = new DeviceServer({ host: '127.0.0.1', port: 0, version: 'my-device-1.0', buildState: 'my-device-1.0.0' });
    const temperature = Sensor.float({ name: 'temperature', description: 'Box temperature', units: 'degC' });
    server.sensors.add(temperature);
    server.addRequest(
      defineRequest({
        name: 'add',
        description: 'Add two numbers.',
        params: [
          { type: 'float', name: 'x' },
          { type: 'float', name: 'y' },
        ],
        returns: ['float'],
        handler: (_ctx, x, y) => x + y,
      }),
    );
    await server.start();
    try {
      temperature.setValue(21.5);
      const client = await Client.connect(server.address.host, server.address.port, { timeout: 5000 });
      try {
        assert.equal((await client.request('add', 2, 2.5)).reply[0]?.toString(), '4.5');
        assert.equal(await client.sensorValue('temperature'), 21.5);
      } finally {
        await client.close();
      }
    } finally {
      await server.stop();
    }
  });

  it('README - the codec example', () => {
    assert.equal(Message.request('add', 3, 6.5).toBytes().toString(), '?add 3 6.5\n');
    const args = Message.parse('#sensor-status 1700000000.123 1 foo.bar nominal 3.14\n').arguments;
    assert.ok(Buffer.isBuffer(args[0]));
    const out = new LineParser({ lenient: true }).feed(Buffer.from('junk?watchdog\n'));
    assert.ok(out[0] instanceof Message);
    assert.equal(encodeValue('float', 1e-5).toString(), '1e-05');
    assert.equal(decodeValue('integer', Buffer.from('9007199254740993')), 9007199254740993n);
  });

  it('README - the telescope-state example', async () => {
    const ts = new TelescopeState();
    await ts.add('sensor_temp', 21.5, { ts: 1700000000 });
    const samples = await ts.getRange('sensor_temp', { st: 0 });
    assert.equal(samples.length, 1);
    await ts.close();
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { LiveFeed } from '../../lib/monitor/live-feed.js';
import type { SensorJson, UpdateRow } from '../../lib/monitor/live-feed.js';
import { MonitorModel } from '../../lib/monitor/model.js';
import { KATCPClientResourceContainer } from '../../lib/resource/container.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { EventReader, eventually, sensorOf, startDemo } from './fixture.js';

describe('LiveFeed batches', () => {
  let device: DeviceServer;
  let model: MonitorModel;
  let feed: LiveFeed;
  let http: Server;
  const clock = new VirtualClock();
  before(async () => {
    device = await startDemo();
    // The devices run on real time; only the feed's batching runs on the virtual clock.
    model = new MonitorModel(new KATCPClientResourceContainer({ name: 'test', clients: { demo: { address: `127.0.0.1:${device.address.port}`, controlled: true } } }));
    feed = new LiveFeed(model, clock, 50);
    http = createServer((_req, res) => feed.attach(res));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    model.start();
    await model.device('demo')!.resource.untilSynced({ timeout: 20_000 });
    await eventually(() => [...model.sensors].every((e) => e.sensor.reading.receivedTimestamp > 0), 'every first reading');
    await clock.advance(50);
  });
  after(async () => {
    feed.close();
    http.close();
    await model.stop();
    await device.stop();
  });

  it('sends nothing until the interval ends, then one row per changed sensor with its latest reading', async () => {
    const events = new EventReader(await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`));
    try {
      const [, snapshot] = (await events.next((e) => e === 'snapshot')) as [string, { sensors: SensorJson[] }];
      const id = (name: string): number => snapshot.sensors.find((s) => s.name === name)!.id;
      const integer = model.device('demo')!.resource.sensor.type_integer!;
      for (const v of [1, 2, 3]) sensorOf(device, 'type.integer').setValue(v);
      sensorOf(device, 'type.float').setValue(1.5, { status: 'warn' });
      await eventually(() => integer.value === 3 && model.device('demo')!.resource.sensor.type_float!.value === 1.5, 'the readings');
      assert.equal(clock.pending, 1, 'one batch timer armed, nothing sent yet');
      await clock.advance(50);
      const [, rows] = (await events.next((e) => e === 'update')) as [string, UpdateRow[]];
      assert.deepEqual(
        rows.map((r) => [r[0], r[1], r[2]]),
        [
          [id('type.integer'), 3, 'nominal'],
          [id('type.float'), 1.5, 'warn'],
        ],
      );
      assert.equal(clock.pending, 0, 'no timer while nothing changes');

      device.sensors.remove('type.string');
      await eventually(() => ![...model.sensors].some((e) => e.sensor.name === 'type.string'), 'the removal');
      await clock.advance(50);
      const [, removed] = await events.next((e) => e === 'removed');
      assert.deepEqual(removed, [id('type.string')]);
    } finally {
      await events.cancel();
    }
  });
});

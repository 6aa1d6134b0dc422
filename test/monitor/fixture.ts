/**
 * The monitor's test fixture: the demo device in-process on port 0 and a monitor watching it.
 */
import { createDemoServer } from '../../lib/demo/demo-server.js';
import type { DemoServerOptions } from '../../lib/demo/demo-server.js';
import { startMonitor } from '../../lib/monitor/monitor.js';
import type { Monitor, MonitorOptions } from '../../lib/monitor/monitor.js';
import type { DeviceServer } from '../../lib/server/device-server.js';
import type { Sensor } from '../../lib/sensor/sensor.js';

/** The demo device without its 10 ms counter and time-sync noise (tests set values themselves). */
export async function startDemo(opts: DemoServerOptions = {}): Promise<DeviceServer> {
  const server = createDemoServer({ host: '127.0.0.1', port: 0, counterPeriod: 0, timeSync: false, ...opts });
  await server.start();
  return server;
}

/** A demo sensor of `server` by name. */
export function sensorOf(server: DeviceServer, name: string): Sensor {
  const s = server.sensors.get(name);
  if (s === undefined) throw new Error(`no sensor ${name}`);
  return s;
}

/** A monitor on 127.0.0.1, port 0, watching `server` as device `demo`, once it is synced and has every first reading. */
export async function startWatching(server: DeviceServer, opts: Partial<MonitorOptions> = {}): Promise<Monitor> {
  const monitor = await startMonitor({
    devices: [`demo=127.0.0.1:${server.address.port}`],
    host: '127.0.0.1',
    port: 0,
    flushInterval: 10,
    // Reconnect quickly after a device restart.
    resource: { client: { reconnect: () => 100 } },
    ...opts,
  });
  await monitor.model.device('demo')!.resource.untilSynced({ timeout: 20_000 });
  await eventually(() => [...monitor.model.sensors].every((e) => e.sensor.reading.receivedTimestamp > 0), 'every first reading');
  return monitor;
}

/**
 * Wait until `cond()` holds, checking after every turn of the event loop and at least every
 * 10 ms. The limit is a guard against a hung test, not a timing check.
 */
export async function eventually(cond: () => boolean, what: string, limitMs = 30_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Reads server-sent events from a streaming response. */
export class EventReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = '';

  constructor(res: Response) {
    this.#reader = res.body!.getReader();
  }

  /** The next event whose name and data satisfy `match`. */
  async next(match: (event: string, data: unknown) => boolean): Promise<[string, unknown]> {
    for (;;) {
      const end = this.#buffer.indexOf('\n\n');
      if (end >= 0) {
        const frame = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(frame)?.[1] ?? 'message';
        const data: unknown = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null');
        if (match(event, data)) return [event, data];
        continue;
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error('the event stream ended');
      this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  async cancel(): Promise<void> {
    await this.#reader.cancel();
  }
}

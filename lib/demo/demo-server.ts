/**
 * The bundled demo device (the tutorial's fruit device, grown up). Tests, benchmarks, the CLI
 * (`katcp demo-server`) and later issues use it; both Python clients can use it too.
 *
 * ```ts
 * const server = createDemoServer({ port: 0, sensors: 1000 });
 * await server.start();
 * console.log(server.address.port);
 * ```
 * @module
 */
import { DeviceServer } from '../server/device-server.js';
import type { DeviceServerOptions } from '../server/device-server.js';
import { AdjtimexUnavailableError } from '../server/adjtimex.js';
import { TimeSyncUpdater, createTimeSyncSensors, timeSyncTask } from '../server/time-sync.js';
import type { AdjtimexFn } from '../server/adjtimex.js';
import { sleep, systemClock } from '../util/clock.js';
import type { Clock } from '../util/clock.js';
import { KatcpError } from '../errors.js';
import type { Sensor } from '../sensor/sensor.js';
import { demoRequests } from './demo-requests.js';
import { createDemoSensors } from './demo-sensors.js';

/** Version strings the demo device reports. */
export const DEMO_VERSION = 'katcp-demo-1.0';
/** Build state the demo device reports. */
export const DEMO_BUILD_STATE = 'katcp-demo-1.0.0';

/** Options of {@link createDemoServer}. */
export interface DemoServerOptions extends Omit<DeviceServerOptions, 'version' | 'buildState'> {
  /** Number of extra float sensors `extra.00000`... (default 0). */
  sensors?: number;
  /** Period of the `fast.counter` updates in ms (default 10; 0 disables them). */
  counterPeriod?: number;
  /** Add the time-sync sensors `time.state`, `time.maxerror`, `time.esterror` (default true). */
  timeSync?: boolean;
  /** Period of the time-sync updates in ms (default 1000). */
  timeSyncPeriod?: number;
  /** The adjtimex call to use (default the real one; injectable for tests). */
  adjtimex?: AdjtimexFn;
  /** Random numbers in [0, 1) for `?pick-fruit` (default Math.random). */
  random?: () => number;
  /** How long `?pick-fruit` takes in ms (default 300). */
  fruitDelay?: number;
}

/**
 * Builds the demo device (not started). On a platform without adjtimex the time-sync sensors
 * are still listed, with status `inactive`.
 * @throws KatcpError for invalid options
 */
export function createDemoServer(opts: DemoServerOptions = {}): DeviceServer {
  const {
    sensors: extra = 0,
    counterPeriod = 10,
    timeSync = true,
    timeSyncPeriod = 1000,
    adjtimex,
    random = Math.random,
    fruitDelay = 300,
    ...serverOpts
  } = opts;
  if (!Number.isInteger(extra) || extra < 0) throw new KatcpError(`sensors must be a whole number >= 0, not ${String(extra)}`);
  if (!(counterPeriod >= 0)) throw new KatcpError(`counterPeriod must be >= 0, not ${String(counterPeriod)}`);
  const clock: Clock = serverOpts.clock ?? systemClock;
  const server = new DeviceServer({ ...serverOpts, clock, version: DEMO_VERSION, buildState: DEMO_BUILD_STATE });
  const sensors = createDemoSensors({ clock, extra });
  for (const s of sensors.all) server.sensors.add(s);

  if (timeSync) {
    const syncSensors = createTimeSyncSensors({ clock });
    let updater: TimeSyncUpdater | undefined;
    try {
      updater = new TimeSyncUpdater(syncSensors, adjtimex === undefined ? {} : { adjtimex });
    } catch (err) {
      if (!(err instanceof AdjtimexUnavailableError)) throw err;
      for (const s of [syncSensors.state, syncSensors.maxerror, syncSensors.esterror] as Sensor[]) s.setValue(s.value, { status: 'inactive' });
    }
    for (const s of [syncSensors.state, syncSensors.maxerror, syncSensors.esterror]) server.sensors.add(s);
    if (updater !== undefined) {
      updater.update();
      server.addServiceTask(timeSyncTask(updater, { period: timeSyncPeriod, clock }));
    }
  }

  if (counterPeriod > 0) {
    server.addServiceTask(async (signal) => {
      let value = 0;
      while (!signal.aborted) {
        try {
          await sleep(clock, counterPeriod, signal);
        } catch {
          return;
        }
        sensors.counter.setValue(++value);
      }
    });
  }

  for (const def of demoRequests({ server, sensors, clock, random, fruitDelay })) server.addRequest(def);
  return server;
}

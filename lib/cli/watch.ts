/**
 * `katcp watch ADDR [FILTER] [--strategy ...]`: subscribe to sensors and stream their updates
 * until interrupted, through device restarts (reconnect, resubscribe, said on stderr).
 * @module
 */
import type { SingleBar } from 'cli-progress';
import type { Client } from '../client/client.js';
import { SensorWatcher } from '../client/sensor-watcher.js';
import type { Reading } from '../sensor/status.js';
import type { Sensor } from '../sensor/sensor.js';
import { colorsFor, statusColor } from './colors.js';
import { durationOption, ExitCode, isFancy, newProgram, oneDevice, runProgram, UsageError } from './common.js';
import type { CliAddress } from './common.js';
import { firstConnection, makeClient } from './connect.js';
import { isoTime, jsonValue, showValue } from './format.js';
import { parseSensorFilter, parseStrategyWords, STRATEGY_OPTION_HELP } from './sensor-args.js';

interface WatchFlags {
  json?: boolean;
  strategy?: string[];
  connectTimeout: number;
  lenient?: boolean;
  debug?: boolean;
}

const EXAMPLES = `  katcp watch 127.0.0.1:7147                         # every sensor, strategy auto
  katcp watch 127.0.0.1:7147 fast.counter --strategy period 0.5
  katcp watch 127.0.0.1:7147 '/^rx\\./' --strategy event-rate 1 10
  katcp watch 127.0.0.1:7147 --json | jq 'select(.status == "error")'`;

/** Sensors with more than this many entries get a progress bar while subscribing (on a terminal). */
const PROGRESS_THRESHOLD = 50;

/** Shows subscription progress on stderr while a watcher syncs. */
class SyncProgress {
  readonly #reported = new Set<string>();
  readonly #watcher: SensorWatcher;
  readonly #enabled: boolean;
  #bar: SingleBar | undefined;
  #loading = false;

  constructor(watcher: SensorWatcher) {
    this.#watcher = watcher;
    this.#enabled = isFancy(process.stderr);
  }

  updated(name: string): void {
    if (this.#watcher.state !== 'syncing' || !this.#enabled) return;
    this.#reported.add(name);
    const total = this.#watcher.sensors.size;
    if (this.#bar === undefined && total >= PROGRESS_THRESHOLD) void this.#start();
    this.#bar?.setTotal(Math.max(total, this.#reported.size));
    this.#bar?.update(this.#reported.size);
  }

  async #start(): Promise<void> {
    if (this.#loading) return;
    this.#loading = true;
    const { SingleBar: Bar, Presets } = (await import('cli-progress')).default;
    if (this.#watcher.state !== 'syncing') return;
    this.#bar = new Bar({ format: 'subscribing [{bar}] {value}/{total} sensors', stream: process.stderr, clearOnComplete: true, hideCursor: true }, Presets.shades_classic);
    this.#bar.start(this.#watcher.sensors.size, this.#reported.size);
  }

  done(): void {
    this.#bar?.stop();
    this.#bar = undefined;
    this.#loading = false;
    this.#reported.clear();
  }
}

/** Streams the updates of one device's sensors to stdout. */
class Watch {
  readonly #addr: CliAddress;
  readonly #client: Client;
  readonly #watcher: SensorWatcher;
  readonly #json: boolean;
  readonly #colors = colorsFor(process.stdout);
  readonly #progress: SyncProgress;
  #wasSynced = false;

  constructor(addr: CliAddress, client: Client, watcher: SensorWatcher, json: boolean) {
    this.#addr = addr;
    this.#client = client;
    this.#watcher = watcher;
    this.#json = json;
    this.#progress = new SyncProgress(watcher);
    watcher.on('sensorUpdated', (sensor, reading) => this.#print(sensor, reading));
    watcher.on('synced', () => this.#synced());
    client.on('disconnected', (cause) => this.#note(`lost ${addr.label}${cause === undefined ? '' : ` (${cause.message})`}; reconnecting`));
    client.on('connected', () => {
      if (this.#wasSynced) this.#note(`reconnected to ${addr.label}; resubscribing`);
    });
  }

  #note(text: string): void {
    this.#progress.done();
    process.stderr.write(`katcp watch: ${text}\n`);
  }

  #synced(): void {
    this.#progress.done();
    this.#note(`${this.#wasSynced ? 'resubscribed' : 'subscribed'} to ${this.#watcher.sensors.size} sensors of ${this.#addr.label} (${this.#watcher.strategy.strategy})`);
    this.#wasSynced = true;
  }

  #print(sensor: Sensor, reading: Reading<unknown>): void {
    this.#progress.updated(sensor.name);
    if (this.#json) {
      process.stdout.write(`${JSON.stringify({ timestamp: reading.timestamp, name: sensor.name, status: reading.status, value: jsonValue(reading.value), units: sensor.units })}\n`);
      return;
    }
    const units = sensor.units === '' ? '' : ` ${sensor.units}`;
    process.stdout.write(`${isoTime(reading.timestamp)} ${sensor.name} ${statusColor(this.#colors, reading.status)(reading.status)} ${showValue(reading.value)}${units}\n`);
  }

  /** Resolves when interrupted (SIGINT, SIGTERM) or when the client closes for good. */
  async untilStopped(): Promise<void> {
    let stop: () => void = () => undefined;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await Promise.race([stopped, this.#client.waitClosed()]);
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      this.#progress.done();
    }
  }
}

/** `katcp watch`: resolves to the exit code. */
export async function watchCommand(argv: string[]): Promise<number> {
  const program = newProgram('watch', 'Subscribe to sensors and print every update until interrupted; survives device restarts.', EXAMPLES)
    .usage('[options] [ADDR] [FILTER]')
    .argument('[words...]', 'ADDR (host:port, default $KATCP_SERVER), then an optional FILTER: a substring or /regex/')
    .option('--json', 'print one JSON object per update (NDJSON)')
    .option('--strategy <words...>', `${STRATEGY_OPTION_HELP} (default auto)`)
    .addOption(durationOption('--connect-timeout <seconds>', 'timeout of the first connection').default(5000, '5'))
    .option('--lenient', 'accept the malformed lines some C devices send');
  return runProgram<WatchFlags>('watch', program, argv, async (words, flags) => {
    const { addr, rest } = oneDevice('watch', words, 1);
    const filter = parseSensorFilter(rest[0]);
    const strategy = flags.strategy === undefined ? { strategy: 'auto' as const } : parseStrategyWords(flags.strategy);
    if (strategy.strategy === 'none') throw new UsageError('--strategy none would watch nothing');
    const client = makeClient(addr, { reconnect: 'after-first', debug: flags.debug, lenient: flags.lenient, connectTimeout: flags.connectTimeout });
    const watcher = new SensorWatcher(client, { filter: (info) => filter.test(info.name), strategy });
    const watch = new Watch(addr, client, watcher, flags.json === true);
    try {
      await firstConnection(client, addr, flags.connectTimeout);
      // A v4 device refuses these strategies for every sensor; say so instead of watching silence.
      if (client.protocolFlags?.major === 4 && (strategy.strategy === 'event-rate' || strategy.strategy === 'differential-rate')) {
        process.stderr.write(`katcp watch: ${addr.label} speaks KATCP v4, which has no ${strategy.strategy} strategy (use period, event, differential or auto)\n`);
        return ExitCode.Failed;
      }
      await watch.untilStopped();
      return ExitCode.Ok;
    } finally {
      client.removeAllListeners('disconnected');
      watcher.close();
      await client.close();
    }
  });
}

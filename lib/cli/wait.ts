/**
 * `katcp wait ADDR SENSOR [--status S ...] [--value V] [--timeout T]` (kcpsq): subscribe to one
 * sensor with the event strategy and exit 0 as soon as the condition holds, 3 on timeout.
 * Resubscribes after a reconnection.
 * @module
 */
import { Option } from 'commander';
import type { Client } from '../client/client.js';
import { parseSensorInform, parseSensorListInform } from '../client/sensor-informs.js';
import type { Message } from '../codec/message.js';
import { getType } from '../codec/types.js';
import type { TypeCodec } from '../codec/types.js';
import { FailReply, KatcpTimeoutError } from '../errors.js';
import { isSensorStatus, SENSOR_STATUSES } from '../sensor/status.js';
import type { SensorStatus } from '../sensor/status.js';
import { withCancel } from '../util/abort.js';
import { deferred } from '../util/deferred.js';
import { durationOption, ExitCode, newProgram, oneDevice, runProgram, UsageError } from './common.js';
import type { CliAddress } from './common.js';
import { firstConnection, makeClient } from './connect.js';
import { isoTime, showValue } from './format.js';

interface WaitFlags {
  status?: string[];
  value?: string;
  timeout: number;
  connectTimeout: number;
  json?: boolean;
  lenient?: boolean;
  debug?: boolean;
}

interface SeenReading {
  timestamp: number;
  status: SensorStatus;
  value: unknown;
}

const EXAMPLES = `  katcp wait 127.0.0.1:7147 fruit.result                   # until nominal (the default)
  katcp wait 127.0.0.1:7147 rx.lock --status nominal --status warn --timeout 30
  katcp wait 127.0.0.1:7147 type.discrete --value observing --timeout 2.5s
  katcp wait 127.0.0.1:7147 add.result --value 42 && echo reached`;

/** Waits on one sensor of one device. */
class SensorWait {
  readonly #client: Client;
  readonly #sensor: string;
  readonly #statuses: ReadonlySet<SensorStatus> | undefined;
  readonly #valueText: string | undefined;
  #codec: TypeCodec<unknown> | undefined;
  #wanted: string | undefined;
  #last: SeenReading | undefined;
  readonly #met = deferred<SeenReading>();

  constructor(client: Client, sensor: string, statuses: ReadonlySet<SensorStatus> | undefined, valueText: string | undefined) {
    this.#client = client;
    this.#sensor = sensor;
    this.#statuses = statuses;
    this.#valueText = valueText;
  }

  get last(): SeenReading | undefined {
    return this.#last;
  }

  /** Subscribe now and after every reconnection; resolves with the reading that met the condition. */
  async run(timeout: number): Promise<SeenReading> {
    const off = this.#client.addInformHandler('sensor-status', (msg) => this.#inform(msg));
    const resubscribe = (): void => {
      this.#subscribe().catch((err: unknown) => this.#met.reject(err));
    };
    this.#client.on('connected', resubscribe);
    try {
      await this.#subscribe();
      return await withCancel(this.#met.promise, { timeout, clock: this.#client.clock, what: `waiting for ${this.#sensor}` });
    } finally {
      off();
      this.#client.off('connected', resubscribe);
    }
  }

  async #subscribe(): Promise<void> {
    const { informs } = await this.#client.request('sensor-list', this.#sensor);
    const first = informs[0];
    if (informs.length !== 1 || first === undefined) throw new FailReply(`the device lists ${informs.length} sensors named ${this.#sensor}`, { requestName: 'sensor-list' });
    const info = parseSensorListInform(first);
    this.#codec = getType(info.type);
    this.#wanted = this.#valueText === undefined ? undefined : showValue(this.#codec.decode(Buffer.from(this.#valueText), this.#client.codecContext));
    await this.#client.request('sensor-sampling', this.#sensor, 'event');
  }

  #inform(msg: Message): void {
    const codec = this.#codec;
    if (codec === undefined) return;
    const body = parseSensorInform(msg, this.#client.codecContext);
    for (const r of body.readings) {
      if (r.name !== this.#sensor) continue;
      let value: unknown;
      try {
        value = codec.decode(r.value, this.#client.codecContext);
      } catch {
        value = r.value;
      }
      this.#last = { timestamp: body.timestamp, status: r.status, value };
      if (this.#holds(this.#last)) this.#met.resolve(this.#last);
    }
  }

  #holds(r: SeenReading): boolean {
    const statusOk = this.#statuses === undefined ? true : this.#statuses.has(r.status);
    const valueOk = this.#wanted === undefined ? true : showValue(r.value) === this.#wanted;
    return statusOk && valueOk;
  }
}

function describe(sensor: string, r: SeenReading): string {
  return `${isoTime(r.timestamp)} ${sensor} ${r.status} ${showValue(r.value)}`;
}

function parseStatuses(list: string[] | undefined, value: string | undefined): ReadonlySet<SensorStatus> | undefined {
  if (list === undefined) return value === undefined ? new Set<SensorStatus>(['nominal']) : undefined;
  const out = new Set<SensorStatus>();
  for (const s of list.flatMap((x) => x.split(','))) {
    if (!isSensorStatus(s)) throw new UsageError(`'${s}' is not a sensor status (${SENSOR_STATUSES.join(', ')})`);
    out.add(s);
  }
  return out;
}

async function waitOn(addr: CliAddress, sensor: string, flags: WaitFlags): Promise<number> {
  const statuses = parseStatuses(flags.status, flags.value);
  const client = makeClient(addr, { reconnect: 'after-first', debug: flags.debug, lenient: flags.lenient, connectTimeout: flags.connectTimeout });
  client.on('disconnected', (cause) => process.stderr.write(`katcp wait: lost ${addr.label}${cause === undefined ? '' : ` (${cause.message})`}; reconnecting\n`));
  const wait = new SensorWait(client, sensor, statuses, flags.value);
  try {
    await firstConnection(client, addr, flags.connectTimeout);
    const reading = await wait.run(flags.timeout);
    process.stdout.write(flags.json === true ? `${JSON.stringify({ name: sensor, timestamp: reading.timestamp, status: reading.status, value: showValue(reading.value) })}\n` : `${describe(sensor, reading)}\n`);
    return ExitCode.Ok;
  } catch (err) {
    if (!(err instanceof KatcpTimeoutError)) throw err;
    const last = wait.last;
    process.stderr.write(`katcp wait: ${sensor} did not meet the condition within ${flags.timeout / 1000} s; last reading: ${last === undefined ? 'none' : describe(sensor, last)}\n`);
    return ExitCode.Timeout;
  } finally {
    client.removeAllListeners('disconnected');
    await client.close();
  }
}

/** `katcp wait`: resolves to the exit code. */
export async function waitCommand(argv: string[]): Promise<number> {
  const program = newProgram('wait', 'Wait until a sensor has one of the given statuses and/or a value, then print the reading.', EXAMPLES)
    .usage('[options] [ADDR] SENSOR')
    .argument('[words...]', 'ADDR (host:port, default $KATCP_SERVER), then the sensor name')
    .addOption(new Option('-w, --status <status...>', 'accept these statuses (repeatable; default nominal unless --value is given)'))
    .option('--value <value>', 'accept this value (compared after decoding with the sensor\'s type)')
    .addOption(durationOption('-t, --timeout <seconds>', 'give up after this long (exit code 3)').default(Infinity, 'forever'))
    .addOption(durationOption('--connect-timeout <seconds>', 'connection timeout').default(5000, '5'))
    .option('--json', 'print the reading as JSON')
    .option('--lenient', 'accept the malformed lines some C devices send');
  return runProgram<WaitFlags>('wait', program, argv, async (words, flags) => {
    const { addr, rest } = oneDevice('wait', words, 1, 'SENSOR');
    const [sensor] = rest;
    if (sensor === undefined) throw new UsageError('no sensor name given');
    return waitOn(addr, sensor, flags);
  });
}

/**
 * `katcp sensors ADDR [FILTER]`: list sensors with value, status, units, timestamp and
 * description, as a table (coloured on a terminal), JSON or NDJSON; read with `?sensor-value`,
 * or through a subscription with `--strategy`.
 * @module
 */
import type CliTable from 'cli-table3';
import { Option } from 'commander';
import type { Client } from '../client/client.js';
import { parseSensorInform, parseSensorListInform } from '../client/sensor-informs.js';
import type { RemoteSensorInfo } from '../client/sensor-informs.js';
import { SensorWatcher } from '../client/sensor-watcher.js';
import { getType } from '../codec/types.js';
import { KatcpTimeoutError } from '../errors.js';
import { withCancel } from '../util/abort.js';
import { colorsFor, statusColor } from './colors.js';
import { durationOption, ExitCode, newProgram, oneDevice, runProgram, UsageError } from './common.js';
import { firstConnection, makeClient } from './connect.js';
import { isoTime, jsonValue, showValue } from './format.js';
import { parseSensorFilter, parseStrategyWords, STRATEGY_OPTION_HELP } from './sensor-args.js';
import type { SensorNameFilter } from './sensor-args.js';

interface SensorsFlags {
  json?: boolean;
  ndjson?: boolean;
  strategy?: string[];
  timeout: number;
  lenient?: boolean;
  debug?: boolean;
}

/** One row of the listing. */
export interface SensorRow {
  name: string;
  value: unknown;
  status: string;
  units: string;
  /** Seconds since the epoch. */
  timestamp: number;
  description: string;
  type: string;
}

const EXAMPLES = `  katcp sensors 127.0.0.1:7147                 # every sensor, as a table
  katcp sensors 127.0.0.1:7147 type.           # names containing "type."
  katcp sensors 127.0.0.1:7147 '/^fast\\./'      # a regular expression (also filtered by the device)
  katcp sensors 127.0.0.1:7147 --ndjson | jq -r 'select(.status != "nominal") | .name'
  katcp sensors 127.0.0.1:7147 counter --strategy period 0.5   # read through a subscription`;

function decode(info: RemoteSensorInfo | undefined, raw: Buffer, client: Client): unknown {
  if (info === undefined) return raw;
  try {
    return getType(info.type).decode(raw, client.codecContext);
  } catch {
    return raw;
  }
}

/** Rows from `?sensor-list` and `?sensor-value` (the device filters `/regex/`, we filter substrings). */
async function readByRequest(client: Client, filter: SensorNameFilter, timeout: number): Promise<SensorRow[]> {
  const args = filter.deviceArg === undefined ? [] : [filter.deviceArg];
  const [list, values] = await Promise.all([client.request('sensor-list', ...args, { timeout }), client.request('sensor-value', ...args, { timeout })]);
  const infos = new Map<string, RemoteSensorInfo>();
  for (const inform of list.informs) {
    const info = parseSensorListInform(inform);
    if (filter.test(info.name)) infos.set(info.name, info);
  }
  const rows: SensorRow[] = [];
  for (const inform of values.informs) {
    const body = parseSensorInform(inform, client.codecContext);
    for (const r of body.readings) {
      const info = infos.get(r.name);
      if (info === undefined) continue;
      rows.push({ name: r.name, value: decode(info, r.value, client), status: r.status, units: info.units, timestamp: body.timestamp, description: info.description, type: info.type });
    }
  }
  return rows;
}

/** Rows from a subscription: a sensor watcher with `strategy`, until every sensor has reported once. */
async function readBySubscription(client: Client, filter: SensorNameFilter, strategyWords: string[], timeout: number): Promise<SensorRow[]> {
  const strategy = parseStrategyWords(strategyWords);
  if (strategy.strategy === 'none') throw new UsageError('--strategy none cannot read anything');
  const watcher = new SensorWatcher(client, { filter: (info) => filter.test(info.name), strategy });
  const reported = new Set<string>();
  let allReported: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allReported = resolve));
  const check = (): void => {
    if (watcher.state === 'synced' && [...watcher.sensors].every((s) => reported.has(s.name))) allReported();
  };
  watcher.on('sensorUpdated', (sensor) => {
    reported.add(sensor.name);
    check();
  });
  watcher.on('synced', check);
  try {
    await withCancel(done, { timeout, clock: client.clock, what: `reading ${watcher.sensors.size} sensors through a subscription` });
    // Read before closing the watcher: closing marks its mirrors unreachable.
    return [...watcher.sensors].map((s) => {
      const info = watcher.info(s.name);
      return { name: s.name, value: s.value, status: s.status, units: s.units, timestamp: s.timestamp, description: s.description, type: info?.type ?? s.type };
    });
  } catch (err) {
    if (err instanceof KatcpTimeoutError) throw new KatcpTimeoutError(`not every sensor reported within ${timeout / 1000} s (${reported.size} of ${watcher.sensors.size} did)`);
    throw err;
  } finally {
    watcher.close();
  }
}

function printTable(rows: SensorRow[], Table: typeof CliTable): void {
  const colors = colorsFor(process.stdout);
  const none = '';
  const table = new Table({
    head: ['NAME', 'VALUE', 'STATUS', 'UNITS', 'TIMESTAMP', 'DESCRIPTION'].map((h) => colors.bold(h)),
    chars: { top: none, 'top-mid': none, 'top-left': none, 'top-right': none, bottom: none, 'bottom-mid': none, 'bottom-left': none, 'bottom-right': none, left: none, 'left-mid': none, mid: none, 'mid-mid': none, right: none, 'right-mid': none, middle: ' ' },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 1 },
  });
  for (const r of rows) table.push([r.name, showValue(r.value), statusColor(colors, r.status)(r.status), r.units, isoTime(r.timestamp), r.description]);
  process.stdout.write(`${table.toString().replace(/ +$/gm, '')}\n`);
}

function jsonRow(r: SensorRow): Record<string, unknown> {
  return { ...r, value: jsonValue(r.value) };
}

/** `katcp sensors`: resolves to the exit code. */
export async function sensorsCommand(argv: string[]): Promise<number> {
  const program = newProgram('sensors', 'List the sensors of a device with value, status, units, timestamp and description.', EXAMPLES)
    .usage('[options] [ADDR] [FILTER]')
    .argument('[words...]', 'ADDR (host:port, default $KATCP_SERVER), then an optional FILTER: a substring or /regex/')
    .option('--json', 'print one JSON array')
    .addOption(new Option('--ndjson', 'print one JSON object per line').conflicts('json'))
    .option('--strategy <words...>', STRATEGY_OPTION_HELP)
    .addOption(durationOption('-t, --timeout <seconds>', 'give up after this long').default(10_000, '10'))
    .option('--lenient', 'accept the malformed lines some C devices send');
  return runProgram<SensorsFlags>('sensors', program, argv, async (words, flags) => {
    const { addr, rest } = oneDevice('sensors', words, 1);
    const filter = parseSensorFilter(rest[0]);
    const Table = flags.json === true || flags.ndjson === true ? undefined : (await import('cli-table3')).default;
    const client = makeClient(addr, { reconnect: 'never', debug: flags.debug, lenient: flags.lenient });
    try {
      await firstConnection(client, addr, flags.timeout);
      const rows = flags.strategy === undefined ? await readByRequest(client, filter, flags.timeout) : await readBySubscription(client, filter, flags.strategy, flags.timeout);
      rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (flags.json === true) process.stdout.write(`${JSON.stringify(rows.map(jsonRow), null, 2)}\n`);
      else if (flags.ndjson === true) for (const r of rows) process.stdout.write(`${JSON.stringify(jsonRow(r))}\n`);
      else if (Table !== undefined) printTable(rows, Table);
      if (rows.length === 0 && filter.text !== '') process.stderr.write(`katcp sensors: no sensor matches '${filter.text}'\n`);
      return ExitCode.Ok;
    } finally {
      await client.close();
    }
  });
}

/**
 * `katcp monitor ADDR... [--host 127.0.0.1] [--port 8080] [--allow-requests] [--no-ui]
 * [--telstate redis://HOST:PORT/DB]`: the live web monitor and Prometheus exporter. Prints what
 * it exposes, then runs until SIGINT or SIGTERM, when it stops serving and disconnects.
 * @module
 */
import { parseArgs } from 'node:util';
import { ExitCode } from '../cli/exit-codes.js';
import { telstateHistory } from './history.js';
import type { SensorHistory } from './history.js';
import { parseDeviceArgument } from './device-argument.js';

/** The usage line. */
export const MONITOR_USAGE =
  'usage: katcp monitor [name=]HOST:PORT... [--host 127.0.0.1] [--port 8080] [--allow-requests] [--no-ui] [--telstate redis://HOST:PORT/DB]';

/** Parsed `katcp monitor` arguments. */
export interface MonitorArgs {
  /** The positional `[name=]HOST:PORT` arguments. */
  devices: string[];
  /** `--host`: address to serve on. */
  host: string;
  /** `--port`: port to serve on. */
  port: number;
  /** `--allow-requests`: let the page send requests. */
  allowRequests: boolean;
  /** False with `--no-ui` (only `/metrics` and `/healthz`). */
  ui: boolean;
  /** `--telstate`: Redis URL of a telescope state for sparkline history. */
  telstate: string | undefined;
  /** `--help` / `-h`. */
  help: boolean;
}

/** Parse the command's arguments. @throws Error with a message for the user */
export function parseMonitorArgs(argv: string[]): MonitorArgs {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '8080' },
      'allow-requests': { type: 'boolean', default: false },
      'no-ui': { type: 'boolean', default: false },
      telstate: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: true,
  });
  const port = values.port;
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw new Error(`--port must be a whole number from 0 to 65535, not '${port}'`);
  if (!values.help && positionals.length === 0) throw new Error('give at least one device address (HOST:PORT or name=HOST:PORT)');
  for (const p of positionals) parseDeviceArgument(p);
  return {
    devices: positionals,
    host: values.host,
    port: Number(port),
    allowRequests: values['allow-requests'],
    ui: !values['no-ui'],
    telstate: values.telstate,
    help: values.help,
  };
}

async function openHistory(url: string): Promise<{ history: SensorHistory; close: () => Promise<void> }> {
  // Loaded only when asked for: the store brings the Redis client with it.
  const { TelescopeState, RedisBackend } = await import('../telstate/index.js');
  // connect() waits for a PING: an unreachable store is a start-up failure (exit 1), not a monitor
  // that says it has history and then answers every /api/history with an error.
  const ts = new TelescopeState(await RedisBackend.connect(url));
  return { history: telstateHistory(ts), close: () => ts.close() };
}

/** Run the monitor; resolves to the exit code (0 after SIGINT/SIGTERM, 1 when it cannot start, 64 for bad arguments, as every katcp command). */
export async function monitorCommand(argv: string[]): Promise<number> {
  let args: MonitorArgs;
  try {
    args = parseMonitorArgs(argv);
  } catch (err) {
    console.error(`katcp monitor: ${(err as Error).message}\n${MONITOR_USAGE}`);
    return ExitCode.Usage;
  }
  if (args.help) {
    console.log(MONITOR_USAGE);
    return ExitCode.Ok;
  }
  let store: Awaited<ReturnType<typeof openHistory>> | undefined;
  let monitor;
  try {
    if (args.telstate !== undefined) store = await openHistory(args.telstate);
    // Loaded once the command line is good: the resource client, the HTTP server and prom-client.
    const { startMonitor } = await import('./monitor.js');
    monitor = await startMonitor({
      devices: args.devices,
      host: args.host,
      port: args.port,
      allowRequests: args.allowRequests,
      ui: args.ui,
      history: store?.history,
      onWarning: (device, err) => console.error(`katcp monitor: ${device}: ${err.message}`),
    });
  } catch (err) {
    await store?.close();
    console.error(`katcp monitor: ${(err as Error).message}`);
    // Could not start: the port is taken, the store is unreachable...
    return ExitCode.Connect;
  }
  // Listening for the signals before saying anything, so a supervisor reacting to the start-up lines is heard.
  let stop: (signal: string) => void = () => undefined;
  const signalled = new Promise<string>((resolve) => (stop = resolve));
  const onInt = (): void => stop('SIGINT');
  const onTerm = (): void => stop('SIGTERM');
  process.once('SIGINT', onInt);
  process.once('SIGTERM', onTerm);
  for (const line of monitor.describe()) console.log(line);
  if (store !== undefined) console.log(`sparkline history from the telescope state at ${args.telstate}`);
  const signal = await signalled;
  process.off('SIGINT', onInt);
  process.off('SIGTERM', onTerm);
  console.log(`katcp monitor: ${signal}: shutting down`);
  await monitor.close();
  await store?.close();
  return ExitCode.Ok;
}

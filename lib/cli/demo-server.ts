/**
 * `katcp demo-server [--host 127.0.0.1] [--port 0] [--sensors N] [--protocol 5.1-MIBT|4.0-M]`:
 * runs the demo device until SIGINT or SIGTERM (or `?halt`). Prints `listening HOST:PORT` once
 * it accepts connections. `--protocol 4.0-M` makes it a KATCP v4 device.
 * @module
 */
import { parseArgs } from 'node:util';
import { createDemoServer } from '../demo/demo-server.js';
import type { DeviceServer } from '../server/device-server.js';
import { PROTOCOL_INFO } from '../server/version.js';

const USAGE = 'usage: katcp demo-server [--host 127.0.0.1] [--port 0] [--sensors N] [--protocol 5.1-MIBT|4.0-M]';

function parseWhole(name: string, text: string, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) > max) throw new Error(`--${name} must be a whole number from 0 to ${max}, not '${text}'`);
  return Number(text);
}

/**
 * Runs the demo device; resolves to the exit code (0 after a clean stop, 1 when the server
 * failed, 2 for bad arguments).
 */
export async function demoServerCommand(argv: string[]): Promise<number> {
  let host: string;
  let port: number;
  let sensors: number;
  let server: DeviceServer;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '0' },
        sensors: { type: 'string', default: '0' },
        protocol: { type: 'string', default: PROTOCOL_INFO },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    host = values.host;
    port = parseWhole('port', values.port, 65535);
    sensors = parseWhole('sensors', values.sensors, 10_000_000);
    server = createDemoServer({ host, port, sensors, protocol: values.protocol });
  } catch (err) {
    console.error(`katcp demo-server: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  try {
    await server.start();
  } catch (err) {
    console.error(`katcp demo-server: cannot listen on ${host}:${port}: ${(err as Error).message}`);
    return 1;
  }
  const stop = (): void => server.halt();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const { host: boundHost, port: boundPort } = server.address;
  console.log(`listening ${boundHost.includes(':') ? `[${boundHost}]` : boundHost}:${boundPort}`);
  try {
    await server.join();
    return 0;
  } catch (err) {
    console.error(`katcp demo-server: stopped after an error: ${(err as Error).message}`);
    return 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/**
 * The monitor's device argument, `name=host:port` or `host:port`. Apart from `monitor.ts` so that
 * `katcp monitor` checks its command line before it loads the resource client, the HTTP server
 * and prom-client.
 * @module
 */
import { KatcpTypeError } from '../errors.js';
import { parseResourceAddress } from '../resource/spec.js';

/** `name=host:port` or `host:port` -> name and address. @throws KatcpTypeError for a bad one */
export function parseDeviceArgument(text: string): { name: string; address: string } {
  const eq = text.indexOf('=');
  const name = eq < 0 ? text : text.slice(0, eq);
  const address = eq < 0 ? text : text.slice(eq + 1);
  if (name === '') throw new KatcpTypeError('options', `device ${JSON.stringify(text)} has an empty name (use name=host:port)`);
  try {
    parseResourceAddress(address);
  } catch (err) {
    throw new KatcpTypeError('options', `device ${JSON.stringify(text)}: ${(err as Error).message}`, undefined, { cause: err });
  }
  return { name, address };
}

/**
 * The one parser of the informs that describe a device's interface: `#help`,
 * `#request-timeout-hint`, and `#interface-changed` / `#device-changed`. The client's
 * negotiator, the sensor monitor and the inspecting client all read them through here.
 * @module
 */
import type { Message } from '../codec/message.js';
import { malformedInform } from './sensor-informs.js';

/** `#help <name> [<description>]` -> name and description. @throws MalformedInformError when the name is missing */
export function parseHelpInform(msg: Message): { name: string; description: string } {
  if (msg.arguments.length < 1 || (msg.arguments[0] as Buffer).length === 0) throw malformedInform(msg, 'no request name');
  return { name: msg.arg(0), description: msg.arg(1) };
}

/**
 * `#request-timeout-hint <name> <seconds>` -> name and hint in seconds (undefined for `0`,
 * which means "no hint"). @throws MalformedInformError when malformed or negative
 */
export function parseTimeoutHintInform(msg: Message): { name: string; timeoutHint: number | undefined } {
  if (msg.arguments.length < 2) throw malformedInform(msg, 'expected a request name and a number of seconds');
  const text = msg.arg(1);
  const secs = Number(text);
  if (text.trim() === '' || !Number.isFinite(secs) || secs < 0) throw malformedInform(msg, `bad number of seconds ${JSON.stringify(text)}`);
  return { name: msg.arg(0), timeoutHint: secs > 0 ? secs : undefined };
}

/** One change an `#interface-changed` (or `#device-changed`) inform announces. */
export type InterfaceChange =
  | { readonly scope: 'all' }
  | { readonly scope: 'sensors' }
  | { readonly scope: 'requests' }
  | { readonly scope: 'sensor' | 'request'; readonly name: string; readonly change: 'added' | 'removed' | 'modified' };

/** The change "everything". */
export const ALL_CHANGED: readonly InterfaceChange[] = Object.freeze([Object.freeze({ scope: 'all' as const })]);
const ALL = ALL_CHANGED;

/**
 * Classify `#interface-changed` (or `#device-changed`) arguments: one or more `sensor|request
 * <name> added|removed|modified` triples name items; `sensor-list` / `request-list` mean "all
 * sensors" / "all requests"; no arguments, or any form not recognised (one bad triple spoils the
 * inform) means everything. (The inspecting client re-inspects everything on any
 * `#device-changed`, as katcp-python does; the sensor monitor follows its triples.)
 */
export function parseInterfaceChanged(msg: Message): readonly InterfaceChange[] {
  const n = msg.arguments.length;
  const kind = msg.arg(0);
  if (n === 1 && kind === 'sensor-list') return [{ scope: 'sensors' }];
  if (n === 1 && kind === 'request-list') return [{ scope: 'requests' }];
  if (n < 3 || n % 3 !== 0) return ALL;
  const out: InterfaceChange[] = [];
  for (let i = 0; i < n; i += 3) {
    const scope = msg.arg(i);
    const name = msg.arg(i + 1);
    const change = msg.arg(i + 2);
    if ((scope !== 'sensor' && scope !== 'request') || name === '') return ALL;
    if (change !== 'added' && change !== 'removed' && change !== 'modified') return ALL;
    out.push({ scope, name, change });
  }
  return out;
}

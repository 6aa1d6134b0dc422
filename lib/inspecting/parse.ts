/**
 * Request descriptions from `#help` and `#request-timeout-hint` informs. The informs themselves
 * are parsed by the client layer's one parser per inform kind (client/interface-informs.ts,
 * client/sensor-informs.ts).
 * @module
 */
import type { Message } from '../codec/message.js';
import { parseHelpInform, parseTimeoutHintInform } from '../client/interface-informs.js';
import type { RequestInfo } from './model.js';

/**
 * Build request descriptions from `#help` informs and a table of timeout hints (seconds by
 * request name); malformed informs are reported to `warn` and skipped.
 */
export function buildRequestInfos(help: readonly Message[], hints: ReadonlyMap<string, number>, warn: (err: Error) => void): RequestInfo[] {
  const out: RequestInfo[] = [];
  for (const msg of help) {
    if (msg.name !== 'help') continue;
    try {
      const h = parseHelpInform(msg);
      out.push(Object.freeze({ name: h.name, description: h.description, timeoutHint: hints.get(h.name) }));
    } catch (err) {
      warn(err as Error);
    }
  }
  return out;
}

/** The timeout hints (seconds, hints of 0 left out) of `#request-timeout-hint` informs; malformed ones go to `warn`. */
export function timeoutHintTable(informs: readonly Message[], warn: (err: Error) => void): Map<string, number> {
  const table = new Map<string, number>();
  for (const msg of informs) {
    if (msg.name !== 'request-timeout-hint') continue;
    try {
      const h = parseTimeoutHintInform(msg);
      if (h.timeoutHint !== undefined) table.set(h.name, h.timeoutHint);
    } catch (err) {
      warn(err as Error);
    }
  }
  return table;
}

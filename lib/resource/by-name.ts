/**
 * Items of a resource by name, for scripts that hold names as data (katcp-python users write
 * `getattr(dev.req, name)`): an unknown name is a typed error naming the resource, the item and
 * the nearest known names, not a `TypeError: ... is not a function`.
 * @module
 */
import { UnknownItemError } from '../errors.js';
import { nearest } from '../util/options.js';
import { escapeName } from './namespace.js';
import type { Namespace } from './namespace.js';

/** The nearest known names to `name` (escaped and KATCP forms both tried), best first, at most 3. */
export function suggestNames(name: string, known: readonly string[]): string[] {
  const out: string[] = [];
  const pool = new Set(known);
  for (let i = 0; i < 3; i++) {
    const best = nearest(name, pool) ?? nearest(escapeName(name), pool);
    if (best === undefined) break;
    out.push(best);
    pool.delete(best);
  }
  return out;
}

/**
 * The item of `ns` reachable under `name` (escaped or KATCP name).
 * @throws UnknownItemError (code `KATCP_ERR_UNKNOWN_REQUEST` / `KATCP_ERR_UNKNOWN_SENSOR`)
 */
export function itemByName<T>(resource: string, kind: 'request' | 'sensor', ns: Namespace<T>, name: string): T {
  const item = ns.lookup(name) ?? ns.lookup(escapeName(name));
  if (item !== undefined) return item;
  throw new UnknownItemError(resource, kind, name, suggestNames(name, ns.names()));
}

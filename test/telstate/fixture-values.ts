/**
 * Turns the tagged JSON values of fixtures/telstate/*.json into telstate values:
 * plain JSON (null, booleans, numbers, strings, arrays) as is, and
 * {"$float": x|"inf"|"-inf"|"nan"} Float64, {"$int": "digits"} bigint, {"$bytes": "hex"} Uint8Array,
 * {"$tuple": [...]}, {"$complex": [re, im]}, {"$map": [[k, v], ...]}, {"$scalar": [dtype, value]},
 * {"$ndarray": {"dtype", "shape", "values"}}.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Complex, Float64, NdArray, NumpyScalar, Tuple } from '../../lib/telstate/index.js';
import type { TelescopeState } from '../../lib/telstate/index.js';

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../fixtures/telstate/${name}`, import.meta.url));
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as T;
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export function unhex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

function num(x: unknown): number {
  if (x === 'inf') return Infinity;
  if (x === '-inf') return -Infinity;
  if (x === 'nan') return NaN;
  return x as number;
}

export function revive(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(revive);
  const o = v as Record<string, unknown>;
  if ('$float' in o) return new Float64(num(o.$float));
  if ('$int' in o) return BigInt(o.$int as string);
  if ('$bytes' in o) return unhex(o.$bytes as string);
  if ('$tuple' in o) return new Tuple((o.$tuple as unknown[]).map(revive));
  if ('$complex' in o) {
    const [re, im] = o.$complex as [unknown, unknown];
    return new Complex(num(re), num(im));
  }
  if ('$map' in o) return new Map((o.$map as [unknown, unknown][]).map(([k, x]) => [revive(k), revive(x)]));
  if ('$scalar' in o) {
    const [dtype, x] = o.$scalar as [string, unknown];
    return NumpyScalar.from(dtype, revive(x));
  }
  if ('$ndarray' in o) {
    const a = o.$ndarray as { dtype: string; shape: number[]; values: unknown[] };
    return NdArray.from(a.values.map(revive), { dtype: a.dtype, shape: a.shape });
  }
  throw new Error(`unknown fixture tag in ${JSON.stringify(v)}`);
}

/** fixtures/telstate/redis-layout.json */
export interface Layout {
  writes: { op: string; view?: string; key: string; sub_key?: unknown; value: unknown; ts?: number }[];
  strings: Record<string, string>;
  zsets: Record<string, string[]>;
  hashes: Record<string, [string, string][]>;
  latest: Record<string, { value: string; timestamp: number }>;
  publish: { channel: string; payload: string }[];
  receive: { key: string; type: string; payload: string; expect: Record<string, unknown> | null }[];
}

/** Apply the layout fixture's writes through the TypeScript front end. */
export async function applyLayoutWrites(ts: TelescopeState): Promise<void> {
  const layout = loadFixture<Layout>('redis-layout.json');
  for (const w of layout.writes) {
    const target = w.view === undefined ? ts : ts.view(w.view);
    if (w.op === 'set') await target.set(w.key, revive(w.value));
    else if (w.op === 'add') await target.add(w.key, revive(w.value), { ts: w.ts ?? 0 });
    else await target.setIndexed(w.key, revive(w.sub_key), revive(w.value));
  }
}

/**
 * The floor under the 100,000-sensor mirror row: what Node itself pays to build and keep, per
 * sensor, the objects any aiokatcp-style mirror must hold, with no socket, parser or protocol:
 * four strings decoded (UTF-8, as our parser does) from a `#sensor-list` line's bytes (name, description, units, type), a frozen
 * description, a model entry, a mirror sensor and a frozen first reading, and one insert into
 * each of two name-keyed Maps (the model's and the mirror's). Our mirror holds at least these.
 * The figure is the best of five runs, with the time V8's collector paused this thread meanwhile
 * (PerformanceObserver `gc` entries): copying objects that all survive out of the young
 * generation is most of it.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { fmt } from './format.js';

type Info = Readonly<{ name: string; description: string; units: string; type: string }>;

class Entry {
  readonly info: Info;
  reading: unknown = undefined;
  view: Mirror | undefined = undefined;
  listing = 0;
  constructor(info: Info) {
    this.info = info;
  }
}

class Mirror {
  readonly name: string;
  readonly description: string;
  readonly units: string;
  readonly type: string;
  reading: unknown = undefined;
  observers: readonly unknown[] = [];
  constructor(info: Info) {
    this.name = info.name;
    this.description = info.description;
    this.units = info.units;
    this.type = info.type;
  }
}

/** Builds the objects of `lines` (one `name description units type` per Buffer); returns the ms it took. */
function buildOnce(lines: readonly Buffer[]): number {
  const model = new Map<string, Entry>();
  const mirrors = new Map<string, Mirror>();
  const t = performance.now();
  for (const line of lines) {
    const a = line.indexOf(32);
    const b = line.indexOf(32, a + 1);
    const c = line.indexOf(32, b + 1);
    const info = Object.freeze({ name: line.toString('utf8', 0, a), description: line.toString('utf8', a + 1, b), units: line.toString('utf8', b + 1, c), type: line.toString('utf8', c + 1) });
    const entry = new Entry(info);
    model.set(info.name, entry);
    const mirror = new Mirror(info);
    mirrors.set(mirror.name, mirror);
    entry.view = mirror;
  }
  let i = 0;
  for (const entry of model.values()) {
    const reading = Object.freeze({ timestamp: 1.7e9 + i / 1000, status: 'nominal', value: i++ + 0.5 });
    entry.reading = reading;
    entry.view!.reading = reading;
  }
  return performance.now() - t;
}

/** Prints the floor for `count` sensors. */
export async function retentionFloor(count: number): Promise<void> {
  const lines = Array.from({ length: count }, (_, i) => Buffer.from(`extra.float.${String(i).padStart(6, '0')} An\\_extra\\_float\\_sensor,\\_number\\_${i} m float`, 'latin1'));
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  observer.observe({ entryTypes: ['gc'] });
  let best = { ms: Infinity, gc: 0 };
  for (let rep = 0; rep < 5; rep++) {
    await new Promise((r) => setTimeout(r, 50));
    gcMs = 0;
    const ms = buildOnce(lines);
    // gc entries are delivered some turns after the collections.
    await new Promise((r) => setTimeout(r, 50));
    if (ms < best.ms) best = { ms, gc: gcMs };
  }
  observer.disconnect();
  console.log(`retention floor, ${fmt(count)} sensors (no I/O: the objects a mirror must keep): ${fmt(best.ms)} ms, of which GC pauses ${fmt(best.gc)} ms (best of 5)`);
}

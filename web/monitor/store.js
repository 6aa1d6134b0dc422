// The page's copy of the sensors, and which of them the table shows in what order.
import { isPlottable, plotValue, severity } from './format.js';

/** Points kept per sensor for its sparkline. */
export const HISTORY_POINTS = 90;

/** A ring of the latest numeric values of one sensor. */
export class History {
  constructor() {
    this.values = new Float64Array(HISTORY_POINTS);
    this.length = 0;
    this.head = 0;
    this.version = 0;
    /** The timestamp of the reading plotted last. */
    this.lastTimestamp = NaN;
    /** Set after a reconnect, until the next reading: it may be the last one plotted, sent again. */
    this.resuming = false;
  }

  /** Add the value of a reading taken at `timestamp`. */
  push(v, timestamp = NaN) {
    this.values[this.head] = v;
    this.head = (this.head + 1) % HISTORY_POINTS;
    if (this.length < HISTORY_POINTS) this.length++;
    this.version++;
    this.lastTimestamp = timestamp;
  }

  /** Add a reading's value, unless it repeats the last one plotted just after a reconnect. */
  add(v, timestamp) {
    if (this.resuming) {
      this.resuming = false;
      if (timestamp === this.lastTimestamp && this.length > 0 && v === this.values[(this.head - 1 + HISTORY_POINTS) % HISTORY_POINTS]) return;
    }
    this.push(v, timestamp);
  }

  /** Put earlier values (oldest first) before the ones already here. */
  prepend(older) {
    const mine = this.toArray();
    const last = this.lastTimestamp;
    this.length = 0;
    this.head = 0;
    for (const v of [...older, ...mine].slice(-HISTORY_POINTS)) this.push(v);
    this.lastTimestamp = last;
  }

  /** The values, oldest first. */
  toArray() {
    const out = [];
    const start = (this.head - this.length + HISTORY_POINTS) % HISTORY_POINTS;
    for (let i = 0; i < this.length; i++) out.push(this.values[(start + i) % HISTORY_POINTS]);
    return out;
  }
}

const SORTERS = {
  device: (a, b) => cmp(a.device, b.device) || cmp(a.name, b.name),
  name: (a, b) => cmp(a.name, b.name) || cmp(a.device, b.device),
  value: (a, b) => cmpValue(a.value, b.value) || cmp(a.name, b.name),
  status: (a, b) => severity(a.status) - severity(b.status) || cmp(a.name, b.name),
  timestamp: (a, b) => a.timestamp - b.timestamp || cmp(a.name, b.name),
  age: (a, b) => b.timestamp - a.timestamp || cmp(a.name, b.name),
};
/** Sort keys whose order changes as readings arrive. */
const LIVE_KEYS = new Set(['value', 'status', 'timestamp', 'age']);

/** A sensor's identity across snapshots (ids are the server's and may change when it restarts). */
function nameKey(s) {
  return `${s.device}\u0000${s.name}`;
}

function cmp(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpValue(a, b) {
  const na = typeof a === 'number' ? a : typeof a === 'boolean' ? Number(a) : undefined;
  const nb = typeof b === 'number' ? b : typeof b === 'boolean' ? Number(b) : undefined;
  if (na !== undefined && nb !== undefined) return na - nb;
  if (na !== undefined) return -1;
  if (nb !== undefined) return 1;
  return cmp(String(a ?? ''), String(b ?? ''));
}

/** Build a matcher from the filter box: `/regex/flags` or a case-insensitive substring. Throws on a bad regex. */
export function compileFilter(text) {
  const trimmed = text.trim();
  if (trimmed === '') return () => true;
  const m = /^\/(.+)\/([a-z]*)$/.exec(trimmed);
  if (m) {
    const re = new RegExp(m[1], m[2]);
    return (s) => re.test(s.name) || re.test(s.device);
  }
  const needle = trimmed.toLowerCase();
  return (s) => s.name.toLowerCase().includes(needle) || s.device.toLowerCase().includes(needle);
}

/** Every sensor by id, plus the filtered and sorted list of ids the table shows. */
export class SensorStore {
  constructor() {
    this.byId = new Map();
    /** Sensors of the set before the last snapshot that it did not have, by device and name. */
    this.departed = new Map();
    this.rows = [];
    this.match = () => true;
    this.sortKey = 'name';
    this.sortDir = 1;
    this.orderStale = true;
    this.liveDirty = false;
  }

  /**
   * Take a snapshot's sensors as the whole set. A sensor the page already had (same device and
   * name, whatever its id in this snapshot) keeps its sparkline: a snapshot comes after every
   * reconnect of the event stream, a restart of the monitor included, and must not wipe what the
   * page has drawn. Sensors of the old set missing from the snapshot (a restarted monitor that
   * is still syncing) keep theirs until the next snapshot, for when they come back as `added`.
   */
  replaceAll(sensors) {
    const before = new Map();
    for (const s of this.byId.values()) before.set(nameKey(s), s);
    this.byId.clear();
    for (const s of sensors) {
      const key = nameKey(s);
      this.#put(s, before.get(key));
      before.delete(key);
    }
    this.departed = before;
    this.orderStale = true;
  }

  /** Add or replace a sensor (from an `added` batch). */
  upsert(s) {
    const key = nameKey(s);
    this.#put(s, this.byId.get(s.id) ?? this.departed.get(key));
    this.departed.delete(key);
    this.orderStale = true;
  }

  /** Store `s`, with the history of `old` (the same sensor as the page knew it before). */
  #put(s, old) {
    const plottable = isPlottable(s.type);
    const kept = plottable ? old?.history : undefined;
    if (kept !== undefined) kept.resuming = true;
    const history = kept ?? (plottable ? new History() : undefined);
    const sensor = { ...s, history, historyAsked: (kept !== undefined && old.historyAsked) || false, version: (old?.version ?? 0) + 1 };
    this.byId.set(s.id, sensor);
    this.#plot(sensor);
  }

  remove(id) {
    if (this.byId.delete(id)) this.orderStale = true;
  }

  /** Apply one `[id, value, status, timestamp]` reading; returns the sensor or undefined. */
  update(row) {
    const sensor = this.byId.get(row[0]);
    if (sensor === undefined) return undefined;
    sensor.value = row[1];
    sensor.status = row[2];
    sensor.timestamp = row[3];
    sensor.version++;
    this.#plot(sensor);
    if (LIVE_KEYS.has(this.sortKey)) this.liveDirty = true;
    return sensor;
  }

  #plot(sensor) {
    const v = plotValue(sensor.value);
    if (sensor.history !== undefined && v !== undefined) sensor.history.add(v, sensor.timestamp);
  }

  setFilter(match) {
    this.match = match;
    this.orderStale = true;
  }

  /** Sort by `key`; the same key again reverses the order. */
  setSort(key) {
    if (!(key in SORTERS)) return;
    this.sortDir = key === this.sortKey ? -this.sortDir : 1;
    this.sortKey = key;
    this.orderStale = true;
  }

  /** Recompute the shown rows when the set, the filter or the sort changed (or `live` and readings moved them). */
  refresh(live) {
    if (!this.orderStale && !(live && this.liveDirty)) return false;
    const sorter = SORTERS[this.sortKey];
    const dir = this.sortDir;
    const rows = [];
    for (const s of this.byId.values()) if (this.match(s)) rows.push(s);
    rows.sort((a, b) => dir * sorter(a, b));
    this.rows = rows;
    this.orderStale = false;
    this.liveDirty = false;
    return true;
  }
}

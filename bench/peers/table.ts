/**
 * The markdown table of `npm run bench:peers`: one row per workload of the public katcp-rust
 * table, our figure, aiokatcp's and katcp-python's, our ratio over each, and katcp-rust's
 * published ratio over each (its BENCHMARKS.md: aiokatcp 2.2.1 and katcp-python 0.9.3 on Apple
 * Silicon) for comparison.
 */
import type { Results } from './workload.js';

/** One suite's run. */
export interface Run {
  results: Results;
  loadBefore: string;
  loadAfter: string;
  seconds: number;
}

interface Row {
  label: string;
  row: string;
  field: string;
  /** `rate`: higher is better; `time`: seconds, lower is better. */
  kind: 'rate' | 'time';
  latency?: boolean;
  /** katcp-rust's published ratio over aiokatcp 2.2.1 and over katcp-python 0.9.3. */
  rust?: [number, number];
}

// The ratios are the Summary column of katcp-rust's BENCHMARKS.md; the two 20k query rows are
// computed from its detailed table (0.154 s / 0.044 s and so on).
const ROWS: Row[] = [
  { label: '`?watchdog` sequential (2,000)', row: 'watchdog', field: 'rate', kind: 'rate', latency: true, rust: [1.7, 3.9] },
  { label: '`?sensor-value` single (2,000)', row: 'sensor_value_single', field: 'rate', kind: 'rate', latency: true, rust: [1.5, 4.0] },
  { label: '`?sensor-value` all 10 (1,000)', row: 'sensor_value_all_10', field: 'rate', kind: 'rate', latency: true, rust: [1.7, 6.9] },
  { label: '`?help` (1,000)', row: 'help', field: 'rate', kind: 'rate', latency: true, rust: [1.6, 27.5] },
  { label: '10 clients × 500 `?watchdog`, aggregate', row: 'concurrent_clients', field: 'rate', kind: 'rate', rust: [2.9, 14.0] },
  { label: '1 sensor, 10 k updates: push (server side)', row: 'sensor_delivery', field: 'push_rate', kind: 'rate', rust: [18.1, 66.6] },
  { label: '1 sensor, 10 k updates: received by the client', row: 'sensor_delivery', field: 'delivery_rate', kind: 'rate' },
  { label: '50 sensors × 200 updates: push (server side)', row: 'multi_sensor_delivery', field: 'push_rate', kind: 'rate', rust: [23.3, 60.9] },
  { label: '50 sensors × 200 updates: received by the client', row: 'multi_sensor_delivery', field: 'delivery_rate', kind: 'rate' },
  { label: '1,000 sensors: `?sensor-list` all (50)', row: 'high_sensor_list', field: 'rate', kind: 'rate', rust: [3.6, 22.5] },
  { label: '1,000 sensors: `?sensor-value` all (50)', row: 'high_sensor_value_all', field: 'rate', kind: 'rate', rust: [3.0, 20.8] },
  { label: '1,000 sensors: `?sensor-value` single (1,000)', row: 'high_sensor_value_single', field: 'rate', kind: 'rate', rust: [2.8, 10.8] },
  { label: '1,000 sensors: `?sensor-list` regex (200)', row: 'high_sensor_list_regex', field: 'rate', kind: 'rate', rust: [4.1, 22.9] },
  { label: '20 k sensors: subscribe all (`event`, one request each)', row: 'scale_20k', field: 'sub_rate', kind: 'rate', rust: [5.1, 13.1] },
  { label: '20 k sensors: push 60 k updates (server side)', row: 'scale_20k', field: 'push_rate', kind: 'rate', rust: [14.3, 54.6] },
  { label: '20 k sensors: 60 k updates received by the client', row: 'scale_20k', field: 'delivery_rate', kind: 'rate' },
  { label: '20 k sensors: `?sensor-list` all', row: 'scale_20k', field: 'sensor_list_time', kind: 'time', rust: [0.154 / 0.044, 1.312 / 0.044] },
  { label: '20 k sensors: `?sensor-value` all', row: 'scale_20k', field: 'sensor_value_time', kind: 'time', rust: [0.147 / 0.028, 0.985 / 0.028] },
];

function rate(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M/s`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k/s`;
  return `${x.toFixed(x >= 100 ? 0 : 1)}/s`;
}

function cell(rows: Results['rows'], row: Row): string {
  const fig = rows[row.row];
  const x = fig?.[row.field];
  if (x === undefined) return 'n/a';
  let s = row.kind === 'rate' ? rate(x) : `${x.toFixed(3)} s`;
  if (row.latency === true && fig !== undefined) s += ` (p50 ${fig.p50!.toFixed(0)} µs, p95 ${fig.p95!.toFixed(0)}, p99 ${fig.p99!.toFixed(0)})`;
  if (row.field.endsWith('delivery_rate') && fig?.delivered_pct !== undefined && fig.delivered_pct < 100) s += `, ${fig.delivered_pct.toFixed(1)} % delivered`;
  return s;
}

function ratio(ours: Results['rows'], other: Results['rows'], row: Row): number {
  const a = ours[row.row]?.[row.field];
  const b = other[row.row]?.[row.field];
  if (a === undefined || b === undefined) return NaN;
  return row.kind === 'rate' ? a / b : b / a;
}

const times = (x: number): string => (Number.isFinite(x) ? `${x.toFixed(1)}×` : 'n/a');
const mark = (x: number, pub: number | undefined): string => (pub === undefined ? times(x) : x >= pub ? `**${times(x)}**` : times(x));

/**
 * Our first pass (the main table's figure, cold code) beside a second pass of the same workloads
 * in the same process (JIT warm), both over aiokatcp's one pass.
 */
function warmTable(ours: Results, aio: Results): string[] {
  const warm = ours.warmRows;
  if (warm === undefined) return [];
  const lines = [
    '',
    '| workload | ours, first pass (the table) | ours, second pass in the same process | first / aiokatcp | second / aiokatcp | katcp-rust / aiokatcp (published) |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of ROWS) {
    const pub = row.rust?.[0];
    lines.push(
      `| ${row.label} | ${cell(ours.rows, row)} | ${cell(warm, row)} | ${mark(ratio(ours.rows, aio.rows, row), pub)} | ${mark(ratio(warm, aio.rows, row), pub)} | ${pub === undefined ? '–' : times(pub)} |`,
    );
  }
  return lines;
}

/** The markdown report: conditions, then the table. */
export function renderTable(opts: { date: string; machine: string; runs: [Run, Run, Run] }): string {
  const [ours, aio, kp] = opts.runs;
  const lines = [
    `Measured ${opts.date} UTC on ${opts.machine}; one suite after the other, each library's client against its own server in one process, over 127.0.0.1.`,
    '',
    '| suite | version | load average before → after | wall time |',
    '| --- | --- | --- | --- |',
    ...opts.runs.map((r) => `| ${r.results.library} | ${r.results.version} | ${r.loadBefore} → ${r.loadAfter} | ${r.seconds.toFixed(0)} s |`),
    '',
    '| workload | ours | aiokatcp | katcp-python | ours / aiokatcp | katcp-rust / aiokatcp (published) | ours / katcp-python | katcp-rust / katcp-python (published) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of ROWS) {
    const ra = ratio(ours.results.rows, aio.results.rows, row);
    const rk = ratio(ours.results.rows, kp.results.rows, row);
    const rust = row.rust;
    lines.push(
      `| ${row.label} | ${cell(ours.results.rows, row)} | ${cell(aio.results.rows, row)} | ${cell(kp.results.rows, row)} | ${mark(ra, rust?.[0])} | ${rust === undefined ? '–' : times(rust[0])} | ${mark(rk, rust?.[1])} | ${rust === undefined ? '–' : times(rust[1])} |`,
    );
  }
  lines.push('', 'Bold: our ratio is at least katcp-rust\'s published one. Rates are per second; times in seconds; latencies in µs.');
  lines.push(...warmTable(ours.results, aio.results));
  return lines.join('\n');
}

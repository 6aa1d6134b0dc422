// How values, times and ages are written in the table. No dependencies, no build step.

const SEVERITY = { nominal: 0, inactive: 1, unknown: 2, unreachable: 3, warn: 4, error: 5, failure: 6 };

/** Sort rank of a status: worse statuses rank higher. */
export function severity(status) {
  return SEVERITY[status] ?? 2;
}

/** True for the sensor types whose values the sparkline can plot. */
export function isPlottable(type) {
  return type === 'integer' || type === 'float' || type === 'boolean';
}

/** The number to plot for a value, or undefined. */
export function plotValue(value) {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

function number(v) {
  const text = String(v);
  return text.length <= 12 ? text : String(Number(v.toPrecision(9)));
}

/** A value with its units, as shown in the value column. */
export function formatValue(sensor) {
  const v = sensor.value;
  if (v === null || v === undefined) return '';
  let text;
  if (sensor.type === 'timestamp' && typeof v === 'number') text = formatTime(v, true);
  else if (typeof v === 'number') text = number(v);
  else text = String(v);
  return sensor.units ? `${text} ${sensor.units}` : text;
}

const pad = (n, w = 2) => String(n).padStart(w, '0');

/** Seconds since the epoch as UTC `HH:MM:SS.mmm` (with the date when `withDate`). */
export function formatTime(seconds, withDate = false) {
  if (!(seconds > 0)) return '';
  const d = new Date(seconds * 1000);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
  return withDate ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${time}` : time;
}

/** How long ago `seconds` was, shortly: `0.4 s`, `12 s`, `5 min`, `3 h`, `2 d`. */
export function formatAge(seconds, nowSeconds) {
  if (!(seconds > 0)) return '—';
  const age = Math.max(0, nowSeconds - seconds);
  if (age < 10) return `${age.toFixed(1)} s`;
  if (age < 120) return `${Math.round(age)} s`;
  if (age < 7200) return `${Math.round(age / 60)} min`;
  if (age < 172800) return `${Math.round(age / 3600)} h`;
  return `${Math.round(age / 86400)} d`;
}

/** Split request arguments on spaces, keeping "double quoted" words together. */
export function splitArgs(text) {
  const args = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  let m;
  while ((m = re.exec(text)) !== null) args.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]);
  return args;
}

// The sensor table: a pool of row elements for the visible part of the list only, rewritten
// in place once per animation frame, and only where a value changed.
import { formatAge, formatTime, formatValue } from './format.js';
import { drawSparkline } from './sparkline.js';

const ROW_HEIGHT = 24;
/** Rows rendered above and below the visible ones, so a small scroll shows no gap. */
const OVERSCAN = 6;

function cell(row, cls, tag = 'span') {
  const el = document.createElement(tag);
  el.className = cls;
  el.setAttribute('role', 'cell');
  row.append(el);
  return el;
}

/** One pooled row element and what it shows now (to skip writes that change nothing). */
class RowView {
  constructor(parent) {
    this.el = document.createElement('div');
    this.el.className = 'row grid';
    this.el.setAttribute('role', 'row');
    this.device = cell(this.el, 'c-device');
    this.name = cell(this.el, 'c-name');
    this.value = cell(this.el, 'c-value');
    this.status = cell(this.el, 'c-status');
    this.ts = cell(this.el, 'c-ts');
    this.age = cell(this.el, 'c-age');
    this.spark = cell(this.el, 'c-spark', 'canvas');
    this.spark.width = 84 * devicePixelRatio;
    this.spark.height = 18 * devicePixelRatio;
    this.sensor = undefined;
    this.version = -1;
    this.historyVersion = -1;
    this.top = -1;
    this.stale = false;
    this.ageText = '';
    parent.append(this.el);
  }

  show(sensor, top, stale, now) {
    const el = this.el;
    if (this.top !== top) {
      el.style.transform = `translateY(${top}px)`;
      this.top = top;
    }
    if (el.hidden) el.hidden = false;
    if (this.sensor !== sensor) {
      this.sensor = sensor;
      this.version = -1;
      this.historyVersion = -1;
      el.dataset.id = String(sensor.id);
      el.dataset.device = sensor.device;
      el.dataset.name = sensor.name;
      this.device.textContent = sensor.device;
      this.name.textContent = sensor.name;
      this.name.title = sensor.description;
    }
    if (this.version !== sensor.version) {
      this.version = sensor.version;
      this.value.textContent = formatValue(sensor);
      this.status.textContent = sensor.status;
      this.status.className = `c-status st-${sensor.status}`;
      el.dataset.status = sensor.status;
      this.ts.textContent = formatTime(sensor.timestamp);
    }
    const age = formatAge(sensor.timestamp, now);
    if (age !== this.ageText) {
      this.ageText = age;
      this.age.textContent = age;
    }
    if (stale !== this.stale) {
      this.stale = stale;
      el.classList.toggle('stale', stale);
    }
    const h = sensor.history;
    const hv = h === undefined ? 0 : h.version;
    if (hv !== this.historyVersion) {
      this.historyVersion = hv;
      drawSparkline(this.spark, h, sensor.status);
    }
  }

  hide() {
    if (!this.el.hidden) this.el.hidden = true;
    this.sensor = undefined;
  }
}

/** The virtual table inside `viewport` (a scrolling element holding `spacer`). */
export class SensorTable {
  constructor(viewport, spacer) {
    this.viewport = viewport;
    this.spacer = spacer;
    this.pool = [];
    this.rowCount = -1;
  }

  /** The sensors shown now (for lazy history loading). */
  visible(rows) {
    const [first, last] = this.#range(rows.length);
    return rows.slice(first, last);
  }

  #range(n) {
    const top = this.viewport.scrollTop;
    const height = this.viewport.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(n, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    return [first, last];
  }

  /** Show `rows` (sensors, in order); `isStale(sensor)` dims rows of disconnected devices. */
  render(rows, isStale, nowSeconds) {
    if (rows.length !== this.rowCount) {
      this.rowCount = rows.length;
      this.spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    }
    const [first, last] = this.#range(rows.length);
    const needed = last - first;
    while (this.pool.length < needed) this.pool.push(new RowView(this.viewport));
    for (let i = 0; i < this.pool.length; i++) {
      const view = this.pool[i];
      const index = first + i;
      if (index < last) view.show(rows[index], index * ROW_HEIGHT, isStale(rows[index]), nowSeconds);
      else view.hide();
    }
  }
}

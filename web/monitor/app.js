// katcp monitor page: follows the server's event stream, keeps the sensors in a store and
// renders the visible rows once per animation frame. Plain ES modules served by the package
// itself: no build step, no CDN.
import { compileFilter, SensorStore } from './store.js';
import { SensorTable } from './table.js';
import { RequestPanel } from './requests.js';

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.content ?? '';
const store = new SensorStore();
const table = new SensorTable(document.getElementById('viewport'), document.getElementById('spacer'));
const panel = new RequestPanel({ allow: meta('katcp-allow-requests') === 'true', token: meta('katcp-token') });
const historyEnabled = meta('katcp-history') === 'true';
const devices = new Map();
const deviceList = document.getElementById('devices');
const count = document.getElementById('count');
const link = document.getElementById('link');

// ---- measurements (read by the load benchmark through window.katcpMonitorStats) ----
const MAX_SAMPLES = 20000;
const stats = {
  /** Milliseconds from a reading's device timestamp to the frame that applied it. */
  latencies: [],
  /** Milliseconds from a batch's arrival to the frame that applied it. */
  arrivalToFrame: [],
  /** Milliseconds spent in each render. */
  renderTimes: [],
  /** Milliseconds between consecutive rendered frames. */
  frameGaps: [],
  updates: 0,
  frames: 0,
  reset() {
    this.latencies = [];
    this.arrivalToFrame = [];
    this.renderTimes = [];
    this.frameGaps = [];
    this.updates = 0;
    this.frames = 0;
    pendingTimestamps = [];
    pendingArrivals = [];
  },
};
window.katcpMonitorStats = stats;
const push = (list, v) => {
  if (list.length < MAX_SAMPLES) list.push(v);
};
let pendingTimestamps = [];
let pendingArrivals = [];
let lastFrame = 0;

// ---- rendering ----
let frameRequested = false;
let lastLiveSort = 0;
function schedule() {
  if (!frameRequested) {
    frameRequested = true;
    requestAnimationFrame(render);
  }
}

function render(frameTime) {
  frameRequested = false;
  const start = performance.now();
  const nowMs = Date.now();
  // Sorting by a live column re-sorts at most once a second, so rows do not jump every frame.
  const live = start - lastLiveSort > 1000;
  if (store.refresh(live) && live) lastLiveSort = start;
  table.render(store.rows, (s) => devices.get(s.device)?.state === 'disconnected', nowMs / 1000);
  count.textContent = `${store.rows.length} of ${store.byId.size} sensors`;
  if (historyEnabled) loadHistory();
  const end = performance.now();
  stats.frames++;
  push(stats.renderTimes, end - start);
  if (lastFrame > 0) push(stats.frameGaps, frameTime - lastFrame);
  lastFrame = frameTime;
  for (const ts of pendingTimestamps) push(stats.latencies, nowMs - ts * 1000);
  for (const t of pendingArrivals) push(stats.arrivalToFrame, end - t);
  pendingTimestamps = [];
  pendingArrivals = [];
  if (store.liveDirty) schedule();
}

// Ages move on even when nothing arrives.
setInterval(schedule, 1000);

// ---- devices ----
function showDevice(d) {
  devices.set(d.name, d);
  panel.setDevice(d);
  let li = deviceList.querySelector(`li[data-device="${CSS.escape(d.name)}"]`);
  if (li === null) {
    li = document.createElement('li');
    li.className = 'device';
    li.dataset.device = d.name;
    li.innerHTML = '<strong class="name"></strong><span class="addr"></span><span class="state"></span><span class="counts"></span>';
    deviceList.append(li);
  }
  li.querySelector('.name').textContent = d.name;
  li.querySelector('.addr').textContent = d.address;
  const state = li.querySelector('.state');
  state.textContent = d.state;
  state.className = `state state-${d.state}`;
  li.dataset.state = d.state;
  li.querySelector('.counts').textContent = `${d.reconnects} reconnects · ${d.messages} messages`;
}

// ---- history from the telescope state, for rows that come into view ----
let historyInFlight = 0;
function loadHistory() {
  for (const s of table.visible(store.rows)) {
    if (historyInFlight >= 4) return;
    if (s.history === undefined || s.historyAsked) continue;
    s.historyAsked = true;
    historyInFlight++;
    const q = new URLSearchParams({ device: s.device, sensor: s.name, seconds: '3600' });
    fetch(`/api/history?${q}`)
      .then((res) => (res.ok ? res.json() : { samples: [] }))
      .then(({ samples }) => {
        if (samples.length > 0) {
          s.history.prepend(samples.map(([, v]) => v));
          schedule();
        }
      })
      .catch(() => undefined)
      .finally(() => {
        historyInFlight--;
      });
  }
}

// ---- the event stream ----
function connect() {
  const events = new EventSource('/events');
  events.addEventListener('open', () => {
    link.textContent = 'live';
    link.className = 'link link-live';
  });
  events.addEventListener('error', () => {
    link.textContent = 'reconnecting…';
    link.className = 'link link-lost';
  });
  events.addEventListener('snapshot', (e) => {
    const snap = JSON.parse(e.data);
    store.replaceAll(snap.sensors);
    for (const d of snap.devices) showDevice(d);
    schedule();
  });
  events.addEventListener('devices', (e) => {
    for (const d of JSON.parse(e.data)) showDevice(d);
    schedule();
  });
  events.addEventListener('removed', (e) => {
    for (const id of JSON.parse(e.data)) store.remove(id);
    schedule();
  });
  events.addEventListener('added', (e) => {
    for (const s of JSON.parse(e.data)) store.upsert(s);
    schedule();
  });
  events.addEventListener('update', (e) => {
    const arrived = performance.now();
    const rows = JSON.parse(e.data);
    for (const row of rows) {
      const previous = store.byId.get(row[0])?.timestamp;
      if (store.update(row) !== undefined) {
        stats.updates++;
        // A periodic strategy re-sends an unchanged reading with its old timestamp: not a latency.
        if (row[3] !== previous && pendingTimestamps.length < MAX_SAMPLES) pendingTimestamps.push(row[3]);
      }
    }
    pendingArrivals.push(arrived);
    schedule();
  });
}

// ---- controls ----
const filter = document.getElementById('filter');
filter.addEventListener('input', () => {
  try {
    store.setFilter(compileFilter(filter.value));
    filter.classList.remove('invalid');
  } catch {
    filter.classList.add('invalid');
  }
  document.getElementById('viewport').scrollTop = 0;
  schedule();
});
for (const button of document.querySelectorAll('.head button[data-sort]')) {
  button.addEventListener('click', () => {
    store.setSort(button.dataset.sort);
    for (const b of document.querySelectorAll('.head button[data-sort]')) b.removeAttribute('aria-sort');
    button.setAttribute('aria-sort', store.sortDir > 0 ? 'ascending' : 'descending');
    schedule();
  });
}
document.getElementById('viewport').addEventListener('scroll', schedule, { passive: true });
window.addEventListener('resize', schedule);
connect();

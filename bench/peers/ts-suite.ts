/**
 * The cross-library suite, our side: our Client against our DeviceServer in one process, with the
 * workloads and iteration counts of the public katcp-rust table (see docs/benchmarks.md); the
 * Python suites beside this file run the same workloads on aiokatcp and katcp-python. Prints a
 * progress line per figure on stderr and one JSON object (the figures) on stdout.
 * Run by `npm run bench:peers` (after `npm run build`); never by the tests.
 */
// The package itself, as a user imports it: Node resolves 'katcp' to the compiled dist/ (what
// users run; `npm run bench:peers` builds it first), not to lib/ through tsx, whose esbuild
// transform adds a defineProperty call to every named closure it creates (keepNames).
import { Client, DeviceServer, Sensor, silentLogger } from 'katcp';
import type { IntegerValue, Message } from 'katcp';
import { C, percentiles, settle } from './workload.js';
import type { Results } from './workload.js';

interface Bed {
  server: DeviceServer;
  sensors: Sensor<IntegerValue>[];
  clients: Client[];
}

async function bed(sensorCount: number, clientCount = 1): Promise<Bed> {
  const server = new DeviceServer({ version: 'bench-server-1.0', buildState: 'bench-build-1.0.0', maxBacklog: 1 << 30 });
  const sensors: Sensor<IntegerValue>[] = [];
  for (let i = 0; i < sensorCount; i++) {
    const s = Sensor.integer({ name: `sensor-${i}`, description: 'bench sensor', default: 0 });
    sensors.push(s);
    server.sensors.add(s);
  }
  await server.start();
  const clients: Client[] = [];
  for (let i = 0; i < clientCount; i++) {
    clients.push(await Client.connect('127.0.0.1', server.address.port, { logger: silentLogger, requestTimeout: 600_000 }));
  }
  return { server, sensors, clients };
}

async function teardown(b: Bed): Promise<void> {
  for (const c of b.clients) await c.close();
  await b.server.stop();
}

async function timedRequests(client: Client, n: number, name: string, args: unknown[], check: (informs: Message[]) => void): Promise<Record<string, number>> {
  for (let i = 0; i < C.WARMUP; i++) await client.request(name, ...args);
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const { informs } = await client.request(name, ...args);
    lat.push((performance.now() - t) * 1000);
    check(informs);
  }
  const elapsed = (performance.now() - t0) / 1000;
  return { rate: n / elapsed, ...percentiles(lat) };
}

function expectInforms(n: number): (informs: Message[]) => void {
  return (informs) => {
    if (informs.length !== n) throw new Error(`expected ${n} informs, got ${informs.length}`);
  };
}

/** Subscribes `sensors` with `event`, then pushes `rounds` updates of each and counts arrivals. */
async function delivery(b: Bed, rounds: number, subscribe = true): Promise<Record<string, number>> {
  const client = b.clients[0]!;
  let received = 0;
  let last = 0;
  client.addInformHandler('sensor-status', () => {
    received++;
    last = performance.now();
  });
  let subTime = 0;
  if (subscribe) {
    const t = performance.now();
    for (const s of b.sensors) await client.request('sensor-sampling', s.name, 'event');
    subTime = (performance.now() - t) / 1000;
  }
  await settle(() => received, 200);
  received = 0;
  const total = rounds * b.sensors.length;
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) for (let i = 0; i < b.sensors.length; i++) b.sensors[i]!.value = r * b.sensors.length + i + 1;
  const push = (performance.now() - t0) / 1000;
  await settle(() => received, 300, total, 10_000);
  const endToEnd = received > 0 ? (last - t0) / 1000 : NaN;
  return { total, push_time: push, push_rate: total / push, delivered_pct: (100 * received) / total, delivery_rate: received / endToEnd, sub_time: subTime };
}

/** One pass over every workload, in the order of the katcp-rust table; `pass` labels the progress lines. */
async function runAll(pass: string): Promise<Results['rows']> {
  const rows: Results['rows'] = {};
  const log = (k: string): void => console.error(`ts ${pass}: ${k} ${JSON.stringify(rows[k])}`);

  let b = await bed(0);
  rows.watchdog = await timedRequests(b.clients[0]!, C.REQ_ITERATIONS, 'watchdog', [], () => undefined);
  log('watchdog');
  rows.help = await timedRequests(b.clients[0]!, C.HELP_ITERATIONS, 'help', [], (i) => {
    if (i.length < 5) throw new Error('?help: too few informs');
  });
  log('help');
  await teardown(b);

  b = await bed(10);
  b.sensors.forEach((s, i) => (s.value = i));
  rows.sensor_value_single = await timedRequests(b.clients[0]!, C.REQ_ITERATIONS, 'sensor-value', ['sensor-0'], expectInforms(1));
  log('sensor_value_single');
  rows.sensor_value_all_10 = await timedRequests(b.clients[0]!, C.HELP_ITERATIONS, 'sensor-value', [], expectInforms(10));
  log('sensor_value_all_10');
  await teardown(b);

  b = await bed(1, C.CONCURRENT_CLIENTS);
  const worker = async (c: Client, n: number): Promise<void> => {
    for (let i = 0; i < n; i++) await c.request('watchdog');
  };
  await Promise.all(b.clients.map((c) => worker(c, 10)));
  let t = performance.now();
  await Promise.all(b.clients.map((c) => worker(c, C.CONCURRENT_REQS_PER_CLIENT)));
  rows.concurrent_clients = { rate: (C.CONCURRENT_CLIENTS * C.CONCURRENT_REQS_PER_CLIENT) / ((performance.now() - t) / 1000) };
  log('concurrent_clients');
  await teardown(b);

  b = await bed(1);
  rows.sensor_delivery = await delivery(b, C.DELIVERY_UPDATES);
  log('sensor_delivery');
  await teardown(b);

  b = await bed(C.MULTI_SENSOR_COUNT);
  rows.multi_sensor_delivery = await delivery(b, C.MULTI_SENSOR_UPDATES_PER);
  log('multi_sensor_delivery');
  await teardown(b);

  b = await bed(C.HIGH_SENSOR_COUNT);
  b.sensors.forEach((s, i) => (s.value = i));
  const c = b.clients[0]!;
  const iterations = async (n: number, args: unknown[], name = 'sensor-list', expect?: number): Promise<Record<string, number>> => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const { informs } = await c.request(name, ...args);
      if (expect !== undefined ? informs.length !== expect : informs.length === 0) throw new Error(`?${name}: ${informs.length} informs`);
    }
    return { rate: n / ((performance.now() - t0) / 1000) };
  };
  await iterations(5, [], 'sensor-list', C.HIGH_SENSOR_COUNT);
  rows.high_sensor_list = await iterations(C.HIGH_SENSOR_LIST_ITERS, [], 'sensor-list', C.HIGH_SENSOR_COUNT);
  rows.high_sensor_value_all = await iterations(C.HIGH_SENSOR_VALUE_ALL_ITERS, [], 'sensor-value', C.HIGH_SENSOR_COUNT);
  rows.high_sensor_value_single = await iterations(C.HIGH_SENSOR_VALUE_SINGLE_ITERS, ['sensor-500'], 'sensor-value', 1);
  rows.high_sensor_list_regex = await iterations(C.HIGH_SENSOR_REGEX_ITERS, ['/sensor-1.*/']);
  log('high_sensor_list');
  await teardown(b);

  t = performance.now();
  b = await bed(C.SCALE_SENSOR_COUNT);
  const reg = (performance.now() - t) / 1000;
  const scale = await delivery(b, C.SCALE_ROUNDS);
  t = performance.now();
  const list = await b.clients[0]!.request('sensor-list');
  const listTime = (performance.now() - t) / 1000;
  t = performance.now();
  const values = await b.clients[0]!.request('sensor-value');
  const valueTime = (performance.now() - t) / 1000;
  if (list.informs.length !== C.SCALE_SENSOR_COUNT || values.informs.length !== C.SCALE_SENSOR_COUNT) throw new Error('20k: wrong inform count');
  rows.scale_20k = { reg_time: reg, ...scale, sub_rate: C.SCALE_SENSOR_COUNT / scale.sub_time!, sensor_list_time: listTime, sensor_value_time: valueTime };
  log('scale_20k');
  await teardown(b);
  return rows;
}

/**
 * The first pass is the table's figure: like the Python suites and katcp-rust's, each workload
 * runs once, so its code is cold (V8 has not optimised it yet). The second pass, in the same
 * process, shows the same workloads once the JIT has warmed up: what bounds a row below its
 * target when the two differ.
 */
async function main(): Promise<void> {
  const out: Results = { library: 'katcp (TypeScript)', version: `0.1.0 (this tree), Node ${process.version}`, rows: await runAll('first pass') };
  out.warmRows = await runAll('second pass');
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

await main();

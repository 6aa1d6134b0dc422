// Counts the source files on the two hot paths of docs/dev/architecture.md, against the demo
// device: the lib/ files with a function that ran (V8 precise coverage, call counts) between
// `dev.req.add(3, 6)` and the socket write of `?add`, and between the socket receiving a
// `#sensor-status` and a `dev.sensor.x` listener seeing it.
// Run: npx tsx scripts/measure-paths.ts
import net from 'node:net';
import { Session } from 'node:inspector';
import { createDemoServer } from '../lib/demo/demo-server.js';
import { KATCPClientResource } from '../lib/resource/resource.js';

const session = new Session();
session.connect();
const post = (method: string, params?: object): unknown => {
  let out: unknown;
  session.post(method, params ?? {}, (err, res) => {
    if (err) throw err;
    out = res;
  });
  return out;
};
post('Profiler.enable');
post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });

interface Cov { result: { url: string; functions: { functionName: string; ranges: { count: number; startOffset: number }[] }[] }[] }
function snapshot(): Map<string, number> {
  const cov = post('Profiler.takePreciseCoverage') as Cov;
  const counts = new Map<string, number>();
  for (const script of cov.result) {
    const m = /\/lib\/(.+\.ts)$/.exec(script.url);
    if (m === null) continue;
    for (const fn of script.functions) {
      const key = `${m[1]}#${fn.functionName}@${fn.ranges[0]?.startOffset}`;
      counts.set(key, fn.ranges[0]?.count ?? 0);
    }
  }
  return counts;
}
// takePreciseCoverage resets the counters: the second snapshot holds what ran in between.
function ranBetween(after: Map<string, number>): string[] {
  const files = new Set<string>();
  for (const [key, n] of after) if (n > 0) files.add(key.split('#')[0]!);
  return [...files].sort();
}

const server = createDemoServer({ host: '127.0.0.1', port: 0, counterPeriod: 0, timeSync: false });
await server.start();
const dev = new KATCPClientResource({ name: 'demo', address: ['127.0.0.1', server.address.port], controlled: true });
dev.start();
await dev.untilSynced({ timeout: 10_000 });
for (let i = 0; i < 3; i++) await dev.req.add!(1, 2); // warm up lazily created objects

let reqFiles: string[] | undefined;
const write = net.Socket.prototype.write;
net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
  if (reqFiles === undefined && String(chunk).startsWith('?add')) reqFiles = ranBetween(snapshot());
  return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
} as typeof write;
snapshot();
await dev.req.add!(3, 6);
net.Socket.prototype.write = write;
const layers = (files: string[] | undefined): number => (files ?? []).filter((f) => !/^(codec|util)\//.test(f)).length;
console.log(`dev.req.add(3, 6) -> socket write: ${reqFiles?.length} files (${layers(reqFiles)} outside codec/ and util/)`);
for (const f of reqFiles ?? []) console.log(`  ${f}`);

const sensor = dev.sensor.fruit_result!;
let sensorFiles: string[] | undefined;
let armed = false;
sensor.registerListener(() => {
  if (armed && sensorFiles === undefined) sensorFiles = ranBetween(snapshot());
});
await sensor.setStrategy('event');
const emit = net.Socket.prototype.emit;
net.Socket.prototype.emit = function (this: net.Socket, event: string | symbol, ...args: unknown[]) {
  if (event === 'data' && !armed && String(args[0]).startsWith('#sensor-status') && String(args[0]).includes('fruit.result')) {
    armed = true;
    snapshot();
  }
  return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
} as typeof emit;
for (let i = 0; i < 50 && sensorFiles === undefined; i++) {
  await dev.req.pick_fruit!();
  await new Promise((r) => setTimeout(r, 20));
}
net.Socket.prototype.emit = emit;
console.log(`#sensor-status -> dev.sensor.fruit_result listener: ${sensorFiles?.length} files (${layers(sensorFiles)} outside codec/ and util/)`);
for (const f of sensorFiles ?? []) console.log(`  ${f}`);
await dev.stop();
await server.stop();

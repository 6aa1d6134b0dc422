// One SensorWatcher mirror in this fresh process, on the built package as users run it:
// `node bench/mirror-once.mjs HOST PORT` (after `npm run build`) prints one JSON line
// {"ms", "sensors", "mainCpuMs", "otherCpuMs"}: the time from creating the watcher to `synced`,
// and the CPU this process's main thread and its other threads (V8's compiler and GC helpers;
// Linux /proc only, else null) used meanwhile. The client benchmark runs it against a device it
// has already warmed, for the "fresh process" figure.
//
// Plain JavaScript in a plain `node`, not TypeScript through tsx: with tsx's loader in the
// process, the same dist/ code mirrored 10,000 sensors 15-25 % faster from cold (201-216 against
// 219-285 ms in the same minutes), so a tsx-run figure would flatter what users get.
import { readdirSync, readFileSync } from 'node:fs';
import { Client, SensorWatcher, silentLogger } from 'katcp';

/** CPU ms of this process's main thread and of its other threads, from /proc (undefined elsewhere). */
function threadCpu() {
  try {
    const out = { main: 0, other: 0 };
    for (const tid of readdirSync('/proc/self/task')) {
      // Fields 14 and 15 of the stat line (after the command in parentheses): user and system ticks.
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      if (tid === String(process.pid)) out.main += ms;
      else out.other += ms;
    }
    return out;
  } catch {
    return undefined;
  }
}

const [host = '127.0.0.1', port = '0'] = process.argv.slice(2);
const client = await Client.connect(host, Number(port), { logger: silentLogger, requestTimeout: 120_000 });
const before = threadCpu();
const t = performance.now();
const watcher = new SensorWatcher(client);
await watcher.untilSynced();
const ms = performance.now() - t;
const after = threadCpu();
const cpu = before === undefined || after === undefined ? undefined : { main: after.main - before.main, other: after.other - before.other };
console.log(JSON.stringify({ ms, sensors: watcher.sensors.size, mainCpuMs: cpu?.main ?? null, otherCpuMs: cpu?.other ?? null }));
await client.close();

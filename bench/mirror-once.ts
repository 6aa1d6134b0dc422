/**
 * One SensorWatcher mirror in this (fresh) process: `node --import tsx bench/mirror-once.ts
 * HOST PORT` prints one JSON line `{"ms", "sensors", "mainCpuMs", "otherCpuMs"}`: the time from
 * creating the watcher to `synced`, and the CPU this process's main thread and its other threads
 * (V8's compiler and GC helpers; Linux /proc only, else null) used meanwhile. The client
 * benchmark runs it against a device it has already warmed, for the "fresh process" figure,
 * through tsx like the other rows (lib/, not dist/).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Client } from '../lib/client/client.js';
import { silentLogger } from '../lib/client/logger.js';
import { SensorWatcher } from '../lib/client/sensor-watcher.js';

/** CPU ms of this process's main thread and of its other threads, from /proc (undefined elsewhere). */
function threadCpu(): { main: number; other: number } | undefined {
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

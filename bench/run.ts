/**
 * Benchmark runner: `npm run bench [filter...]` imports every bench/*.bench.ts module and calls
 * its exported `run()`, which prints its own figures. Benchmarks never assert on speed.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadavg } from 'node:os';

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

console.log(`node ${process.version}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
for (const file of files) {
  console.log(`\n== ${file}`);
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<void> };
  await mod.run();
}
console.log(`\nload average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);

/**
 * Codec speed: parsing sensor-status lines fed in 64 KiB chunks and not kept (target >= 5,000,000
 * messages/s), 1,000,000 lines fed as one buffer with the messages kept (target >= 3,000,000/s),
 * the same in 64 KiB chunks kept in an array, reading kept messages later (each line scanned
 * again), reading the arguments through the typed accessors,
 * formatting, and a 60 KiB request with 4,100 arguments (target < 0.5 ms to parse and to format).
 * Rates are wall-clock; `cpu` is the same work per second of process CPU time (all threads, so
 * GC helpers count), which varies less on a loaded machine. Speed is never asserted.
 */
import { LineParser } from '../lib/codec/parser.js';
import { Message } from '../lib/codec/message.js';
import { formatMessage, formatMessages } from '../lib/codec/format.js';
import { fmt } from './format.js';

const CHUNK = 64 * 1024;

function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Runs `fn` (which returns how many operations it did) for about `ms`; best rate of `rounds` rounds, per second. */
function rate(fn: () => number, rounds = 7, ms = 300): number {
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    let ops = 0;
    const t0 = now();
    let t = t0;
    while (t - t0 < ms) {
      ops += fn();
      t = now();
    }
    best = Math.max(best, (ops * 1000) / (t - t0));
  }
  return best;
}

/** Median time in ms of one call of `fn` over `n` calls (after warm-up). */
function median(fn: () => void, n = 2000): number {
  for (let i = 0; i < 200; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = now();
    fn();
    times.push(now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)]!;
}


function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Runs `fn` (which returns how many operations it did) `rounds` times; best wall and CPU rates per second. */
function rounds(fn: () => number, n: number): { wall: number; cpu: number } {
  let wall = 0;
  let cpu = 0;
  for (let r = 0; r < n; r++) {
    const c0 = cpuMs();
    const t0 = now();
    const ops = fn();
    const t = now() - t0;
    const c = cpuMs() - c0;
    wall = Math.max(wall, (ops * 1000) / t);
    cpu = Math.max(cpu, (ops * 1000) / Math.max(c, 1e-3));
  }
  return { wall, cpu };
}

const STATUS_LINE = '#sensor-status 1700000000.123 1 foo.bar nominal 3.14\n';
const STATUSES = ['unknown', 'nominal', 'warn', 'error', 'failure', 'unreachable', 'inactive'];

/** 1,000,000 lines parsed and kept: from one buffer (copied in 64 KiB runs), then from 64 KiB chunks. */
function parseKept(): void {
  const lines = 1_000_000;
  const stream = Buffer.from(STATUS_LINE.repeat(lines));
  const parts = chunks(stream, CHUNK);
  let sink = 0;
  const one = rounds(() => {
    const items = new LineParser().feed(stream);
    sink += items.length;
    return items.length;
  }, 5);
  console.log(`parse  1,000,000 lines from one buffer, kept:   ${fmt(one.wall)} msg/s (cpu ${fmt(one.cpu)}/s; target >= 3,000,000)`);
  const chunked = rounds(() => {
    const parser = new LineParser();
    const kept: unknown[] = [];
    for (const c of parts) for (const item of parser.feed(c)) kept.push(item);
    sink += kept.length;
    return kept.length;
  }, 5);
  console.log(`parse  same in 64 KiB chunks, kept in an array: ${fmt(chunked.wall)} msg/s (cpu ${fmt(chunked.cpu)}/s)`);
  // Kept messages read after the parser has moved on (as a request's informs are when its reply
  // arrives): each line is found again by scanning it once more.
  const kept = new LineParser().feed(stream);
  const later = rounds(() => {
    for (const item of kept) {
      if (!(item instanceof Message)) continue;
      sink += item.name.length + item.argFloat(0) + Number(item.argInteger(1)) + item.arg(2).length + item.argOneOf(3, STATUSES) + item.argFloat(4);
    }
    return kept.length;
  }, 3);
  console.log(`read   the kept messages later, name and every argument: ${fmt(later.wall)} msg/s (cpu ${fmt(later.cpu)}/s)`);
  if (sink < 0) console.log(sink);
}

/** Cut a stream into chunks of `size` bytes, as a socket would deliver it. */
function chunks(stream: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i += size) out.push(Buffer.from(stream.subarray(i, i + size)));
  return out;
}

function parseSensorStatus(): void {
  const line = STATUS_LINE;
  const stream = Buffer.from(line.repeat(Math.ceil((16 * CHUNK) / line.length)));
  const parts = chunks(stream, CHUNK);
  const parser = new LineParser();
  let sink = 0;
  const perSecond = rate(() => {
    let n = 0;
    for (const c of parts) {
      const items = parser.feed(c);
      n += items.length;
      sink += items.length;
    }
    return n;
  });
  // The same, decoding every argument as the client's sensor path does, through the typed
  // accessors (no Buffer or intermediate string per argument), then through `arguments`.
  const typed = rate(() => {
    let n = 0;
    for (const c of parts) {
      for (const item of parser.feed(c)) {
        if (!(item instanceof Message)) continue;
        sink += item.argFloat(0) + Number(item.argInteger(1)) + item.arg(2).length + item.argOneOf(3, STATUSES) + item.argFloat(4);
        n++;
      }
    }
    return n;
  });
  const built = rate(() => {
    let n = 0;
    for (const c of parts) {
      for (const item of parser.feed(c)) {
        if (!(item instanceof Message)) continue;
        const a = item.arguments;
        sink += a[0]!.length + a[1]!.length + a[2]!.toString().length + a[3]!.length + a[4]!.length;
        n++;
      }
    }
    return n;
  });
  const mb = (perSecond * line.length) / 1e6;
  console.log(`parse  '${line.trim()}' in 64 KiB chunks, not kept: ${fmt(perSecond)} msg/s (${mb.toFixed(0)} MB/s; target >= 5,000,000)`);
  console.log(`parse  same, decoding every argument with the typed accessors: ${fmt(typed)} msg/s`);
  console.log(`parse  same, building \`arguments\` (Buffers) and reading them: ${fmt(built)} msg/s`);
  const escaped = '#log info 1700000000.123 device.x Voltage\\_ok\\_at\\_3.3\\_V\\n\n';
  const escParts = chunks(Buffer.from(escaped.repeat(Math.ceil((16 * CHUNK) / escaped.length))), CHUNK);
  const escRate = rate(() => {
    let n = 0;
    for (const c of escParts) n += parser.feed(c).length;
    return n;
  });
  console.log(`parse  '${escaped.trim()}' (escapes): ${fmt(escRate)} msg/s`);
  if (sink < 0) console.log(sink);
}

function formatSensorStatus(): void {
  const msg = Message.parse('#sensor-status 1700000000.123 1 foo.bar nominal 3.14');
  let sink = 0;
  const single = rate(() => {
    for (let i = 0; i < 1000; i++) sink += formatMessage(msg).length;
    return 1000;
  });
  const batch = Array.from({ length: 100 }, () => msg);
  const batched = rate(() => {
    sink += formatMessages(batch).length;
    return batch.length;
  });
  const built = rate(() => {
    for (let i = 0; i < 1000; i++) {
      sink += Message.inform('sensor-status', 1700000000.123, 1, 'foo.bar', 'nominal', 3.14).toBytes().length;
    }
    return 1000;
  });
  console.log(`format the same message, one buffer each:        ${fmt(single)} msg/s`);
  console.log(`format batches of 100 into one buffer:           ${fmt(batched)} msg/s`);
  console.log(`build with Message.inform(...values) and format: ${fmt(built)} msg/s`);
  if (sink < 0) console.log(sink);
}

function bigRequest(): void {
  const args = Array.from({ length: 4100 }, (_, i) => `x.sensor-${String(i).padStart(5, '0')}`);
  const wire = Buffer.from(`?sensor-value[1] ${args.join(' ')}\n`);
  const parser = new LineParser();
  let msg: Message | undefined;
  const parseMs = median(() => {
    const item = parser.feed(wire)[0];
    if (!(item instanceof Message)) throw new Error('bench: parse failed');
    msg = item;
  });
  const m = msg!;
  const formatMs = median(() => {
    formatMessage(m);
  });
  const spaced = Message.request('set', ...Array.from({ length: 4100 }, (_, i) => `value ${i} ok`));
  const spacedWire = spaced.toBytes();
  const escParseMs = median(() => {
    parser.feed(spacedWire);
  });
  const escFormatMs = median(() => {
    formatMessage(spaced);
  });
  console.log(`request of ${(wire.length / 1024).toFixed(1)} KiB, ${m.arguments.length} arguments: parse ${parseMs.toFixed(3)} ms, format ${formatMs.toFixed(3)} ms (target < 0.5 ms each)`);
  console.log(`request of ${(spacedWire.length / 1024).toFixed(1)} KiB, 4100 arguments with escapes: parse ${escParseMs.toFixed(3)} ms, format ${escFormatMs.toFixed(3)} ms`);
}

/** Print the codec figures. */
export async function run(): Promise<void> {
  parseSensorStatus();
  parseKept();
  formatSensorStatus();
  bigRequest();
  await Promise.resolve();
}

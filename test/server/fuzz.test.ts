/**
 * Robustness: random bytes and random well-formed-looking requests thrown at a live server over
 * a real socket. After every run the server must still answer `?watchdog`, nothing may reject
 * unhandled or warn, the server must log no internal error, and the disconnected client must
 * leave no observer, timer or request behind.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import fc from 'fast-check';
import { Sensor } from '../../lib/sensor/sensor.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { RawClient } from '../helpers/raw-client.js';
import { startServer } from './fixture.js';
import type { Fixture } from './fixture.js';

const MAX_LINE = 2048;

/** Collects what must never happen while fuzzing: unhandled rejections, uncaught errors, warnings. */
function watchProcess(t: TestContext): { problems: string[] } {
  const problems: string[] = [];
  const onRejection = (reason: unknown): void => {
    problems.push(`unhandled rejection: ${String(reason)}`);
  };
  const onWarning = (w: Error): void => {
    // Node's own deprecation notices are not ours to judge.
    if (w.name !== 'DeprecationWarning') problems.push(`warning: ${w.name}: ${w.message}`);
  };
  process.on('unhandledRejection', onRejection);
  process.on('warning', onWarning);
  t.after(() => {
    process.off('unhandledRejection', onRejection);
    process.off('warning', onWarning);
  });
  return { problems };
}

async function fuzzServer(t: TestContext): Promise<{ f: Fixture; sensors: Sensor[]; clock: VirtualClock }> {
  const clock = new VirtualClock();
  const sensors: Sensor[] = [
    Sensor.float({ name: 'f.one', description: 'a float', units: 'V', range: { nominal: [0, 10] }, clock }),
    Sensor.integer({ name: 'i.two', description: 'an integer', clock }),
    Sensor.discrete({ name: 'd.three', values: ['idle', 'busy'], clock }),
    Sensor.string({ name: 's.four', description: 'a string', clock }),
    Sensor.timestamp({ name: 't.five', clock }),
    Sensor.address({ name: 'a.six', clock }),
  ];
  const f = await startServer(t, { clock, maxLineLength: MAX_LINE, maxPending: 5 }, (server) => {
    for (const s of sensors) server.sensors.add(s);
    server.addRequest({
      name: 'typed',
      description: 'Decode typed arguments.',
      params: [
        { type: 'integer', name: 'i' },
        { type: 'float', name: 'x', optional: true },
        { type: 'address', name: 'a', optional: true },
        { type: 'timestamp-or-now', name: 't', optional: true },
        { type: 'boolean', name: 'b', optional: true },
      ],
      handler: (_ctx, i, x, a, t, b) => [i, x ?? 0, a?.toString() ?? '', t ?? 'now', b ?? false],
    });
    server.addRequest({
      name: 'echo',
      description: 'Echo.',
      params: [{ type: 'bytes', name: 'args', rest: true }],
      handler: async (ctx, ...args) => {
        ctx.inform(args.length);
        await Promise.resolve();
        return args;
      },
    });
  });
  return { f, sensors, clock };
}

const KNOWN_NAMES = [
  'help', 'watchdog', 'version-list', 'client-list', 'log-level', 'request-timeout-hint', 'sensor-list',
  'sensor-value', 'sensor-sampling', 'sensor-sampling-clear', 'typed', 'echo', 'nosuch',
];
const SENSOR_NAMES = ['f.one', 'i.two', 'd.three', 's.four', 't.five', 'a.six', 'nosuch'];

/** One argument a fuzzed request might carry, already in wire form (escaped). */
const wireArg: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    'none', 'auto', 'period', 'event', 'differential', 'event-rate', 'differential-rate', 'carrot',
    '0', '-1', '1e-300', '1e308', 'inf', '-inf', 'nan', '0.001', '2.5', '9007199254740993', '1_000', '+5', '0x10',
    'now', 'later', '127.0.0.1:7147', '[::1]:80', '[::ffff:1.2.3.4]', '::1', '1', '\\@', '\\_', '\\0\\e\\n\\r\\t\\\\',
    'all', 'trace', 'WARN', 'off', '//', '/(/', '/(a+)+$/', '/^[a-z]\\\\./', '/(?=x)/', 'f.one,i.two', 'f.one,f.one',
  ),
  fc.constantFrom(...SENSOR_NAMES),
  fc.constantFrom(...SENSOR_NAMES).chain((a) => fc.constantFrom(...SENSOR_NAMES).map((b) => `${a},${b}`)),
  fc.double().map((x) => String(x)),
  fc.bigInt().map((x) => x.toString()),
  fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 12 }).map((s) => s.replace(/\\/g, '\\\\').replace(/ /g, '\\_').replace(/\t/g, '\\t')),
);

/** A line that looks like KATCP: a type, a (mostly known) name, maybe a mid, some arguments. */
const wireLine: fc.Arbitrary<string> = fc
  .record({
    type: fc.constantFrom('?', '?', '?', '!', '#'),
    name: fc.oneof(fc.constantFrom(...KNOWN_NAMES), fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/)),
    mid: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }),
    args: fc.array(wireArg, { maxLength: 6 }),
    sep: fc.constantFrom(' ', '\t', '  '),
    eol: fc.constantFrom('\n', '\r', '\r\n'),
  })
  .map(({ type, name, mid, args, sep, eol }) => `${type}${name}${mid === undefined ? '' : `[${mid}]`}${args.map((a) => sep + a).join('')}${eol}`);

const timeArg = fc.constantFrom('0', '0.001', '0.5', '1', '2.5', 'inf', '-1', 'nan', 'x');
/** `?sensor-sampling` lines with plausible strategies, so samplers really get created. */
const samplingLine: fc.Arbitrary<string> = fc
  .record({
    names: fc.array(fc.constantFrom(...SENSOR_NAMES), { minLength: 1, maxLength: 4 }).map((n) => n.join(',')),
    strategy: fc.oneof(
      fc.constantFrom('none', 'auto', 'event', ''),
      timeArg.map((p) => `period ${p}`),
      fc.constantFrom('0', '1', '0.5', '-2', 'x').map((d) => `differential ${d}`),
      fc.tuple(timeArg, timeArg).map(([a, b]) => `event-rate ${a} ${b}`),
      fc.tuple(fc.constantFrom('0', '1', '0.5'), timeArg, timeArg).map(([d, a, b]) => `differential-rate ${d} ${a} ${b}`),
    ),
  })
  .map(({ names, strategy }) => `?sensor-sampling ${names}${strategy === '' ? '' : ` ${strategy}`}\n`);

/** Splits bytes into chunks at random points (given as fractions of the length). */
function chunked(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * data.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    if (p > prev) out.push(data.subarray(prev, p));
    prev = p;
  }
  out.push(data.subarray(prev));
  return out;
}

let watchdogMid = 2_000_000_000;

/** Polls `cond` every few ms for up to 20 s (a guard against a hung test, not a timing check). */
async function settled(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Sends `chunks`, then checks that the server still answers and cleans up after the client. */
async function throwAt(fx: { f: Fixture; sensors: Sensor[]; clock: VirtualClock }, chunks: Buffer[], problems: string[]): Promise<void> {
  const { f, sensors, clock } = fx;
  const baseline = clock.pending;
  const c = await RawClient.connect(f.port);
  for (const chunk of chunks) c.sendRaw(chunk);
  // A fresh line end first, so the probe is not glued to a partial line left by the junk.
  const mid = ++watchdogMid;
  c.sendRaw(`\n?watchdog[${mid}]\n`);
  await c.waitFor(`!watchdog[${mid}] ok`);
  // Sampler timers fire too: a period strategy with a tiny period must not flood or fail.
  await clock.advance(5_000);
  const again = ++watchdogMid;
  c.send(`?watchdog[${again}]`);
  await c.waitFor(`!watchdog[${again}] ok`);
  c.destroy();
  await settled(() => f.server.clientCount === 0, 'the server to drop the client');
  assert.deepEqual(sensors.map((s) => s.observerCount), sensors.map(() => 0), 'no observer left behind');
  assert.equal(clock.pending, baseline, 'no sampler timer left behind');
  assert.deepEqual(f.console.errors, [], 'the server logged no internal error');
  assert.deepEqual(problems, []);
}

describe('server fuzzing (fast-check, real socket)', () => {
  it('fuzz - random bytes never break the server: it still answers ?watchdog and cleans up', async (t) => {
    const { problems } = watchProcess(t);
    const fx = await fuzzServer(t);
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 3 * MAX_LINE }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
        async (bytes, cuts) => {
          await throwAt(fx, chunked(Buffer.from(bytes), cuts), problems);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('fuzz - random KATCP-looking requests get replies, never a crash or a leak', async (t) => {
    const { problems } = watchProcess(t);
    const fx = await fuzzServer(t);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(wireLine, samplingLine), { minLength: 1, maxLength: 25 }), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }), async (lines, cuts) => {
        await throwAt(fx, chunked(Buffer.from(lines.join(''), 'latin1'), cuts), problems);
      }),
      { numRuns: 120 },
    );
  });

  it('fuzz - every request that is answered is answered exactly once, with its mid', async (t) => {
    const { problems } = watchProcess(t);
    const fx = await fuzzServer(t);
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.constantFrom(...KNOWN_NAMES), fc.array(wireArg, { maxLength: 5 })),
          { minLength: 1, maxLength: 15 },
        ),
        async (requests) => {
          const c = await RawClient.connect(fx.f.port);
          const mids = requests.map((_, i) => i + 1);
          c.sendRaw(requests.map(([name, args], i) => `?${name}[${mids[i]!}]${args.map((a) => ` ${a}`).join('')}\n`).join(''));
          const probe = ++watchdogMid;
          c.send(`?watchdog[${probe}]`);
          // Asynchronous handlers (?echo, ?sensor-sampling) may reply after the probe.
          const answered = (name: string, m: number): boolean => c.lines.some((l) => l.startsWith(`!${name}[${m}] `));
          await settled(() => answered('watchdog', probe) && mids.every((m) => answered(requests[m - 1]![0], m)), 'every reply');
          for (const m of mids) {
            const name = requests[m - 1]![0];
            const replies = c.lines.filter((l) => l.startsWith(`!${name}[${m}] `));
            assert.equal(replies.length, 1, `one reply to ?${name}[${m}]: ${replies.join(' | ')}`);
            assert.match(replies[0]!, /^!\S+\[\d+\] (ok|fail|invalid)( |$)/);
          }
          c.destroy();
          await settled(() => fx.f.server.clientCount === 0, 'the server to drop the client');
          assert.deepEqual(fx.f.console.errors, []);
          assert.deepEqual(problems, []);
        },
      ),
      { numRuns: 60 },
    );
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Message } from '../../lib/codec/message.js';
import { MAX_MID, RequestTracker } from '../../lib/client/requests.js';
import type { RequestListener } from '../../lib/client/requests.js';
import type { MidSource } from '../../lib/client/options.js';
import { silentLogger } from '../../lib/client/logger.js';
import { KatcpAbortError, KatcpRangeError, KatcpTimeoutError } from '../../lib/errors.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { TrafficStats } from '../../lib/util/traffic-stats.js';

interface Outcome {
  err?: Error;
  reply?: Message;
  informs: Message[];
}

/** An open tracker writing to `sent`. */
function openTracker(clock: VirtualClock, sent: Message[], mids: MidSource = 1, stats?: TrafficStats): RequestTracker {
  const tracker = new RequestTracker({ clock, logger: silentLogger, mids, requestTimeout: Infinity, hintMargin: 0 }, stats);
  tracker.open({ send: (m) => sent.push(m) });
  return tracker;
}

/** Start a request with or without a message id (the id mode is the connection's, set per call here). */
function begin(tracker: RequestTracker, msg: Message, listener: RequestListener, opts: { useMid: boolean; timeout: number; signal?: AbortSignal | undefined }): void {
  tracker.setProtocol(opts.useMid, new Map());
  assert.equal(tracker.start(msg, listener, { timeout: opts.timeout, signal: opts.signal }), true);
}

function setup() {
  const clock = new VirtualClock();
  const sent: Message[] = [];
  const tracker = openTracker(clock, sent);
  const start = (name: string, opts: { useMid?: boolean; timeout?: number; signal?: AbortSignal } = {}) => {
    const out: { done?: Outcome } = {};
    begin(
      tracker,
      Message.request(name),
      { onDone: (err, reply, informs) => (out.done = { err, reply, informs }) },
      { useMid: opts.useMid ?? true, timeout: opts.timeout ?? Infinity, signal: opts.signal },
    );
    return out;
  };
  return { clock, sent, tracker, start };
}

const parse = (s: string) => Message.parse(s);

test('requests - mids start at 1 and informs with the mid are collected for that request only', () => {
  const { sent, tracker, start } = setup();
  const a = start('help');
  const b = start('help');
  assert.deepEqual(sent.map(String), ['?help[1]', '?help[2]']);
  assert.equal(tracker.route(parse('#help[2] b')), true);
  assert.equal(tracker.route(parse('#help[1] a')), true);
  assert.equal(tracker.route(parse('!help[1] ok 1')), true);
  assert.deepEqual(a.done?.informs.map(String), ['#help[1] a']);
  assert.equal(b.done === undefined, true);
  tracker.route(parse('!help[2] ok 1'));
  assert.deepEqual(b.done?.informs.map(String), ['#help[2] b']);
  assert.equal(tracker.size, 0);
});

test('requests - a late reply to a timed-out request with a mid is dropped', async () => {
  const { clock, tracker, start } = setup();
  const a = start('slow', { timeout: 100 });
  await clock.advance(100);
  assert.ok(a.done?.err instanceof KatcpTimeoutError);
  let unknown = 0;
  assert.equal(tracker.route(parse('!slow[1] ok'), () => unknown++), true);
  assert.equal(unknown, 1);
  assert.equal(clock.pending, 0);
});

test('requests - mids wrap after 2^31-1 and skip ids still in use', () => {
  const sent: Message[] = [];
  const tracker = openTracker(new VirtualClock(), sent, MAX_MID - 1);
  const start = () => begin(tracker, Message.request('y'), { onDone: () => undefined }, { useMid: true, timeout: Infinity });
  start();
  start();
  start();
  tracker.route(parse('!y[1] ok'));
  tracker.route(parse(`!y[${MAX_MID}] ok`));
  // Next candidates: 2 (free), then MAX_MID-1 is still in use; run round to it.
  start();
  assert.deepEqual(
    sent.map((m) => m.mid),
    [MAX_MID - 1, MAX_MID, 1, 2],
  );
  assert.equal(tracker.midsInUse, 2);
});

test('requests - an id still in flight is skipped when the counter comes round', () => {
  const sent: Message[] = [];
  const tracker = openTracker(new VirtualClock(), sent);
  const start = () => begin(tracker, Message.request('y'), { onDone: () => undefined }, { useMid: true, timeout: Infinity });
  start(); // 1
  start(); // 2
  start(); // 3
  tracker.route(parse('!y[2] ok'));
  tracker.nextMid = 1; // as if the counter had come round
  start();
  start();
  assert.deepEqual(sent.map((m) => m.mid), [1, 2, 3, 2, 4]);
  assert.throws(() => (tracker.nextMid = 0), KatcpRangeError);
});

test('requests - without mids, same-name requests are serialised and different names run concurrently', () => {
  const { sent, tracker, start } = setup();
  const a = start('echo', { useMid: false });
  const b = start('echo', { useMid: false });
  const c = start('other', { useMid: false });
  assert.deepEqual(sent.map(String), ['?echo', '?other']);
  tracker.route(parse('#echo first'));
  tracker.route(parse('!echo ok'));
  assert.deepEqual(a.done?.informs.map(String), ['#echo first']);
  assert.deepEqual(sent.map(String), ['?echo', '?other', '?echo']);
  tracker.route(parse('!other ok'));
  assert.ok(c.done?.reply);
  tracker.route(parse('!echo ok 2'));
  assert.equal(b.done?.reply?.toString(), '!echo ok 2');
  assert.equal(tracker.size, 0);
});

test('requests - without mids, a timed-out request swallows its late reply so the next one is not confused', async () => {
  const { clock, sent, tracker, start } = setup();
  const a = start('slow', { useMid: false, timeout: 2000 });
  const b = start('slow', { useMid: false, timeout: 10_000 });
  await clock.advance(2000);
  assert.ok(a.done?.err instanceof KatcpTimeoutError);
  assert.equal(sent.length, 1, 'the second request waits for the late reply');
  assert.equal(tracker.route(parse('#slow late-inform')), true);
  assert.equal(tracker.route(parse('!slow ok late')), true);
  assert.equal(b.done === undefined, true);
  assert.deepEqual(sent.map(String), ['?slow', '?slow']);
  tracker.route(parse('!slow ok mine'));
  assert.equal(b.done?.reply?.toString(), '!slow ok mine');
  assert.deepEqual(b.done?.informs, []);
});

test('requests - without mids, a stale entry expires if the late reply never comes', async () => {
  const { clock, sent, start } = setup();
  start('slow', { useMid: false, timeout: 1500 });
  const b = start('slow', { useMid: false });
  await clock.advance(1500);
  assert.equal(sent.length, 1);
  await clock.advance(1500);
  assert.equal(sent.length, 2, 'the next request is sent after the grace period');
  assert.equal(b.done === undefined, true);
});

test('requests - a queued request that is aborted is removed without being sent', async () => {
  const { sent, tracker, start } = setup();
  const ac = new AbortController();
  start('x', { useMid: false });
  const b = start('x', { useMid: false, signal: ac.signal });
  ac.abort(new Error('stop'));
  assert.ok(b.done?.err instanceof KatcpAbortError);
  tracker.route(parse('!x ok'));
  assert.equal(sent.length, 1);
  assert.equal(tracker.size, 0);
});

test('requests - an already-aborted signal fails asynchronously and sends nothing', async () => {
  const { sent, tracker, start } = setup();
  const a = start('x', { signal: AbortSignal.abort() });
  assert.equal(a.done === undefined, true);
  await Promise.resolve();
  assert.ok(a.done?.err instanceof KatcpAbortError);
  assert.equal(sent.length, 0);
  assert.equal(tracker.size, 0);
});

test('requests - unmatched messages are left to the caller', () => {
  const { tracker, start } = setup();
  start('a', { useMid: false });
  assert.equal(tracker.route(parse('#b x')), false);
  assert.equal(tracker.route(parse('!b ok')), false);
});

test('requests - failAll fails everything, clears timers and stale entries', async () => {
  const { clock, tracker, start } = setup();
  const a = start('a', { timeout: 100 });
  const b = start('b', { useMid: false, timeout: 1000 });
  const c = start('b', { useMid: false, timeout: 1000 });
  const d = start('c', { useMid: false, timeout: 50 });
  await clock.advance(50); // d becomes stale
  tracker.failAll((r) => new Error(`gone ${r.name}`));
  assert.equal(a.done?.err?.message, 'gone a');
  assert.equal(b.done?.err?.message, 'gone b');
  assert.equal(c.done?.err?.message, 'gone b');
  assert.ok(d.done?.err instanceof KatcpTimeoutError);
  assert.equal(clock.pending, 0);
  assert.equal(tracker.size, 0);
  assert.equal(tracker.midsInUse, 0);
});

test('requests - model: every request settles exactly once whatever happens', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.oneof(
          fc.record({ op: fc.constant('start' as const), name: fc.constantFrom('a', 'b'), mid: fc.boolean(), timeout: fc.constantFrom(100, 1000, Infinity) }),
          fc.record({ op: fc.constant('reply' as const), name: fc.constantFrom('a', 'b'), mid: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }) }),
          fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(50, 500, 5000) }),
        ),
        { maxLength: 40 },
      ),
      async (ops) => {
        const { clock, tracker } = setup();
        const settled: number[] = [];
        let started = 0;
        for (const op of ops) {
          if (op.op === 'start') {
            const id = started++;
            settled[id] = 0;
            begin(tracker, Message.request(op.name), { onDone: () => settled[id]!++ }, { useMid: op.mid, timeout: op.timeout });
          } else if (op.op === 'reply') {
            tracker.route(new Message('!', op.name, [Buffer.from('ok')], op.mid));
          } else await clock.advance(op.ms);
        }
        tracker.failAll(() => new Error('end'));
        assert.ok(settled.every((n) => n === 1), `settle counts ${settled.join(',')}`);
        assert.equal(tracker.size, 0);
        assert.equal(clock.pending, 0);
      },
    ),
    { numRuns: 200 },
  );
});

test('requests - latency runs from sending to the reply: a same-name request queued without ids is timed from its turn', async () => {
  const clock = new VirtualClock();
  const stats = new TrafficStats(clock);
  const tracker = openTracker(clock, [], 1, stats);
  const listener = { onDone: () => undefined };
  begin(tracker, Message.request('a'), listener, { useMid: false, timeout: Infinity });
  begin(tracker, Message.request('a'), listener, { useMid: false, timeout: Infinity });
  await clock.advance(10);
  tracker.route(parse('!a ok'));
  await clock.advance(5);
  tracker.route(parse('!a ok'));
  // Failures are not latencies.
  begin(tracker, Message.request('b'), listener, { useMid: true, timeout: 100 });
  await clock.advance(100);
  assert.deepEqual(stats.latency, { count: 2, median: 7.5, p99: 10, max: 10 });
});

test('requests - replies routed in one turn share one clock reading, a later turn reads it again; each request started reads the clock', async () => {
  class CountingClock extends VirtualClock {
    reads = 0;
    override monotonic(): number {
      this.reads++;
      return super.monotonic();
    }
  }
  const clock = new CountingClock();
  const stats = new TrafficStats(clock);
  const sent: Message[] = [];
  const tracker = openTracker(clock, sent, 1, stats);
  tracker.setProtocol(true, new Map());
  await clock.advance(5);
  const done: (Error | undefined)[] = [];
  const start = (timeout: number) => tracker.start(Message.request('x'), { onDone: (err) => done.push(err) }, { timeout });
  const before = clock.reads;
  for (let i = 0; i < 100; i++) start(Infinity);
  assert.equal(clock.reads - before, 100, 'one reading per request started');
  for (let i = 1; i <= 100; i++) tracker.route(parse(`!x[${i}] ok`));
  assert.equal(clock.reads - before, 101, 'one reading for 100 replies in one turn');
  assert.equal(stats.latency.max, 0);
  await clock.advance(10);
  // A new turn: a fresh reading, from which the deadline and the latency run.
  start(100);
  await clock.advance(7);
  tracker.route(parse('!x[101] ok'));
  assert.equal(stats.latency.max, 7);
  start(100);
  await clock.advance(99);
  assert.equal(done.length, 101);
  await clock.advance(1);
  assert.ok(done[101] instanceof KatcpTimeoutError, 'expired 100 ms after its turn');
});

test('requests - a request started after synchronous work in the turn of an earlier request times out from its own start, not the turn\'s', async () => {
  const clock = new VirtualClock();
  const sent: Message[] = [];
  const tracker = openTracker(clock, sent, 1);
  tracker.setProtocol(true, new Map());
  const done: (Error | undefined)[] = [];
  tracker.start(Message.request('a'), { onDone: (err) => done.push(err) }, { timeout: Infinity });
  // The caller's synchronous work takes 5 s of the clock before the next request.
  clock.jump(5000);
  tracker.start(Message.request('b'), { onDone: (err) => done.push(err) }, { timeout: 1000 });
  await clock.advance(999);
  assert.equal(done.length, 0, 'b still waits 999 ms after it was started');
  await clock.advance(1);
  assert.ok(done[0] instanceof KatcpTimeoutError);
});

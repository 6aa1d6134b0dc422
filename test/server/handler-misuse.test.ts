// Everything a careless request handler can do is survived and reported: one server log line
// each (plus a #log error to the client where aiokatcp sends one), never an exception thrown
// into a timer, never a crash, and every other client carries on.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../../lib/server/context.js';
import { FailReply } from '../../lib/errors.js';
import { deferred } from '../../lib/util/deferred.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { until } from '../helpers/wait.js';
import { startServer } from './fixture.js';
import type { Fixture } from './fixture.js';

/** Proves the server still serves a fresh client. */
async function stillServing(f: Fixture, mid: number): Promise<void> {
  const other = await f.connect();
  await other.request(`?watchdog[${mid}]`, [`!watchdog[${mid}] ok`]);
  other.destroy();
}

describe('handler misuse - replying when the request is already over', () => {
  it('misuse - the issue: reply from a timer without replyLater() gets !ok at once, then the late reply is logged, not thrown', async (t) => {
    const clock = new VirtualClock();
    const f = await startServer(t, { clock }, (server) => {
      server.addRequest({
        name: 'pick-fruit',
        description: 'Pick a fruit the wrong way.',
        handler: (ctx) => {
          ctx.inform('picking will take 2 seconds');
          clock.setTimer(() => ctx.reply('ok', 'apple'), 2000);
        },
      });
    });
    const c = await f.connect();
    await c.request('?pick-fruit[1]', ['#pick-fruit[1] picking\\_will\\_take\\_2\\_seconds', '!pick-fruit[1] ok']);
    // The timer's ctx.reply() used to throw KATCP_ERR_ALREADY_REPLIED right here.
    await clock.advance(2000);
    assert.equal(f.console.warnings.length, 1);
    assert.match(
      f.console.warnings[0]!,
      /request \?pick-fruit\[1\] has already been replied to by the server when its handler ended \(call ctx\.replyLater\(\) to reply after returning\); this reply is dropped/,
    );
    await c.request('?watchdog[2]', ['!watchdog[2] ok']); // no stray reply or #log came before
    await stillServing(f, 3);
  });

  it('misuse - the same from a real timer callback: no uncaught exception, the process and other clients carry on', async (t) => {
    const fired = deferred<void>();
    const f = await startServer(t, {}, (server) => {
      server.addRequest({
        name: 'pick-fruit',
        description: 'Pick a fruit the wrong way.',
        handler: (ctx) => {
          setImmediate(() => {
            ctx.reply('ok', 'apple');
            ctx.inform('and another thing');
            ctx.replyLater();
            fired.resolve();
          });
        },
      });
    });
    const c = await f.connect();
    await c.request('?pick-fruit[1]', ['!pick-fruit[1] ok']);
    await fired.promise;
    assert.equal(f.console.warnings.length, 3, 'one line per refused call');
    assert.match(f.console.warnings[1]!, /this inform is dropped/);
    assert.match(f.console.warnings[2]!, /replyLater\(\) has no effect/);
    await c.request('?watchdog[2]', ['!watchdog[2] ok']);
    await stillServing(f, 3);
  });

  it('misuse - replying twice after replyLater(): the first reply stands, the second is logged (no #log: the handler had returned)', async (t) => {
    const clock = new VirtualClock();
    const f = await startServer(t, { clock }, (server) => {
      server.addRequest({
        name: 'twice',
        description: 'Replies twice, later.',
        handler: (ctx) => {
          ctx.replyLater();
          clock.setTimer(() => {
            ctx.reply('ok', 'first');
            ctx.reply('ok', 'second');
            ctx.inform('after the reply');
          }, 10);
        },
      });
    });
    const c = await f.connect();
    c.send('?twice[1]');
    await c.request('?watchdog[2]', ['!watchdog[2] ok']);
    await clock.advance(10);
    await c.expect('!twice[1] ok first');
    await c.request('?watchdog[3]', ['!watchdog[3] ok']);
    assert.equal(f.console.warnings.length, 2);
    assert.match(f.console.warnings[0]!, /request \?twice\[1\] has already been replied to; this reply is dropped/);
    assert.match(f.console.warnings[1]!, /request \?twice\[1\] has already been replied to; this inform is dropped/);
  });

  it('misuse - replying after the client left: the handler sees ctx.signal, its late reply is logged once', async (t) => {
    const gate = deferred<void>();
    let ctxSeen: RequestContext | undefined;
    let afterReply = false;
    const f = await startServer(t, {}, (server) => {
      server.addRequest({
        name: 'slow',
        description: 'Replies after a gate opens.',
        handler: async (ctx) => {
          ctxSeen = ctx;
          await gate.promise;
          ctx.reply('ok', 'nobody listens');
          afterReply = true;
          return 'and a value';
        },
      });
    });
    const c = await f.connect();
    c.send('?slow[1]');
    await c.request('?watchdog[2]', ['!watchdog[2] ok']);
    c.destroy();
    await until(() => f.server.clientCount === 0, 'the disconnect');
    assert.equal(ctxSeen?.signal.aborted, true);
    assert.equal(f.console.warnings.length, 1);
    assert.match(f.console.warnings[0]!, /request \?slow\[1\] cancelled \(client disconnected\) while its handler was still running/);
    gate.resolve();
    await until(() => afterReply, 'the handler to finish');
    await new Promise((r) => setImmediate(r));
    assert.equal(f.console.warnings.length, 2, 'the reply is logged; the returned value of a cancelled request is not');
    assert.match(f.console.warnings[1]!, /request \?slow\[1\] was cancelled \(client disconnected\); this reply is dropped/);
    await stillServing(f, 3);
  });

  it('misuse - a handler whose promise never settles: cancelled when its client goes, its slot no longer matters', async (t) => {
    let signal: AbortSignal | undefined;
    const f = await startServer(t, { maxPending: 1 }, (server) => {
      server.addRequest({
        name: 'hang',
        description: 'Never settles.',
        handler: (ctx) => {
          signal = ctx.signal;
          return new Promise<void>(() => undefined);
        },
      });
    });
    const c = await f.connect();
    c.send('?hang[1]');
    await until(() => signal !== undefined, 'the handler to start');
    c.destroy();
    await until(() => signal?.aborted === true, 'the abort');
    assert.equal(f.console.warnings.length, 1);
    assert.match(f.console.warnings[0]!, /cancelled \(client disconnected\) while its handler was still running/);
    await stillServing(f, 2);
  });
});

describe('handler misuse - errors and values around the reply', () => {
  it('misuse - throwing after replying: the reply stands, #log error to the client and one server line', async (t) => {
    const f = await startServer(t, { clock: new VirtualClock() }, (server) => {
      server.addRequest({
        name: 'crash',
        description: 'Replies, then crashes.',
        handler: async (ctx) => {
          ctx.reply('ok', 'fine');
          await Promise.resolve();
          throw new RangeError('after the fact');
        },
      });
      server.addRequest({
        name: 'fail',
        description: 'Replies, then fails.',
        handler: (ctx) => {
          ctx.reply('ok');
          throw new FailReply('changed my mind');
        },
      });
    });
    const c = await f.connect();
    await c.request('?crash[1]', ['!crash[1] ok fine', '#log error 1700000000.0 katcp.server after\\_the\\_fact']);
    await c.request('?fail[2]', ['!fail[2] ok', '#log error 1700000000.0 katcp.server changed\\_my\\_mind']);
    assert.equal(f.console.errors.length, 1);
    assert.match(f.console.errors[0]!, /uncaught error in handler of \?crash\[1\] after its reply/);
    assert.equal(f.console.warnings.length, 1);
    assert.match(f.console.warnings[0]!, /handler of \?fail\[2\] failed after replying: changed my mind/);
  });

  it('misuse - a value that cannot be encoded fails the request instead of throwing, even from a timer', async (t) => {
    const clock = new VirtualClock();
    const f = await startServer(t, { clock }, (server) => {
      server.addRequest({
        name: 'bad-reply',
        description: 'Replies later with a symbol.',
        handler: (ctx) => {
          ctx.replyLater();
          clock.setTimer(() => ctx.reply('ok', Symbol('no')), 10);
        },
      });
      server.addRequest({
        name: 'bad-inform',
        description: 'Informs a function.',
        handler: (ctx) => {
          ctx.inform('fine');
          ctx.inform(() => 1);
          ctx.inform('dropped');
        },
      });
      server.addRequest({
        name: 'bad-rows',
        description: 'One bad row among good ones.',
        handler: (ctx) => {
          ctx.informs([['a'], [{}], ['c']]);
        },
      });
    });
    const c = await f.connect();
    c.send('?bad-reply[1]');
    await c.request('?watchdog[5]', ['!watchdog[5] ok']);
    await clock.advance(10);
    await c.expect(/^!bad-reply\[1\] fail \S+/);
    await c.request('?bad-inform[2]', [
      '#bad-inform[2] fine',
      /^!bad-inform\[2\] fail \S+$/,
      '#log error 1700000000.01 katcp.server request\\_?bad-inform[2]\\_has\\_already\\_been\\_replied\\_to;\\_this\\_inform\\_is\\_dropped',
    ]);
    await c.request('?bad-rows[3]', [/^!bad-rows\[3\] fail \S+$/]);
    await c.request('?watchdog[4]', ['!watchdog[4] ok']);
    assert.equal(f.console.errors.length, 3);
    assert.match(f.console.errors[0]!, /the reply of \?bad-reply\[1\] could not be encoded .*: the request failed/);
    assert.match(f.console.errors[1]!, /an inform of \?bad-inform\[2\] could not be encoded/);
    assert.match(f.console.errors[2]!, /an inform of \?bad-rows\[3\] could not be encoded/);
    assert.equal(f.console.warnings.length, 1, 'the inform after the failure');
  });

  it('misuse - a console that throws cannot break request handling', async (t) => {
    const f = await startServer(
      t,
      {
        console: {
          warn: () => {
            throw new Error('console broken');
          },
          error: () => {
            throw new Error('console broken');
          },
        },
      },
      (server) => {
        server.addRequest({
          name: 'twice',
          description: 'Replies twice.',
          handler: (ctx) => {
            ctx.reply('ok');
            ctx.reply('ok');
            throw new Error('and crashes');
          },
        });
      },
    );
    const c = await f.connect();
    await c.request('?twice[1]', ['!twice[1] ok', /^#log error .* request\\_\?twice\[1\]\\_has/, /^#log error .* and\\_crashes$/]);
    await c.request('?watchdog[2]', ['!watchdog[2] ok']);
  });
});

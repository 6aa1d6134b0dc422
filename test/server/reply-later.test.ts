// ctx.replyLater(): the katcp-python tutorial's "raise AsyncReply" idiom. The server sends no
// reply when the handler returns; the request stays pending until the handler replies.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../../lib/server/context.js';
import { FailReply } from '../../lib/errors.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { until } from '../helpers/wait.js';
import { startServer } from './fixture.js';

describe('ctx.replyLater()', () => {
  it('replyLater - no automatic reply: informs, then the reply from a timer; other requests are served meanwhile', async (t) => {
    const clock = new VirtualClock();
    const f = await startServer(t, { clock }, (server) => {
      server.addRequest({
        name: 'pick-fruit',
        description: 'Pick a fruit, slowly.',
        handler: (ctx) => {
          ctx.replyLater();
          ctx.inform('picking will take 2 seconds');
          clock.setTimer(() => ctx.inform('climbing a tree'), 1000);
          clock.setTimer(() => ctx.reply('ok', 'apple'), 2000);
        },
      });
    });
    const c = await f.connect();
    await c.request('?pick-fruit[1]', ['#pick-fruit[1] picking\\_will\\_take\\_2\\_seconds']);
    // Had the server replied when the handler returned, that reply would precede this one.
    await c.request('?watchdog[2]', ['!watchdog[2] ok']);
    await clock.advance(1000);
    await c.expect('#pick-fruit[1] climbing\\_a\\_tree');
    await clock.advance(1000);
    await c.expect('!pick-fruit[1] ok apple');
    await c.request('?watchdog[3]', ['!watchdog[3] ok']);
    assert.deepEqual(f.console.warnings, []);
    assert.deepEqual(f.console.errors, []);
  });

  it('replyLater - an async handler may call it, return, and reply later', async (t) => {
    const clock = new VirtualClock();
    const f = await startServer(t, { clock }, (server) => {
      server.addRequest({
        name: 'later',
        description: 'Async, replies later.',
        handler: async (ctx) => {
          await Promise.resolve();
          ctx.replyLater();
          ctx.replyLater(); // a second call changes nothing
          clock.setTimer(() => ctx.informs([['a'], ['b']]), 500);
        },
      });
    });
    const c = await f.connect();
    c.send('?later[4]');
    await c.request('?watchdog[5]', ['!watchdog[5] ok']);
    await clock.advance(500);
    await c.expectLines(['#later[4] a', '#later[4] b', '!later[4] ok 2']);
    assert.deepEqual(f.console.warnings, []);
  });

  it('replyLater - the pending request counts against maxPending until its reply', async (t) => {
    const clock = new VirtualClock();
    const f = await startServer(t, { clock, maxPending: 1 }, (server) => {
      server.addRequest({
        name: 'later',
        description: 'Replies after a second.',
        handler: (ctx) => {
          ctx.replyLater();
          clock.setTimer(() => ctx.reply('ok', 'done'), 1000);
        },
      });
    });
    const c = await f.connect();
    const other = await f.connect();
    await c.expect(/^#client-connected /);
    c.send('?later[1]');
    c.send('?watchdog[2]');
    // Another client is served (and the two lines above have long reached the server).
    await other.request('?watchdog[7]', ['!watchdog[7] ok']);
    await other.request('?watchdog[8]', ['!watchdog[8] ok']);
    await clock.advance(1000);
    // Had the pending request freed its slot, ?watchdog[2] would have been answered first.
    await c.expectLines(['!later[1] ok done', '!watchdog[2] ok']);
  });

  it('replyLater - the client leaving cancels the request: ctx.signal fires, a late reply is dropped and logged, nothing throws', async (t) => {
    const clock = new VirtualClock();
    let seen: RequestContext | undefined;
    let abortReason: unknown;
    const f = await startServer(t, { clock }, (server) => {
      server.addRequest({
        name: 'later',
        description: 'Replies after a second.',
        handler: (ctx) => {
          seen = ctx;
          ctx.replyLater();
          ctx.signal.addEventListener('abort', () => {
            abortReason = ctx.signal.reason;
          });
          clock.setTimer(() => ctx.reply('ok', 'too late'), 1000);
        },
      });
    });
    const c = await f.connect();
    c.send('?later[1]');
    await c.request('?watchdog[2]', ['!watchdog[2] ok']);
    await c.close();
    await until(() => f.server.clientCount === 0, 'the disconnect');
    assert.equal(seen?.cancelled, true);
    assert.match(String(abortReason), /client disconnected/);
    assert.equal(f.console.warnings.length, 1);
    assert.match(f.console.warnings.pop()!, /^katcp server: client 127\.0\.0\.1:\d+: request \?later\[1\] cancelled \(client disconnected\) while it was awaiting its reply/);
    await clock.advance(1000); // the timer replies to a request whose client has gone: no throw
    assert.equal(f.console.warnings.length, 1);
    assert.match(f.console.warnings[0]!, /request \?later\[1\] was cancelled \(client disconnected\); this reply is dropped/);
    const d = await f.connect();
    await d.request('?watchdog[3]', ['!watchdog[3] ok']);
  });

  it('replyLater - stopping the server answers the pending request fail request_cancelled and fires ctx.signal', async (t) => {
    let signal: AbortSignal | undefined;
    const f = await startServer(t, {}, (server) => {
      server.addRequest({
        name: 'later',
        description: 'Never replies by itself.',
        handler: (ctx) => {
          ctx.replyLater();
          signal = ctx.signal;
        },
      });
    });
    const c = await f.connect();
    await c.request('?later[9]', []);
    await c.request('?watchdog[2]', ['!watchdog[2] ok']);
    const stopped = f.server.stop();
    assert.deepEqual(await c.expectClose(), ['!later[9] fail request\\_cancelled', '#disconnect server\\_shutting\\_down']);
    await stopped;
    assert.equal(signal?.aborted, true);
    assert.deepEqual(f.console.warnings, [], 'the client was told; a deliberate stop is not logged per request');
  });

  it('replyLater - a handler that throws before replying gets the usual fail reply', async (t) => {
    const f = await startServer(t, {}, (server) => {
      server.addRequest({
        name: 'oops',
        description: 'Promises to reply, then fails.',
        handler: async (ctx) => {
          ctx.replyLater();
          await Promise.resolve();
          throw new FailReply('no fruit');
        },
      });
      server.addRequest({
        name: 'crash',
        description: 'Promises to reply, then crashes.',
        handler: (ctx) => {
          ctx.replyLater();
          throw new TypeError('fell off the ladder');
        },
      });
    });
    const c = await f.connect();
    await c.request('?oops[1]', ['!oops[1] fail no\\_fruit']);
    await c.request('?crash[2]', ['!crash[2] fail fell\\_off\\_the\\_ladder']);
    assert.equal(f.console.errors.length, 1);
    assert.match(f.console.errors[0]!, /uncaught error in handler of \?crash\[2\]/);
  });

  it('replyLater - a handler that also returns a value: the value is ignored and reported, the later reply stands', async (t) => {
    const clock = new VirtualClock();
    const f = await startServer(t, { clock }, (server) => {
      server.addRequest({
        name: 'both',
        description: 'Replies later and returns a value.',
        handler: (ctx) => {
          ctx.replyLater();
          clock.setTimer(() => ctx.reply('ok', 'later'), 10);
          return 'now';
        },
      });
    });
    const c = await f.connect();
    await c.request('?both[1]', [
      '#log error 1700000000.0 katcp.server handler\\_of\\_?both[1]\\_called\\_replyLater()\\_and\\_returned\\_a\\_value;\\_the\\_value\\_is\\_ignored',
    ]);
    await clock.advance(10);
    await c.expect('!both[1] ok later');
    assert.equal(f.console.warnings.length, 1);
  });
});

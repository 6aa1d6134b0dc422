// A request's run through the server, as a property over a real socket: whatever mix of
// replies, informs, replyLater(), throws and return values a handler produces, synchronously,
// after an await or from a timer, its request gets exactly one reply, nothing throws out of a
// timer, and the server keeps serving.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FailReply } from '../../lib/errors.js';
import type { RequestContext } from '../../lib/server/context.js';
import type { RawClient } from '../helpers/raw-client.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { startServer } from './fixture.js';

interface Script {
  readonly async: boolean;
  readonly later: boolean;
  readonly earlyReplies: number;
  readonly timerReplies: number;
  readonly timerInform: boolean;
  readonly outcome: 'undefined' | 'value' | 'fail' | 'crash';
}

const scriptArb: fc.Arbitrary<Script> = fc
  .record({
    async: fc.boolean(),
    later: fc.boolean(),
    earlyReplies: fc.integer({ min: 0, max: 2 }),
    timerReplies: fc.integer({ min: 0, max: 2 }),
    timerInform: fc.boolean(),
    outcome: fc.constantFrom('undefined' as const, 'value' as const, 'fail' as const, 'crash' as const),
  })
  // A handler that promises a reply and never sends one is pending for good (tested elsewhere).
  .map((s) => (s.later && s.earlyReplies === 0 && s.timerReplies === 0 ? { ...s, timerReplies: 1 } : s));

/** The one reply the client must see. */
function expectedReply(s: Script, mid: number): RegExp {
  const head = `^!script\\[${mid}\\] `;
  if (s.earlyReplies > 0) return new RegExp(`${head}ok early$`);
  if (s.outcome === 'fail' || s.outcome === 'crash') return new RegExp(`${head}fail ${s.outcome}$`);
  if (s.later) return new RegExp(`${head}ok timer$`);
  return new RegExp(s.outcome === 'value' ? `${head}ok value$` : `${head}ok$`);
}

describe('request run - property over a real socket', () => {
  it('request-run - any handler behaviour gets exactly one reply and leaves the server serving (property)', async (t) => {
    const clock = new VirtualClock();
    let scripts: readonly Script[] = [];
    const f = await startServer(t, { clock }, (server) => {
      server.addRequest({
        name: 'script',
        description: 'Behaves as scripts[i] says.',
        params: [{ type: 'integer', name: 'i' }],
        handler: async (ctx: RequestContext, i) => {
          const s = scripts[Number(i)]!;
          if (s.async) await Promise.resolve();
          if (s.later) ctx.replyLater();
          for (let k = 0; k < s.earlyReplies; k++) ctx.reply('ok', 'early');
          clock.setTimer(() => {
            if (s.timerInform) ctx.inform('tick');
            for (let k = 0; k < s.timerReplies; k++) ctx.reply('ok', 'timer');
          }, 10);
          if (s.outcome === 'fail') throw new FailReply('fail');
          if (s.outcome === 'crash') throw new Error('crash');
          return s.outcome === 'value' ? 'value' : undefined;
        },
      });
    });
    const c = await f.connect();
    let mid = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(scriptArb, { minLength: 1, maxLength: 4 }), async (run) => {
        scripts = run;
        const mids = run.map(() => ++mid);
        for (let i = 0; i < run.length; i++) c.send(`?script[${mids[i]!}] ${i}`);
        const sync = ++mid;
        c.send(`?watchdog[${sync}]`);
        const lines = await collectUntil(c, `!watchdog[${sync}] ok`);
        await clock.advance(10);
        const done = ++mid;
        c.send(`?watchdog[${done}]`);
        lines.push(...(await collectUntil(c, `!watchdog[${done}] ok`)));
        const replies = lines.filter((l) => l.startsWith('!'));
        assert.equal(replies.length, run.length, `one reply per request: ${JSON.stringify(lines)}`);
        run.forEach((script, i) => {
          const mine = replies.filter((l) => l.startsWith(`!script[${mids[i]!}] `));
          assert.equal(mine.length, 1);
          assert.match(mine[0]!, expectedReply(script, mids[i]!), JSON.stringify(script));
        });
      }),
      { numRuns: 60 },
    );
    for (const line of [...f.console.warnings, ...f.console.errors]) assert.match(line, /^katcp server: client 127\.0\.0\.1:\d+: /);
  });
});

/** The lines received before `sentinel` (which is consumed too). */
async function collectUntil(c: RawClient, sentinel: string): Promise<string[]> {
  const out: string[] = [];
  for (let line = await c.nextLine(); line !== sentinel; line = await c.nextLine()) out.push(line);
  return out;
}

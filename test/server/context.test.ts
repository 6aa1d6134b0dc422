// RequestContext's reply state machine against a model: whatever a handler calls, in any
// order, nothing throws, at most one reply goes out, nothing follows it, and every refused call
// is reported exactly once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Message } from '../../lib/codec/message.js';
import { RequestContext } from '../../lib/server/context.js';
import type { Refusal, RequestChannel, RequestObserver } from '../../lib/server/context.js';

/** A channel that keeps what it is given, in order. */
class RecordingChannel implements RequestChannel {
  readonly address = '127.0.0.1:1';
  readonly sent: (Message | Buffer)[] = [];
  send(msg: Message | Buffer): void {
    this.sent.push(msg);
  }
  drain(): Promise<void> {
    return Promise.resolve();
  }
}

/** An observer that counts what the context reports. */
class RecordingObserver implements RequestObserver {
  readonly refusals: Refusal[] = [];
  settledCount = 0;
  beforeReplyCount = 0;
  refused(_ctx: RequestContext, refusal: Refusal): void {
    this.refusals.push(refusal);
  }
  beforeReply(): void {
    this.beforeReplyCount++;
  }
  settled(): void {
    this.settledCount++;
  }
}

type Op =
  | { op: 'reply'; good: boolean }
  | { op: 'inform'; good: boolean }
  | { op: 'informs'; good: boolean; sendReply: boolean }
  | { op: 'replyLater' }
  | { op: 'autoReply' }
  | { op: 'sendRaw'; final: boolean }
  | { op: 'cancel'; reply: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('reply' as const), good: fc.boolean() }),
  fc.record({ op: fc.constant('inform' as const), good: fc.boolean() }),
  fc.record({ op: fc.constant('informs' as const), good: fc.boolean(), sendReply: fc.boolean() }),
  fc.record({ op: fc.constant('replyLater' as const) }),
  fc.record({ op: fc.constant('autoReply' as const) }),
  fc.record({ op: fc.constant('sendRaw' as const), final: fc.boolean() }),
  fc.record({ op: fc.constant('cancel' as const), reply: fc.boolean() }),
);

type ModelState = 'open' | 'later' | 'replied' | 'auto-replied' | 'cancelled';

const BAD = Symbol('unencodable');

function apply(ctx: RequestContext, o: Op): void {
  switch (o.op) {
    case 'reply':
      return ctx.reply('ok', o.good ? 1 : BAD);
    case 'inform':
      return ctx.inform('x', o.good ? 2 : BAD);
    case 'informs':
      ctx.informs([['a'], [o.good ? 'b' : BAD]], { sendReply: o.sendReply });
      return;
    case 'replyLater':
      return ctx.replyLater();
    case 'autoReply':
      return ctx.autoReply(Message.replyTo(ctx.request, 'ok'));
    case 'sendRaw':
      return ctx.sendRaw(o.final ? [Message.informReply(ctx.request, 'raw'), Message.replyTo(ctx.request, 'ok')] : [Message.informReply(ctx.request, 'raw')], o.final);
    case 'cancel':
      return ctx.cancel(new Error('gone'), o.reply);
  }
}

describe('RequestContext - reply state machine (model)', () => {
  it('context - any sequence of calls: no throw, at most one reply, nothing after it, one report per refused call', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), (ops) => {
        const channel = new RecordingChannel();
        const observer = new RecordingObserver();
        const ctx = new RequestContext(Message.request('job', 1), channel, observer);
        let state: ModelState = 'open';
        let aborted = false;
        let replies = 0;
        for (const o of ops) {
          const before = channel.sent.length;
          const refusedBefore = observer.refusals.length;
          const final = state === 'replied' || state === 'auto-replied' || state === 'cancelled';
          assert.doesNotThrow(() => apply(ctx, o));
          const sent = channel.sent.slice(before);
          const newRefusals = observer.refusals.slice(refusedBefore);
          if (o.op === 'cancel') {
            aborted = true;
            if (!final) {
              state = 'cancelled';
              assert.equal(sent.length, o.reply ? 1 : 0);
            } else {
              assert.equal(sent.length, 0);
            }
            assert.equal(newRefusals.length, 0);
          } else if (final) {
            // Refused: nothing sent, one report naming why.
            assert.equal(sent.length, 0, `${o.op} after the reply sent something`);
            if (o.op === 'replyLater' && state === 'later') assert.equal(newRefusals.length, 0);
            else {
              assert.equal(newRefusals.length, 1, `${o.op} in state ${state}`);
              assert.equal(newRefusals[0]!.reason, state);
            }
          } else if (o.op === 'replyLater') {
            state = 'later';
            assert.equal(newRefusals.length, 0);
          } else {
            const bad = (o.op === 'reply' || o.op === 'inform' || o.op === 'informs') && !o.good;
            if (bad) {
              state = 'replied';
              assert.equal(newRefusals.length, 1);
              assert.equal(newRefusals[0]!.reason, 'unencodable');
              assert.equal(sent.length, 1, 'the fail reply only');
              assert.match(String(sent[0]), /^!job fail /);
            } else {
              assert.equal(newRefusals.length, 0);
              if (o.op === 'reply' || (o.op === 'informs' && o.sendReply) || (o.op === 'sendRaw' && o.final)) state = 'replied';
              if (o.op === 'autoReply') state = 'auto-replied';
            }
          }
          for (const m of sent) if (m instanceof Message && m.mtype === '!') replies++;
          // Invariants.
          assert.ok(replies <= 1, 'at most one reply');
          const isFinal: boolean = state === 'replied' || state === 'auto-replied' || state === 'cancelled';
          assert.equal(ctx.replied, isFinal);
          assert.equal(ctx.cancelled, state === 'cancelled');
          assert.equal(ctx.awaitingReply, state === 'later');
          assert.equal(observer.settledCount, isFinal ? 1 : 0, 'settled exactly once, when final');
          assert.equal(ctx.aborted, aborted);
          assert.equal(ctx.signal.aborted, aborted);
          if (isFinal && state !== 'cancelled') {
            const last = channel.sent[channel.sent.length - 1];
            assert.ok(last instanceof Message && last.mtype === '!', 'the reply is the last message');
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('context - a signal first asked for after the cancellation is already aborted, with the reason', () => {
    const ctx = new RequestContext(Message.request('job', 1), new RecordingChannel(), new RecordingObserver());
    const reason = new Error('gone');
    ctx.cancel(reason, false);
    ctx.cancel(new Error('again'), false);
    assert.equal(ctx.aborted, true);
    assert.equal(ctx.signal.aborted, true);
    assert.equal(ctx.signal.reason, reason, 'the first reason stays');
  });

  it('context - a refusal names the request and mid and says what was dropped', () => {
    const observer = new RecordingObserver();
    const ctx = new RequestContext(Message.parse('?pick-fruit[7]'), new RecordingChannel(), observer);
    ctx.autoReply(Message.replyTo(ctx.request, 'ok'));
    ctx.reply('ok', 'apple');
    ctx.inform('late');
    ctx.replyLater();
    assert.deepEqual(
      observer.refusals.map((r) => [r.call, r.reason, r.text]),
      [
        ['reply', 'auto-replied', 'request ?pick-fruit[7] has already been replied to by the server when its handler ended (call ctx.replyLater() to reply after returning); this reply is dropped'],
        ['inform', 'auto-replied', 'request ?pick-fruit[7] has already been replied to by the server when its handler ended (call ctx.replyLater() to reply after returning); this inform is dropped'],
        ['replyLater', 'auto-replied', 'request ?pick-fruit[7] has already been replied to by the server when its handler ended (call ctx.replyLater() to reply after returning); replyLater() has no effect'],
      ],
    );
  });
});

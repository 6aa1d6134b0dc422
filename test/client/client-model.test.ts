/**
 * Model-based test of the client's state machine against a real socket peer: random sequences of
 * banners, requests, replies, timeouts, drops, #disconnect, garbage, heartbeats answered or not,
 * reconnects and close, with the invariants of aiokatcp's ClientStateMachine checked after every
 * step, and m2com's connect-callback guarantee: `connected` and `disconnected` alternate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Client } from '../../lib/client/client.js';
import { ClientState } from '../../lib/client/state.js';
import { ConnectionClosedError, KatcpTimeoutError, PeerTimeoutError } from '../../lib/errors.js';
import { captureLogger } from './fixtures.js';
import { FakePeer } from '../helpers/fake-peer.js';
import type { PeerConnection } from '../helpers/fake-peer.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { until } from '../helpers/wait.js';

type ModelState = 'negotiating' | 'connected' | 'sleeping' | 'closed';
interface Model {
  state: ModelState;
  /** Virtual ms since the client last received anything (or connected), while connected. */
  quiet: number;
}

const HEARTBEAT = { interval: 20_000, timeout: 5_000 };
interface Outstanding {
  mid: number;
  outcome: Promise<unknown>;
}
interface Real {
  client: Client;
  clock: VirtualClock;
  peer: FakePeer;
  conn: PeerConnection;
  outstanding: Outstanding[];
  /** `connected` and `disconnected` events, in order. */
  events: string[];
}

type Cmd = fc.AsyncCommand<Model, Real>;

function settle(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => v,
    (e: unknown) => e,
  );
}

function checkInvariants(m: Model, r: Real): void {
  const { client, clock } = r;
  assert.equal(client.state, m.state);
  assert.equal(client.isConnected, m.state === 'connected');
  // Connected: one timer for every request timeout while any is outstanding (the tracker's
  // DeadlineQueue) plus the heartbeat timer; sleeping: the reconnect wait.
  const expectTimers = m.state === 'connected' ? Math.min(r.outstanding.length, 1) + 1 : m.state === 'sleeping' ? 1 : 0;
  assert.equal(clock.pending, expectTimers, `timers in state ${m.state}`);
  // Never two `connected` (or `disconnected`) in a row, starting with `connected`; the last one
  // tells the state.
  r.events.forEach((e, i) => assert.equal(e, i % 2 === 0 ? 'connected' : 'disconnected', `event ${i}: ${r.events.join(',')}`));
  if (m.state === 'connected') assert.equal(r.events.at(-1), 'connected');
  else if (r.events.length > 0) assert.equal(r.events.at(-1), 'disconnected');
  assert.equal(client.pendingRequests, m.state === 'connected' ? r.outstanding.length : 0);
  if (m.state === 'connected') assert.equal(client.lastError, undefined);
  else if (m.state !== 'negotiating') assert.ok(client.lastError instanceof Error);
}

async function failOutstanding(r: Real, errorClass: new (...a: never[]) => Error): Promise<void> {
  for (const o of r.outstanding.splice(0)) assert.ok((await o.outcome) instanceof errorClass);
}

const banner = (valid: boolean): Cmd => ({
  check: (m) => m.state === 'negotiating',
  async run(m, r) {
    if (valid) {
      r.conn.sendBanner('5.1-MI');
      await r.client.waitConnected();
      m.state = 'connected';
      m.quiet = 0;
    } else {
      r.conn.send('#version-connect katcp-protocol 6.0-MI');
      await r.client.waitClosed();
      m.state = 'closed';
    }
    checkInvariants(m, r);
  },
  toString: () => `banner(${valid})`,
});

const request: Cmd = {
  check: (m) => m.state === 'connected',
  async run(m, r) {
    const outcome = settle(r.client.request('x', { timeout: 5000 }));
    const line = await r.conn.expectLine();
    const match = /^\?x\[(\d+)\]$/.exec(line);
    assert.ok(match, `the client sent only the request, got ${JSON.stringify(line)}`);
    r.outstanding.push({ mid: Number(match[1]), outcome });
    checkInvariants(m, r);
  },
  toString: () => 'request',
};

const reply: Cmd = {
  check: (m) => m.state === 'connected',
  async run(m, r) {
    const o = r.outstanding.shift();
    if (o === undefined) {
      const before = r.client.stats.messagesReceived;
      r.conn.send('!x[424242] ok', '!x ok');
      await until(() => r.client.stats.messagesReceived === before + 2, 'the unknown replies');
    } else {
      r.conn.send(`!x[${o.mid}] ok`);
      assert.deepEqual(await o.outcome, { reply: [], informs: [] });
    }
    m.quiet = 0;
    checkInvariants(m, r);
  },
  toString: () => 'reply',
};

const timeout: Cmd = {
  check: (m) => m.state === 'connected' && m.quiet + 5000 < HEARTBEAT.interval,
  async run(m, r) {
    await r.clock.advance(5000);
    m.quiet += 5000;
    await failOutstanding(r, KatcpTimeoutError);
    checkInvariants(m, r);
  },
  toString: () => 'timeout',
};

const drop: Cmd = {
  check: (m) => m.state === 'connected' || m.state === 'negotiating',
  async run(m, r) {
    r.conn.drop();
    await until(() => r.client.state === ClientState.Sleeping, 'sleeping');
    await failOutstanding(r, ConnectionClosedError);
    m.state = 'sleeping';
    checkInvariants(m, r);
  },
  toString: () => 'drop',
};

const disconnectInform: Cmd = {
  check: (m) => m.state === 'connected',
  async run(m, r) {
    r.conn.send('#disconnect bye');
    await until(() => r.client.state === ClientState.Sleeping, 'sleeping');
    await failOutstanding(r, ConnectionClosedError);
    m.state = 'sleeping';
    checkInvariants(m, r);
  },
  toString: () => '#disconnect',
};

const wake: Cmd = {
  check: (m) => m.state === 'sleeping',
  async run(m, r) {
    await r.clock.advance(1000);
    r.conn = await r.peer.accept();
    await until(() => r.client.state === ClientState.Negotiating, 'negotiating');
    m.state = 'negotiating';
    checkInvariants(m, r);
  },
  toString: () => 'wake',
};

const garbage: Cmd = {
  check: (m) => m.state === 'connected' || m.state === 'negotiating',
  async run(m, r) {
    const before = r.client.stats.messagesReceived;
    r.conn.send('garbage', '#bad[0]', '?server-request', '#async-inform 1');
    await until(() => r.client.stats.messagesReceived === before + 4, 'the garbage');
    m.quiet = 0;
    checkInvariants(m, r);
  },
  toString: () => 'garbage',
};

/** The connection goes quiet until the heartbeat fires; the peer answers the ?watchdog or not. */
const heartbeat = (alive: boolean): Cmd => ({
  check: (m) => m.state === 'connected',
  async run(m, r) {
    if (r.outstanding.length > 0) {
      // Requests would time out first: answer them so only the heartbeat is left.
      for (const o of r.outstanding.splice(0)) {
        r.conn.send(`!x[${o.mid}] ok`);
        await o.outcome;
      }
      m.quiet = 0;
    }
    await r.clock.advance(HEARTBEAT.interval - m.quiet);
    const line = await r.conn.expectLine(/^\?watchdog\[\d+\]$/);
    const mid = /\[(\d+)\]/.exec(line)![1];
    if (alive) {
      r.conn.send(`!watchdog[${mid}] ok`);
      await until(() => r.client.pendingRequests === 0, 'the watchdog reply');
      m.quiet = 0;
    } else {
      await r.clock.advance(HEARTBEAT.timeout);
      await until(() => r.client.state === ClientState.Sleeping, 'sleeping');
      assert.ok(r.client.lastError instanceof PeerTimeoutError);
      m.state = 'sleeping';
    }
    checkInvariants(m, r);
  },
  toString: () => `heartbeat(${alive ? 'answered' : 'silent'})`,
});

const close: Cmd = {
  check: (m) => m.state !== 'closed',
  async run(m, r) {
    const wasConnected = m.state === 'connected' || m.state === 'negotiating';
    await r.client.close();
    await failOutstanding(r, ConnectionClosedError);
    if (wasConnected) await r.conn.closed;
    m.state = 'closed';
    checkInvariants(m, r);
    await assert.rejects(r.client.waitConnected(), ConnectionClosedError);
  },
  toString: () => 'close',
};

test('client model - random command sequences keep the state machine invariants', async () => {
  // Duplicates weight the choice: terminal commands (close, a refused banner) stay rare.
  const weighted: [Cmd, number][] = [
    [banner(true), 4],
    [banner(false), 1],
    [request, 5],
    [reply, 4],
    [timeout, 1],
    [drop, 2],
    [disconnectInform, 1],
    [wake, 4],
    [garbage, 1],
    [heartbeat(true), 1],
    [heartbeat(false), 1],
    [close, 1],
  ];
  const commands = weighted.flatMap(([cmd, n]) => Array.from({ length: n }, () => fc.constant(cmd)));
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: '+2' }), async (cmds) => {
      const peer = await FakePeer.start();
      const clock = new VirtualClock();
      const client = new Client(peer.host, peer.port, { clock, logger: captureLogger(), reconnect: () => 1000, bannerTimeout: Infinity, heartbeat: HEARTBEAT });
      const events: string[] = [];
      client.on('connected', () => events.push('connected'));
      client.on('disconnected', () => events.push('disconnected'));
      try {
        const conn = await peer.accept();
        await until(() => client.state === ClientState.Negotiating, 'negotiating');
        const real: Real = { client, clock, peer, conn, outstanding: [], events };
        const model: Model = { state: 'negotiating', quiet: 0 };
        await fc.asyncModelRun(() => ({ model, real }), cmds);
      } finally {
        await client.close();
        await peer.close();
      }
    }),
    { numRuns: 60 },
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '../../lib/client/client.js';
import { ClientState } from '../../lib/client/state.js';
import { Message } from '../../lib/codec/message.js';
import {
  ConnectionClosedError,
  FailReply,
  InvalidReply,
  KatcpAbortError,
  KatcpTimeoutError,
  NotConnectedError,
} from '../../lib/errors.js';
import { captureLogger, connectedClient } from './fixtures.js';
import { FakePeer } from '../helpers/fake-peer.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { until } from '../helpers/wait.js';

test('client - Client.connect waits for the v5 banner and records flags and versions', async () => {
  const peer = await FakePeer.start();
  const states: string[] = [];
  const connecting = Client.connect(peer.host, peer.port, { clock: new VirtualClock(), logger: captureLogger() });
  const conn = await peer.accept();
  conn.sendBanner('5.1-MIB');
  const client = await connecting;
  client.on('stateChange', (s) => states.push(s));
  assert.equal(client.state, ClientState.Connected);
  assert.equal(client.protocolFlags?.toString(), '5.1-MIB');
  assert.deepEqual(client.versions.get('katcp-library'), ['fake-1.0', 'fake-1.0.0']);
  await client.close();
  assert.deepEqual(states, ['disconnecting', 'closed']);
  await conn.closed;
  await peer.close();
});

test('client - request with mids: escaped arguments out, unescaped reply arguments back', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const p = client.request('echo', 'a b', Buffer.from([0, 0xff]), 5, 1.5, true);
  await conn.expectLine('?echo[1] a\\_b \\0\xff 5 1.5 1');
  conn.send('!echo[1] ok a\\_b \\0\xff');
  const { reply, informs } = await p;
  assert.deepEqual(reply, [Buffer.from('a b'), Buffer.from([0, 0xff])]);
  assert.deepEqual(informs, []);
  const p2 = client.request('echo');
  await conn.expectLine('?echo[2]');
  conn.send('!echo[2] ok');
  await p2;
  await cleanup();
});

test('client - informs with the request mid are collected for that request', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const p = client.request('help');
  await conn.expectLine('?help[1]');
  conn.send('#help[1] help Show\\_help', '#help other-async-inform', '#help[1] halt Halt', '!help[1] ok 2');
  const { reply, informs } = await p;
  assert.deepEqual(reply.map(String), ['2']);
  assert.deepEqual(informs.map(String), ['#help[1] help Show\\_help', '#help[1] halt Halt']);
  await cleanup();
});

test('client - request onInform takes the informs as they arrive and keeps none; a throwing callback is logged', async () => {
  const { conn, client, logger, cleanup } = await connectedClient();
  const seen: string[] = [];
  const p = client.request('help', 'x', {
    onInform: (m: Message) => {
      seen.push(m.toString());
      if (m.arg(0) === 'bad') throw new Error('callback failed');
    },
  });
  await conn.expectLine('?help[1] x');
  conn.send('#help[1] a A');
  await until(() => seen.length === 1, 'the first inform before the reply');
  conn.send('#help[1] bad B', '#help[1] c C', '!help[1] ok 3');
  const { reply, informs } = await p;
  assert.deepEqual(seen, ['#help[1] a A', '#help[1] bad B', '#help[1] c C']);
  assert.deepEqual(informs, []);
  assert.deepEqual(reply.map(String), ['3']);
  assert.ok(logger.lines.some((l) => l.startsWith('error the onInform callback of ?help threw')));
  await cleanup();
});

test('client - fail and invalid replies become FailReply / InvalidReply with the request, reply and caller stack', async () => {
  const { conn, client, cleanup } = await connectedClient();
  async function callerFunctionName(): Promise<unknown> {
    return await client.request('broken', 1);
  }
  const p1 = callerFunctionName().catch((e: unknown) => e);
  await conn.expectLine('?broken[1] 1');
  conn.send('!broken[1] fail it\\_is\\_broken');
  const e1 = await p1;
  assert.ok(e1 instanceof FailReply);
  assert.equal(e1.message, 'it is broken');
  assert.equal(e1.requestName, 'broken');
  assert.equal(e1.reply?.name, 'broken');
  assert.match(e1.stack ?? '', /callerFunctionName/);

  const p2 = client.request('nope').catch((e: unknown) => e);
  await conn.expectLine('?nope[2]');
  conn.send('!nope[2] invalid Unknown\\_request');
  const e2 = await p2;
  assert.ok(e2 instanceof InvalidReply);
  assert.equal(e2.message, 'Unknown request');

  const p3 = client.request('empty').catch((e: unknown) => e);
  await conn.expectLine('?empty[3]');
  conn.send('!empty[3]');
  assert.ok((await p3) instanceof InvalidReply);

  const p4 = client.request('bad').catch((e: unknown) => e);
  await conn.expectLine('?bad[4]');
  conn.send(Buffer.from('!bad[4] fail \xc3\x28\n', 'latin1'));
  const e4 = await p4;
  assert.ok(e4 instanceof FailReply);
  assert.equal(e4.message, '\ufffd(');

  const raw = client.requestRaw('x');
  await conn.expectLine('?x[5]');
  conn.send('!x[5] fail whatever');
  assert.equal((await raw).reply.toString(), '!x[5] fail whatever');
  await cleanup();
});

test('client - without mid support requests go without ids and same-name requests are serialised', async () => {
  const { conn, client, cleanup } = await connectedClient({ banner: '5.0-M' });
  const a = client.request('echo', 'one');
  const b = client.request('echo', 'two');
  const c = client.request('other');
  assert.deepEqual(await conn.expectLines(2), ['?echo one', '?other']);
  conn.send('#echo an\\_inform', '!echo ok one');
  assert.equal(await conn.expectLine(), '?echo two');
  conn.send('!other ok', '!echo ok two');
  assert.deepEqual((await a).informs.map(String), ['#echo an\\_inform']);
  assert.deepEqual((await b).reply.map(String), ['two']);
  await c;
  await cleanup();
});

test('client - a v4 banner (#version / #build-state) means no mids and millisecond timestamps', async () => {
  const peer = await FakePeer.start();
  const client = new Client(peer.host, peer.port, { clock: new VirtualClock(), logger: captureLogger() });
  const conn = await peer.accept();
  conn.send('#version 7.3', '#build-state blah-5.21a3');
  await client.waitConnected();
  const cleanup = async () => {
    await client.close();
    await peer.close();
  };
  assert.equal(client.protocolFlags?.major, 4);
  assert.equal(client.protocolFlags?.messageIds, false);
  const p = client.sensorReading('an.int');
  await conn.expectLine('?sensor-list an.int');
  conn.send('#sensor-list an.int An\\_integer counts integer 0 10', '!sensor-list ok 1');
  await conn.expectLine('?sensor-value an.int');
  conn.send('#sensor-value 1700000000250 1 an.int nominal 3', '!sensor-value ok 1');
  const reading = await p;
  assert.equal(reading.timestamp, 1700000000.25);
  assert.equal(reading.value, 3);
  assert.equal(reading.status, 'nominal');
  await cleanup();
});

test('client - a server that sends no banner is taken as v4 after bannerTimeout', async () => {
  const peer = await FakePeer.start();
  const clock = new VirtualClock();
  const logger = captureLogger();
  const client = new Client(peer.host, peer.port, { clock, logger, bannerTimeout: 3000 });
  const conn = await peer.accept();
  while (client.state !== ClientState.Negotiating) await clock.advance(0);
  await clock.advance(2999);
  assert.equal(client.state, ClientState.Negotiating);
  await clock.advance(1);
  assert.equal(client.state, ClientState.Connected);
  assert.equal(client.protocolFlags?.toString(), '4.0');
  // A late real banner replaces the assumption.
  conn.sendBanner('5.0-MI');
  const p = client.request('watchdog');
  const line = await conn.expectLine();
  assert.ok(line === '?watchdog' || line === '?watchdog[1]');
  conn.send(line.replace('?', '!') + ' ok');
  await p;
  await client.close();
  await peer.close();
});

test('client - preset flags are the protocol from construction on, before any connection (katcp-python test_preset_protocol_flags)', async () => {
  const clock = new VirtualClock();
  const v4 = new Client('127.0.0.1', 1, { clock, logger: captureLogger(), presetFlags: '4.0' });
  assert.equal(v4.protocolFlags?.toString(), '4.0');
  assert.equal(v4.codecContext.protocolMajor, 4);
  const v5 = new Client('127.0.0.1', 1, { clock, logger: captureLogger(), presetFlags: '5.0-I' });
  assert.equal(v5.protocolFlags?.messageIds, true);
  const negotiated = new Client('127.0.0.1', 1, { clock, logger: captureLogger() });
  assert.equal(negotiated.protocolFlags, undefined);
  await Promise.all([v4.close(), v5.close(), negotiated.close()]);
  assert.equal(v4.protocolFlags?.toString(), '4.0');
});

test('client - preset flags skip negotiation; a disagreeing banner is logged and ignored', async () => {
  const peer = await FakePeer.start();
  const logger = captureLogger();
  const client = new Client(peer.host, peer.port, { clock: new VirtualClock(), logger, presetFlags: '4.0' });
  const conn = await peer.accept();
  await client.waitConnected();
  assert.equal(client.protocolFlags?.toString(), '4.0');
  conn.sendBanner('5.0-MI');
  const p = client.request('watchdog');
  await conn.expectLine('?watchdog');
  conn.send('!watchdog ok');
  await p;
  assert.ok(logger.lines.some((l) => l.startsWith('warn ignored protocol banner')));
  assert.equal(client.protocolFlags?.toString(), '4.0');
  await client.close();
  await peer.close();
});

test('client - a different banner after negotiation is logged and the connection kept (katcp-python disconnects for good, scenario 70)', async () => {
  const { conn, client, logger, cleanup } = await connectedClient({ banner: '5.0-MI' });
  const states: string[] = [];
  client.on('stateChange', (s) => states.push(s));
  conn.send('#build-state blah-5.21a3', '#version-connect katcp-protocol 5.1-MIB', '#version-connect katcp-protocol 5.0-MI');
  const p = client.request('watchdog');
  await conn.expectLine('?watchdog[1]');
  conn.send('!watchdog[1] ok');
  await p;
  assert.deepEqual(states, []);
  assert.equal(client.protocolFlags?.toString(), '5.0-MI');
  assert.equal(logger.lines.filter((l) => l.startsWith('warn ignored protocol banner')).length, 2, logger.lines.join('\n'));
  await cleanup();
});

test('client - #version-connect of something other than katcp-protocol is recorded but does not negotiate (scenario 72)', async () => {
  const peer = await FakePeer.start();
  const clock = new VirtualClock();
  const client = new Client(peer.host, peer.port, { clock, logger: captureLogger(), bannerTimeout: Infinity });
  const conn = await peer.accept();
  conn.send('#version-connect not-katcp 5.71a3', '#version-connect katcp-library lib-1.0');
  await until(() => client.versions.has('katcp-library'), 'versions recorded');
  assert.deepEqual(client.versions.get('not-katcp'), ['5.71a3']);
  assert.equal(client.state, ClientState.Negotiating);
  assert.equal(client.protocolFlags, undefined);
  conn.sendBanner('5.0-MI');
  await client.waitConnected();
  await client.close();
  await peer.close();
});

test('client - message ids continue across reconnections (scenario 75)', async () => {
  const { peer, conn, client, clock, cleanup } = await connectedClient({ reconnect: () => 100 });
  for (const mid of [1, 2]) {
    const p = client.request('watchdog');
    await conn.expectLine(`?watchdog[${mid}]`);
    conn.send(`!watchdog[${mid}] ok`);
    await p;
  }
  conn.drop();
  await until(() => client.state === ClientState.Sleeping, 'sleeping');
  await clock.advance(100);
  const conn2 = await peer.acceptWithBanner();
  await client.waitConnected();
  const p = client.request('watchdog');
  await conn2.expectLine('?watchdog[3]');
  conn2.send('!watchdog[3] ok');
  await p;
  await cleanup();
});

for (const version of ['6.0-MI', '3.1', 'notvalid']) {
  test(`client - protocol ${version} is refused with ProtocolVersionError and the client does not retry`, async () => {
    const peer = await FakePeer.start();
    const clock = new VirtualClock();
    const failures: Error[] = [];
    const client = new Client(peer.host, peer.port, { clock, logger: captureLogger() });
    client.on('connectFailed', (e) => failures.push(e));
    const conn = await peer.accept();
    conn.send(`#version-connect katcp-protocol ${version}`);
    await assert.rejects(client.waitConnected(), { name: 'ProtocolVersionError' });
    await conn.closed;
    await client.waitClosed();
    assert.equal(client.state, ClientState.Closed);
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.name, 'ProtocolVersionError');
    assert.equal(clock.pending, 0);
    await clock.advance(120_000);
    assert.equal(peer.connections.length, 1);
    await peer.close();
  });
}

test('client - garbage lines are never answered', async () => {
  const { conn, client, logger, cleanup } = await connectedClient();
  const errors: Error[] = [];
  client.on('syntaxError', (e) => errors.push(e));
  conn.send('garbage', '?', '!', '#', '[12]', '#bad[0]', 'x'.repeat(100), '?bad\\q', '\x00\x01\x02');
  conn.send('?request-from-server', '!unknown[99] ok', '!nomid ok', '#unhandled x');
  const p = client.request('ping');
  assert.equal(await conn.expectLine(), '?ping[1]', 'the first thing the client sends is the request');
  conn.send('!ping[1] ok');
  await p;
  assert.ok(errors.length >= 8);
  assert.ok(logger.lines.some((l) => l.startsWith('info ignored a request from the server')));
  assert.equal(conn.received.length, 1);
  await cleanup();
});

test('client - a disconnect in the middle of a request rejects it with ConnectionClosedError', async () => {
  const { peer, conn, client, cleanup } = await connectedClient({ reconnect: () => 60_000 });
  const disconnected: (Error | undefined)[] = [];
  client.on('disconnected', (cause) => disconnected.push(cause));
  const p = client.request('slow');
  await conn.expectLine('?slow[1]');
  conn.drop();
  await assert.rejects(p, ConnectionClosedError);
  assert.equal(client.state, ClientState.Sleeping);
  assert.equal(disconnected.length, 1);
  await assert.rejects(client.request('x'), NotConnectedError);
  assert.equal(peer.connections.length, 1);
  await cleanup();
});

test('client - #disconnect is surfaced, the client disconnects and pending requests fail', async () => {
  const { conn, client, cleanup } = await connectedClient({ reconnect: () => 60_000 });
  const seen: string[] = [];
  client.on('disconnect', (m) => seen.push(m.toString()));
  client.on('stateChange', (s) => seen.push(s));
  const p = client.request('slow');
  await conn.expectLine('?slow[1]');
  conn.send('#disconnect Server\\_exiting');
  await assert.rejects(p, (e: unknown) => e instanceof ConnectionClosedError && /lost before the reply/.test(e.message));
  await conn.closed;
  while (client.state !== ClientState.Sleeping) await new Promise((r) => setImmediate(r));
  assert.deepEqual(seen, ['#disconnect Server\\_exiting', 'disconnecting', 'sleeping']);
  assert.match(client.lastError?.message ?? '', /server disconnected: Server exiting/);
  await cleanup();
});

test('client - a v4 protocol in #version-connect (C library 4.9) is accepted without v5 flags', async () => {
  const { conn, client, cleanup } = await connectedClient({ banner: '4.9-MIB' });
  assert.equal(client.protocolFlags?.toString(), '4.9-M');
  assert.equal(client.codecContext.protocolMajor, 4);
  const p = client.request('watchdog');
  await conn.expectLine('?watchdog');
  conn.send('!watchdog ok');
  await p;
  await cleanup();
});

test('client - errors raised by timers carry the stack of the code that made the request', async () => {
  const { conn, client, clock, cleanup } = await connectedClient({ requestTimeout: 100 });
  async function issuingFunctionName(): Promise<unknown> {
    return await client.request('slow');
  }
  const p = issuingFunctionName().catch((e: unknown) => e);
  await conn.expectLine('?slow[1]');
  await clock.advance(100);
  const err = (await p) as Error;
  assert.ok(err instanceof KatcpTimeoutError);
  assert.match(err.stack ?? '', /request issued at[\s\S]*issuingFunctionName/);
  await cleanup();
});

test('client - Client.connect honours an abort signal and closes the client', async () => {
  const peer = await FakePeer.start();
  const clock = new VirtualClock();
  const ac = new AbortController();
  const p = Client.connect(peer.host, peer.port, { clock, logger: captureLogger(), signal: ac.signal });
  const conn = await peer.accept();
  ac.abort();
  await assert.rejects(p, KatcpAbortError);
  await conn.closed;
  assert.equal(clock.pending, 0);
  await peer.close();
});

test('client - a timed-out request is removed and its late reply ignored', async () => {
  const { conn, client, clock, cleanup } = await connectedClient({ requestTimeout: 1000 });
  const p = client.request('slow');
  await conn.expectLine('?slow[1]');
  const rejected = assert.rejects(p, KatcpTimeoutError);
  await clock.advance(1000);
  await rejected;
  assert.equal(client.pendingRequests, 0);
  conn.send('!slow[1] ok late');
  const q = client.request('slow', { timeout: 5000 });
  await conn.expectLine('?slow[2]');
  conn.send('!slow[2] ok mine');
  assert.deepEqual((await q).reply.map(String), ['mine']);
  assert.equal(clock.pending, 0);
  await cleanup();
});

test('client - an aborted request is removed; an already-aborted signal sends nothing', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const ac = new AbortController();
  const p = client.request('slow', { signal: ac.signal });
  await conn.expectLine('?slow[1]');
  ac.abort();
  await assert.rejects(p, KatcpAbortError);
  await assert.rejects(client.request('x', { signal: AbortSignal.abort() }), KatcpAbortError);
  const q = client.request('next');
  await conn.expectLine('?next[2]');
  conn.send('!slow[1] ok', '!next[2] ok');
  await q;
  await cleanup();
});

test('client - the server offers T: timeout hints are fetched before connected and seed request timeouts', async () => {
  const peer = await FakePeer.start();
  const clock = new VirtualClock();
  const client = new Client(peer.host, peer.port, { clock, logger: captureLogger(), requestTimeout: 1000, timeoutHintMargin: 500 });
  const conn = await peer.accept();
  conn.sendBanner('5.1-MIT');
  await conn.expectLine('?request-timeout-hint[1]');
  assert.equal(client.state, ClientState.Negotiating);
  conn.send('#request-timeout-hint[1] slow 20.5', '#request-timeout-hint[1] quick 0', '!request-timeout-hint[1] ok 2');
  await client.waitConnected();
  assert.deepEqual([...client.timeoutHints], [['slow', 20.5]]);
  const slow = client.request('slow');
  const quick = client.request('quick');
  await conn.expectLines(2);
  const quickFailed = assert.rejects(quick, KatcpTimeoutError);
  await clock.advance(1000);
  await quickFailed;
  await clock.advance(19_999); // 20.5 s hint + 0.5 s margin = 21 s in all
  conn.send('!slow[2] ok');
  await slow;
  assert.equal(clock.pending, 0);
  await client.close();
  await peer.close();
});

test('client - a failing ?request-timeout-hint still connects', async () => {
  const peer = await FakePeer.start();
  const logger = captureLogger();
  const client = new Client(peer.host, peer.port, { clock: new VirtualClock(), logger });
  const conn = await peer.accept();
  conn.sendBanner('5.1-MIT');
  await conn.expectLine('?request-timeout-hint[1]');
  conn.send('!request-timeout-hint[1] fail nope');
  await client.waitConnected();
  assert.ok(logger.lines.some((l) => l.includes('request-timeout-hint failed')));
  await client.close();
  await peer.close();
});

test('client - callbackRequest streams informs and reports failures as fail replies', async () => {
  const { conn, client, clock, cleanup } = await connectedClient();
  const got: string[] = [];
  client.callbackRequest(Message.request('help'), {
    onInform: (m) => got.push(m.toString()),
    onReply: (m, informs) => got.push(`${m.toString()} (${informs.length})`),
  });
  await conn.expectLine('?help[1]');
  conn.send('#help[1] a', '#help[1] b', '!help[1] ok 2');
  while (got.length < 3) await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, ['#help[1] a', '#help[1] b', '!help[1] ok 2 (0)']);

  let timedOut: Message | undefined;
  client.callbackRequest(Message.request('slow'), { timeout: 500, onReply: (m) => (timedOut = m) });
  await conn.expectLine('?slow[2]');
  await clock.advance(500);
  assert.match(timedOut?.toString() ?? '', /^!slow fail request\\_\?slow\\_timed\\_out/);
  await cleanup();

  let closed: Message | undefined;
  client.callbackRequest(Message.request('after'), { onReply: (m) => (closed = m) });
  await new Promise((r) => setImmediate(r));
  assert.match(closed?.toString() ?? '', /^!after fail .*not\\_connected/);
});

test('client - inform handlers, async iterators, unhandled informs and built-in events', async () => {
  const { conn, client, logger, cleanup } = await connectedClient();
  const handled: string[] = [];
  const unhandled: string[] = [];
  const events: string[] = [];
  const off = client.addInformHandler('foo', (m) => handled.push(`1 ${m.arg(0)}`));
  client.addInformHandler('foo', () => {
    throw new Error('handler bug');
  });
  client.addInformHandler('foo', (m) => handled.push(`3 ${m.arg(0)}`));
  client.on('unhandledInform', (m) => unhandled.push(m.name));
  client.on('log', (m) => events.push(`log ${m.arg(0)}`));
  client.on('interfaceChanged', (m) => events.push(`ic ${m.arg(0)}`));
  client.on('deviceChanged', () => events.push('dc'));
  const stream = client.informs('bar');
  conn.send('#foo one', '#bar 1', '#unknown x', '#log info 123.0 dev hello', '#interface-changed sensor-list', '#device-changed', '#bar 2');
  assert.equal((await stream.next()).value?.arg(0), '1');
  assert.equal((await stream.next()).value?.arg(0), '2');
  off();
  conn.send('#foo two', '#bar 3');
  assert.equal((await stream.next()).value?.arg(0), '3');
  assert.deepEqual(handled, ['1 one', '3 one', '3 two']);
  assert.deepEqual(unhandled, ['unknown']);
  assert.deepEqual(events, ['log info', 'ic sensor-list', 'dc']);
  assert.ok(logger.lines.some((l) => l.startsWith('error an inform handler for #foo threw')));
  await cleanup();
  assert.deepEqual(await stream.next(), { value: undefined, done: true });
});

test('client - a handler added twice for a name is called once per inform (katcp-python hook_inform, scenario 25)', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const calls: string[] = [];
  const hook = (m: Message): void => void calls.push(m.toString());
  const off1 = client.addInformHandler('help', hook);
  const off2 = client.addInformHandler('help', hook);
  const other = client.addInformHandler('sensor-list', hook);
  client.addInformHandler('sensor-list', hook);
  conn.send('#help watchdog Check', '#sensor-list an.int An\\_int count integer');
  const p = client.request('ping');
  await conn.expectLine('?ping[1]');
  conn.send('!ping[1] ok');
  await p;
  assert.deepEqual(calls, ['#help watchdog Check', '#sensor-list an.int An\\_int count integer']);
  // Either unsubscribe function removes the (single) registration; the other is then a no-op.
  off1();
  off2();
  other();
  conn.send('#help again', '#sensor-list again');
  const q = client.request('ping');
  await conn.expectLine('?ping[2]');
  conn.send('!ping[2] ok');
  await q;
  assert.equal(calls.length, 2);
  await cleanup();
});

test('client - sensorReading lists once, decodes by type, and sensorValue checks the status', async () => {
  const { conn, client, cleanup } = await connectedClient();
  const r1 = client.sensorReading<number>('temp');
  await conn.expectLine('?sensor-list[1] temp');
  conn.send('#sensor-list[1] temp Temperature degC float', '!sensor-list[1] ok 1');
  await conn.expectLine('?sensor-value[2] temp');
  conn.send('#sensor-value[2] 1234.5 1 temp warn 3.25', '!sensor-value[2] ok 1');
  assert.deepEqual({ ...(await r1) }, { timestamp: 1234.5, status: 'warn', value: 3.25 });

  const v2 = client.sensorValue<number>('temp');
  await conn.expectLine('?sensor-value[3] temp');
  conn.send('#sensor-value[3] 1234.5 1 temp unknown 3.25', '!sensor-value[3] ok 1');
  await assert.rejects(v2, { code: 'KATCP_ERR_INVALID_STATUS' });

  const r3 = client.sensorReading('dev', { type: 'bytes' });
  await conn.expectLine('?sensor-value[4] dev');
  conn.send('#sensor-value[4] 1 1 dev nominal \xff', '!sensor-value[4] ok 1');
  assert.deepEqual((await r3).value, Buffer.from([0xff]));

  const r4 = client.sensorReading('missing');
  await conn.expectLine('?sensor-list[5] missing');
  conn.send('!sensor-list[5] fail Unknown\\_sensor');
  await assert.rejects(r4, FailReply);

  const r5 = client.sensorReading('many', { type: 'integer' });
  await conn.expectLine('?sensor-value[6] many');
  conn.send('#sensor-value[6] 1 1 a nominal 1', '#sensor-value[6] 1 1 b nominal 2', '!sensor-value[6] ok 2');
  await assert.rejects(r5, /server returned 2 sensors/);
  await cleanup();
});

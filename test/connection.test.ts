import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { Server, Socket } from 'node:net';
import { once } from 'node:events';
import { Connection } from '../lib/connection.js';
import type { ConnectionOptions, ConnectionOwner } from '../lib/connection.js';
import { Message } from '../lib/codec/message.js';
import { ConnectionClosedError } from '../lib/errors.js';
import type { KatcpSyntaxError } from '../lib/errors.js';
import { tick } from './helpers/wait.js';
import { TrafficStats } from '../lib/util/traffic-stats.js';
import { VirtualClock } from './helpers/virtual-clock.js';

/** An owner that records everything, in order. */
class Recorder implements ConnectionOwner {
  events: string[] = [];
  messages: Message[] = [];
  errors: KatcpSyntaxError[] = [];
  closeErrors: (Error | undefined)[] = [];
  backlogs: number[] = [];
  handlerErrors: unknown[] = [];
  #waiters: (() => void)[] = [];
  onMessageHook: ((conn: Connection, msg: Message) => void) | undefined;

  onMessage(conn: Connection, msg: Message): void {
    this.messages.push(msg);
    this.events.push(`msg ${msg.toString()}`);
    this.onMessageHook?.(conn, msg);
    this.#wake();
  }
  onSyntaxError(_conn: Connection, err: KatcpSyntaxError): void {
    this.errors.push(err);
    this.events.push(`error ${err.kind}`);
    this.#wake();
  }
  onClose(_conn: Connection, err?: Error): void {
    this.closeErrors.push(err);
    this.events.push('close');
    this.#wake();
  }
  onBacklogExceeded(_conn: Connection, backlog: number): void {
    this.backlogs.push(backlog);
    this.#wake();
  }
  onHandlerError(_conn: Connection, err: unknown): void {
    this.handlerErrors.push(err);
  }
  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
  /** Resolves once `cond()` holds (re-checked after every recorded event). */
  async until(cond: () => boolean): Promise<void> {
    while (!cond()) await new Promise<void>((r) => this.#waiters.push(r));
  }
}

/** The raw peer: a plain socket that collects what it receives. */
class Peer {
  received = Buffer.alloc(0);
  ended = false;
  #waiters: (() => void)[] = [];
  readonly socket: Socket;
  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      this.#wake();
    });
    socket.on('end', () => {
      this.ended = true;
      this.#wake();
    });
    socket.on('close', () => {
      this.ended = true;
      this.#wake();
    });
    socket.on('error', () => undefined);
  }
  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
  async until(cond: () => boolean): Promise<void> {
    while (!cond()) await new Promise<void>((r) => this.#waiters.push(r));
  }
  text(): string {
    return this.received.toString('latin1');
  }
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/**
 * A connected loopback socket pair on 127.0.0.1: `sock` is the accepted side, `client` the
 * connecting one. Both sockets and the server are closed after the test.
 */
async function socketPair(): Promise<{ server: Server; client: Socket; sock: Socket }> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(addr.port, '127.0.0.1');
  const [[sock]] = await Promise.all([accepted, once(client, 'connect')]);
  cleanups.push(async () => {
    client.destroy();
    sock.destroy();
    server.close();
    await once(server, 'close');
  });
  return { server, client, sock };
}

/** A Connection on the accepting side of a loopback socket pair, and the raw peer. */
/** Count the calls to `socket.write` from now on. */
function countWrites(socket: Socket): { readonly count: number } {
  const counter = { count: 0 };
  const orig = socket.write.bind(socket);
  socket.write = ((...args: Parameters<Socket['write']>) => {
    counter.count++;
    return orig(...args);
  }) as Socket['write'];
  return counter;
}

async function pair(opts?: ConnectionOptions): Promise<{ conn: Connection; owner: Recorder; peer: Peer; server: Server; sock: Socket }> {
  const { server, client, sock } = await socketPair();
  const owner = new Recorder();
  const conn = new Connection(sock, owner, opts);
  const peer = new Peer(client);
  cleanups.push(async () => {
    conn.abort();
    await conn.closed;
  });
  return { conn, owner, peer, server, sock };
}

describe('connection', () => {
  it('connection - writes a message in wire form', async () => {
    const { conn, peer } = await pair();
    assert.equal(conn.write(Message.reply('ok').withMid(1)), true);
    await peer.until(() => peer.text() === '!ok[1]\n');
  });

  it('connection - counts lines and bytes read and written into the shared stats', async () => {
    const stats = new TrafficStats(new VirtualClock());
    const { conn, owner, peer } = await pair({ stats });
    conn.write(Message.request('a'));
    conn.writeMany([Message.request('b'), Message.request('c', 'x')]);
    await peer.until(() => peer.text() === '?a\n?b\n?c x\n');
    assert.deepEqual([stats.messagesSent, stats.bytesSent], [3, 11]);
    // Lines that do not parse are received messages too; a partial line is counted in bytes only.
    peer.socket.write('#x 1\ngarbage\n#y');
    await owner.until(() => owner.events.length === 2);
    assert.deepEqual([stats.messagesReceived, stats.bytesReceived], [2, 15]);
    assert.equal(conn.write(Message.inform('z')), true);
    await conn.close();
    assert.equal(conn.write(Message.inform('dropped')), false);
    assert.equal(stats.messagesSent, 4, 'dropped writes are not counted');
  });

  it('connection - reports the peer as host:port', async () => {
    const { conn, peer } = await pair();
    assert.equal(conn.remoteAddress, `127.0.0.1:${peer.socket.localPort}`);
  });

  it('connection - delivers a message split into one-byte writes', async () => {
    const { owner, peer } = await pair();
    peer.socket.setNoDelay(true);
    const wire = '?watch\\_dog[2] a\\_b \\@ c\r\n\t \n#x\n';
    for (const byte of Buffer.from(wire)) {
      peer.socket.write(Buffer.of(byte));
      await tick();
    }
    await owner.until(() => owner.messages.length === 1);
    assert.deepEqual(owner.events, ['error bad-name', 'msg #x']);
  });

  it('connection - frames messages across chunk boundaries', async () => {
    const { owner, peer } = await pair();
    peer.socket.setNoDelay(true);
    const parts = ['?watch', 'dog[2] a\\', '_b\r', '\n#log info 1.5 x y\\', '_z\n', '!ok\r'];
    for (const p of parts) {
      peer.socket.write(p);
      await tick();
    }
    await owner.until(() => owner.messages.length === 3);
    assert.deepEqual(
      owner.messages.map((m) => m.toString()),
      ['?watchdog[2] a\\_b', '#log info 1.5 x y\\_z', '!ok'],
    );
    assert.deepEqual(owner.errors, []);
  });

  it('connection - reports an overlong line once and recovers at the next line', async () => {
    const { owner, peer } = await pair({ maxLineLength: 25 });
    peer.socket.write('?foo a_string_that_doesnt_fit_in_the_buffer\n?foo short_string\n');
    await owner.until(() => owner.messages.length === 1);
    assert.deepEqual(owner.events, ['error line-too-long', 'msg ?foo short_string']);
    assert.equal(owner.errors[0]!.position, 26);
  });

  it('connection - discards a huge line without buffering it and carries on', async () => {
    const { owner, peer } = await pair({ maxLineLength: 1000 });
    const big = Buffer.alloc(3_000_000, 0x61);
    peer.socket.write('#a 1\n#b ');
    peer.socket.write(big);
    peer.socket.write('\n#c 3\n');
    await owner.until(() => owner.messages.length === 2);
    assert.deepEqual(owner.events, ['msg #a 1', 'error line-too-long', 'msg #c 3']);
    assert.ok(owner.errors[0]!.raw.length <= 1024);
  });

  it('connection - delivers syntax errors in stream order between messages', async () => {
    const { owner, peer } = await pair();
    peer.socket.write('#a\nmalformed\n?b[0]\n#c \\q\n#d\n');
    await owner.until(() => owner.messages.length === 2 && owner.errors.length === 3);
    assert.deepEqual(owner.events, ['msg #a', 'error bad-type', 'error bad-mid', 'error invalid-escape', 'msg #d']);
  });

  it('connection - lenient mode accepts what C-library devices send', async () => {
    const { owner, peer } = await pair({ lenient: true });
    peer.socket.write(Buffer.from('junk#fpga loaded\\x \x00\xff\n', 'latin1'));
    await owner.until(() => owner.messages.length === 1);
    assert.deepEqual(owner.messages[0]!.arguments, [Buffer.from('loadedx'), Buffer.from([0, 0xff])]);
  });

  it('connection - peer closing mid-line reports the partial line, then closes cleanly', async () => {
    const { conn, owner, peer } = await pair();
    peer.socket.end('#done\n?foo nonewline');
    await conn.closed;
    assert.deepEqual(owner.events, ['msg #done', 'error no-newline', 'close']);
    assert.deepEqual(owner.closeErrors, [undefined]);
    assert.equal(owner.errors[0]!.raw.toString(), '?foo nonewline');
  });

  it('connection - pipelined requests are all delivered before the peer end closes it', async () => {
    const { conn, owner, peer } = await pair();
    let wroteAfterEnd: boolean | undefined;
    owner.onMessageHook = (c, msg) => {
      if (msg.name === 'c') wroteAfterEnd = c.write(Message.replyTo(msg, 'ok'));
    };
    peer.socket.end('?a\n?b\n?c\n');
    await conn.closed;
    assert.deepEqual(owner.events, ['msg ?a', 'msg ?b', 'msg ?c', 'close']);
    // Data is delivered before the end of stream, so the reply to ?c still goes out; after the
    // end the connection closes its side too and cannot send any more.
    assert.equal(wroteAfterEnd, true);
    assert.equal(conn.isClosed, true);
    assert.equal(conn.write(Message.inform('late')), false);
    await peer.until(() => peer.ended);
    assert.equal(peer.text(), '!c ok\n');
  });

  it('connection - close() flushes pending writes, ends, and resolves once closed', async () => {
    const { conn, owner, peer } = await pair();
    const big = Buffer.alloc(2_000_000, 0x62);
    peer.socket.pause();
    conn.write(Message.inform('big', big));
    conn.write(Message.inform('last'));
    assert.equal(conn.isClosed, false);
    const closing = conn.close();
    assert.equal(conn.isClosed, true);
    assert.equal(conn.write(Message.inform('after')), false);
    peer.socket.resume();
    await closing;
    await peer.until(() => peer.ended);
    assert.equal(peer.text(), `#big ${big.toString('latin1')}\n#last\n`);
    assert.deepEqual(owner.events, ['close']);
    assert.deepEqual(owner.closeErrors, [undefined]);
    await conn.close();
    conn.abort();
    assert.deepEqual(owner.events, ['close']);
  });

  it('connection - abort() drops unsent data and passes its error to onClose exactly once', async () => {
    const { conn, owner, peer } = await pair();
    peer.socket.pause();
    conn.write(Message.inform('big', Buffer.alloc(8_000_000, 0x63)));
    assert.ok(conn.backlog > 0);
    const draining = conn.drain();
    const reason = new Error('too slow');
    conn.abort(reason);
    assert.equal(conn.isClosed, true);
    await assert.rejects(draining, ConnectionClosedError);
    await conn.closed;
    conn.abort(new Error('again'));
    await conn.close();
    assert.deepEqual(owner.closeErrors, [reason]);
    assert.equal(conn.write(Message.inform('x')), false);
    assert.equal(conn.writeMany([Message.inform('x')]), false);
    await assert.rejects(conn.drain(), ConnectionClosedError);
    peer.socket.resume();
    await peer.until(() => peer.ended);
    assert.ok(peer.received.length < 8_000_000);
  });

  it('connection - a peer reset closes it with the socket error; closed resolves after onClose', async () => {
    const { conn, owner, peer } = await pair();
    peer.socket.resetAndDestroy();
    await conn.closed;
    // onClose runs before closed resolves, so the event is already recorded here.
    assert.deepEqual(owner.events, ['close']);
    const err: NodeJS.ErrnoException | undefined = owner.closeErrors[0];
    assert.equal(err?.code, 'ECONNRESET');
    assert.equal(conn.isClosed, true);
  });

  it('connection - back-pressure: drain() waits until the peer reads', async () => {
    const { conn, peer } = await pair();
    peer.socket.pause();
    const chunk = Message.inform('fill', Buffer.alloc(1_000_000, 0x66));
    let sent = 0;
    // The kernel buffers take some megabytes first; write until bytes queue up on our side.
    while (conn.backlog === 0) {
      conn.write(chunk);
      sent++;
      await tick();
    }
    let drained = false;
    const draining = conn.drain().then(() => {
      drained = true;
    });
    for (let i = 0; i < 5; i++) await tick();
    assert.equal(drained, false, 'nothing drains while the peer does not read');
    peer.socket.resume();
    await draining;
    await peer.until(() => peer.received.length === sent * chunk.toBytes().length);
  });

  it('connection - a 1 MB inform arrives intact', async () => {
    const { conn, peer } = await pair();
    const payload = Buffer.alloc(1_000_000);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 256;
    conn.write(Message.inform('blob', payload));
    await conn.drain();
    await peer.until(() => peer.received.at(-1) === 0x0a);
    const msg = Message.parse(peer.received);
    assert.ok(msg.arguments[0]!.equals(payload));
  });

  it('connection - drain() resolves at once when nothing is queued', async () => {
    const { conn } = await pair();
    conn.write(Message.inform('small'));
    await conn.drain();
  });

  it('connection - onBacklogExceeded fires once per excursion above maxBacklog', async () => {
    const { conn, owner, peer } = await pair({ maxBacklog: 1_000_000 });
    peer.socket.pause();
    const chunk = Message.inform('x', Buffer.alloc(600_000, 0x78));
    // The operating system takes some bytes itself; write until our own queue passes the limit.
    while (owner.backlogs.length === 0) {
      conn.write(chunk);
      if (conn.backlog <= 1_000_000) await tick();
    }
    assert.ok(owner.backlogs[0]! > 1_000_000);
    conn.write(chunk);
    conn.writeMany([chunk, chunk]);
    assert.equal(owner.backlogs.length, 1, 'still the same excursion');
    const queued = conn.backlog;
    peer.socket.resume();
    await conn.drain();
    await peer.until(() => conn.backlog === 0);
    peer.socket.pause();
    while (owner.backlogs.length === 1) {
      conn.write(chunk);
      if (conn.backlog <= 1_000_000) await tick();
    }
    assert.equal(owner.backlogs.length, 2);
    assert.ok(queued > 1_000_000);
  });

  it('connection - writeMany sends a batch as one socket write', async () => {
    const { conn, peer, sock: socket } = await pair();
    const writes = countWrites(socket);
    const req = Message.parse('?sensor-list[7]');
    assert.equal(conn.writeMany([Message.informReply(req, 'a', 'b c'), Message.informReply(req, 'd'), Message.replyTo(req, 'ok', 2)]), true);
    assert.equal(conn.writeMany([]), true);
    assert.equal(writes.count, 1);
    await peer.until(() => peer.text().endsWith('!sensor-list[7] ok 2\n'));
    assert.equal(peer.text(), '#sensor-list[7] a b\\_c\n#sensor-list[7] d\n!sensor-list[7] ok 2\n');
  });

  it('connection - send() writes what is sent in one tick, including from promise continuations, as one socket write', async () => {
    const { conn, peer, sock: socket } = await pair();
    const writes = countWrites(socket);
    conn.send(Message.request('a'));
    void Promise.resolve().then(() => conn.send(Message.request('b', 1)));
    assert.equal(writes.count, 0, 'nothing is written synchronously');
    await peer.until(() => peer.text() === '?a\n?b 1\n');
    assert.equal(writes.count, 1);
    conn.send(Message.request('c'));
    void conn.close();
    await conn.closed;
    assert.equal(peer.text(), '?a\n?b 1\n', 'what is queued when the connection starts closing is dropped');
  });

  it('connection - pause() holds messages, resume() delivers them in order', async () => {
    const { conn, owner, peer } = await pair();
    owner.onMessageHook = (c, msg) => {
      if (msg.name === 'first') c.pause();
    };
    peer.socket.write('?first\n?second\n?third\n');
    await owner.until(() => owner.messages.length >= 1);
    // Give the remaining messages every chance to be (wrongly) delivered.
    for (let i = 0; i < 5; i++) await tick();
    assert.deepEqual(owner.events, ['msg ?first']);
    peer.socket.write('?fourth\n');
    for (let i = 0; i < 5; i++) await tick();
    assert.deepEqual(owner.events, ['msg ?first']);
    conn.resume();
    await owner.until(() => owner.messages.length === 4);
    assert.deepEqual(owner.events, ['msg ?first', 'msg ?second', 'msg ?third', 'msg ?fourth']);
  });

  it('connection - an owner callback that throws does not stop delivery', async () => {
    const { conn, owner, peer } = await pair();
    owner.onMessageHook = (_c, msg) => {
      if (msg.name === 'boom') throw new Error('handler failed');
    };
    peer.socket.write('?boom\n?after\n');
    await owner.until(() => owner.messages.length === 2);
    assert.equal(owner.handlerErrors.length, 1);
    assert.equal((owner.handlerErrors[0] as Error).message, 'handler failed');
    assert.equal(conn.isClosed, false);
  });

  it('connection - without onHandlerError a throwing owner is reported as a warning', async () => {
    const { client, sock } = await socketPair();
    let closes = 0;
    const conn = new Connection(sock, {
      onMessage() {
        throw new Error('owner bug');
      },
      onSyntaxError() {},
      onClose() {
        closes++;
      },
    });
    const warned = once(process, 'warning') as Promise<[Error]>;
    client.write('#x\n');
    const [warning] = await warned;
    assert.match(warning.message, /owner bug/);
    client.destroy();
    await conn.closed;
    assert.equal(closes, 1);
  });

  it('connection - works over any Duplex stream', async () => {
    const { Duplex } = await import('node:stream');
    const sent: Buffer[] = [];
    const stream = new Duplex({
      read() {},
      write(chunk: Buffer, _enc, cb) {
        sent.push(chunk);
        cb();
      },
    });
    const owner = new Recorder();
    const conn = new Connection(stream, owner);
    assert.equal(conn.remoteAddress, '');
    stream.push('?hel');
    stream.push('lo a\n');
    await owner.until(() => owner.messages.length === 1);
    conn.write(Message.replyTo(owner.messages[0]!, 'ok'));
    stream.push(null);
    await conn.closed;
    assert.equal(Buffer.concat(sent).toString(), '!hello ok\n');
    assert.deepEqual(owner.events, ['msg ?hello a', 'close']);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DeviceServer } from '../../lib/server/device-server.js';
import { FailReply, InvalidReply } from '../../lib/errors.js';
import { deferred } from '../../lib/util/deferred.js';
import { VirtualClock } from '../helpers/virtual-clock.js';
import { startServer } from './fixture.js';

function addUserRequests(server: DeviceServer): void {
  server.addRequest({
    name: 'double',
    description: 'Double a number.\nThe scale defaults to 2.',
    params: [
      { type: 'float', name: 'number' },
      { type: 'float', name: 'scale', default: 2 },
    ],
    returns: ['float'],
    handler: (_ctx, n, scale) => n * scale,
  });
  server.addRequest({
    name: 'echo',
    description: 'Return the arguments.',
    params: [{ type: 'bytes', name: 'args', rest: true }],
    handler: (_ctx, ...args) => args,
  });
}

describe('?help', () => {
  it('help - lists every request sorted by name with its summary, then the count', async (t) => {
    const f = await startServer(t, {}, addUserRequests);
    const c = await f.connect();
    c.send('?help[1]');
    const lines = await c.expectLines(Array.from({ length: 14 }, () => /^#help\[1\] /));
    const names = lines.map((l) => l.split(' ')[1]!);
    assert.deepEqual(names, [...names].sort());
    assert.ok(lines.includes('#help[1] double Double\\_a\\_number.'));
    assert.ok(lines.includes('#help[1] watchdog Check\\_that\\_the\\_server\\_is\\_still\\_alive.'));
    await c.expect('!help[1] ok 14');
  });

  it('help - with a name gives the full description; an unknown name fails', async (t) => {
    const f = await startServer(t, {}, addUserRequests);
    const c = await f.connect();
    await c.request('?help[7] double', ['#help[7] double Double\\_a\\_number.\\nThe\\_scale\\_defaults\\_to\\_2.', '!help[7] ok 1']);
    // "Unknown request" is what katcp-python's inspecting client tolerates for a named lookup
    // (aiokatcp's "request x is not known" makes it raise SyncError).
    await c.request('?help nosuch', ["!help fail Unknown\\_request\\_'nosuch'"]);
  });
});

describe('standard requests', () => {
  it('watchdog - replies ok, with and without a mid', async (t) => {
    const f = await startServer(t);
    const c = await f.connect();
    await c.request('?watchdog', ['!watchdog ok']);
    await c.request('?watchdog[3]', ['!watchdog[3] ok']);
  });

  it('version-list - repeats the #version-connect rows as reply informs', async (t) => {
    const f = await startServer(t);
    const c = await f.connect();
    await c.request('?version-list[10]', [
      '#version-list[10] katcp-protocol 5.1-MIBT',
      /^#version-list\[10\] katcp-library katcp-ts-\d+\.\d+ katcp-ts-[\d.]+$/,
      '#version-list[10] katcp-device test-1.0 test-1.0.1',
      '!version-list[10] ok 3',
    ]);
  });

  it('version-list - a device without a build state sends two fields', async (t) => {
    const f = await startServer(t, { version: 'bare-1.0', buildState: '' });
    const c = await f.connect({ greeting: false });
    await c.expectLines([/^#version-connect katcp-protocol/, /^#version-connect katcp-library/, '#version-connect katcp-device bare-1.0']);
  });

  it('client-list - one inform per client, the caller included', async (t) => {
    const f = await startServer(t);
    const a = await f.connect();
    const b = await f.connect();
    await a.expect(/^#client-connected/);
    a.send('?client-list[3]');
    const lines = await a.expectLines([/^#client-list\[3\] /, /^#client-list\[3\] /, '!client-list[3] ok 2']);
    assert.deepEqual(lines.slice(0, 2).map((l) => l.split(' ')[1]).sort(), [a.localAddress, b.localAddress].sort());
  });

  it('log-level - reports warn by default, sets any level (trace too), refuses junk', async (t) => {
    const f = await startServer(t);
    const c = await f.connect();
    await c.request('?log-level', ['!log-level ok warn']);
    await c.request('?log-level[4] debug', ['!log-level[4] ok debug']);
    // aiokatcp refuses trace (it aliases it to all); the KATCP spec lists it as a level.
    await c.request('?log-level trace', ['!log-level ok trace']);
    await c.request('?log-level loud', [/^!log-level fail b'loud'\\_is\\_not\\_a\\_valid\\_log\\_level/]);
    assert.equal(f.server.logLevel, 'trace');
  });

  it('request-timeout-hint - lists requests with hints; a named request reports 0.0 without one', async (t) => {
    const f = await startServer(t, {}, (server) => {
      addUserRequests(server);
      server.addRequest({ name: 'very-slow', description: 'Slow.', timeoutHint: 500, handler: () => undefined });
      server.addRequest({ name: 'a-bit-slow', description: 'Slowish.', timeoutHint: 7.5, handler: () => undefined });
    });
    const c = await f.connect();
    await c.request('?request-timeout-hint[2]', [
      '#request-timeout-hint[2] a-bit-slow 7.5',
      '#request-timeout-hint[2] very-slow 500.0',
      '!request-timeout-hint[2] ok 2',
    ]);
    await c.request('?request-timeout-hint double', ['#request-timeout-hint double 0.0', '!request-timeout-hint ok 1']);
    await c.request('?request-timeout-hint nosuch', ["!request-timeout-hint fail Unknown\\_request\\_'nosuch'"]);
  });

  it('restart - fails without a hook; with one replies ok and then runs it', async (t) => {
    const plain = await startServer(t);
    const c = await plain.connect();
    await c.request('?restart', ['!restart fail restart\\_is\\_not\\_supported\\_by\\_this\\_device']);

    const called = deferred<DeviceServer>();
    const hooked = await startServer(t, { onRestart: (s) => called.resolve(s) });
    const d = await hooked.connect();
    await d.request('?restart[4]', ['!restart[4] ok']);
    assert.equal(await called.promise, hooked.server);
  });

  it('unknown requests get invalid with the same name and mid', async (t) => {
    const f = await startServer(t);
    const c = await f.connect();
    await c.request('?cheese[1]', ['!cheese[1] invalid Unknown\\_request.']);
    await c.request('?nosuch x y', ['!nosuch invalid Unknown\\_request.']);
  });
});

describe('malformed lines', () => {
  it('syntax - a bad line gets #log error katcp.connection, to the sender only', async (t) => {
    const clock = new VirtualClock();
    const f = await startServer(t, { clock });
    const bad = await f.connect();
    const good = await f.connect();
    await bad.expect(/^#client-connected/);
    bad.send(' ?watchdog');
    await bad.expect(/^#log error 1700000000\.0 katcp\.connection \S+$/);
    bad.send('?bad_name');
    await bad.expect(/^#log error 1700000000\.0 katcp\.connection /);
    bad.send('?echo a\\q');
    await bad.expect(/^#log error 1700000000\.0 katcp\.connection .*escape/);
    await bad.request('?watchdog', ['!watchdog ok']);
    await good.request('?watchdog', ['!watchdog ok']);
    assert.deepEqual(good.lines, []);
  });

  it('syntax - blank lines are ignored and tabs separate arguments', async (t) => {
    const f = await startServer(t, {}, addUserRequests);
    const c = await f.connect();
    c.sendRaw('\n\n  \t\n?watchdog[1]\n');
    await c.expect('!watchdog[1] ok');
    c.sendRaw('?echo[1]\t\tmany\t  args  \n');
    await c.expect('!echo[1] ok many args');
    await c.request('?echo a\\_b \\@ c\\\\d \\t\\n\\r\\e\\0', ['!echo ok a\\_b \\@ c\\\\d \\t\\n\\r\\e\\0']);
  });
});

describe('user request handlers', () => {
  it('handler - typed arguments decode; errors use aiokatcp texts', async (t) => {
    const f = await startServer(t, {}, addUserRequests);
    const c = await f.connect();
    await c.request('?double 2.5', ['!double ok 5.0']);
    await c.request('?double[2] 2 3', ['!double[2] ok 6.0']);
    await c.request('?double', ["!double fail missing\\_a\\_required\\_argument:\\_'number'"]);
    await c.request('?double 1 2 3', ['!double fail too\\_many\\_arguments\\_for\\_double']);
    await c.request('?double bad', ["!double fail could\\_not\\_convert\\_string\\_to\\_float:\\_b'bad'"]);
  });

  it('handler - more arguments than a JS call can take fail clearly; up to the cap a rest handler gets them all', async (t) => {
    const f = await startServer(t, {}, addUserRequests);
    const c = await f.connect();
    const many = ' x'.repeat(60_000);
    c.send(`?echo[1]${many}`);
    assert.ok((await c.waitFor(/^!echo\[1\] /)) === `!echo[1] ok${many}`, 'all 60000 arguments echoed');
    // A JS call cannot take ~125,000 arguments or more: beyond the cap the reply says so.
    const tooMany = ' x'.repeat(300_000);
    await c.request(`?echo[2]${tooMany}`, ['!echo[2] fail too\\_many\\_arguments\\_for\\_echo\\_(300000,\\_at\\_most\\_65536\\_for\\_its\\_rest\\_parameter)']);
    await c.request(`?sensor-sampling[3] nosuch event${tooMany}`, [/^!sensor-sampling\[3\] fail too\\_many\\_arguments\\_for\\_sensor-sampling/]);
    await c.request(`?watchdog[4]${tooMany}`, ['!watchdog[4] fail too\\_many\\_arguments\\_for\\_watchdog']);
    assert.deepEqual(f.console.errors, [], 'nothing is an internal error');
  });

  it('handler - FailReply, InvalidReply and other errors; the server survives and logs the crash', async (t) => {
    const f = await startServer(t, {}, (server) => {
      server.addRequest({ name: 'fail', description: 'Fail.', params: [{ type: 'string', name: 'msg' }], handler: (_c, msg) => {
        throw new FailReply(msg);
      } });
      server.addRequest({ name: 'refuse', description: 'Invalid.', handler: async () => {
        throw new InvalidReply('not like that');
      } });
      server.addRequest({ name: 'crash', description: 'Crash.', handler: () => {
        throw new RuntimeError('help I fell over');
      } });
      server.addRequest({ name: 'crash-async', description: 'Crash later.', handler: async () => {
        await Promise.resolve();
        throw new Error('async fall');
      } });
    });
    const c = await f.connect();
    await c.request('?fail[5] custom\\_msg', ['!fail[5] fail custom\\_msg']);
    await c.request('?refuse', ['!refuse invalid not\\_like\\_that']);
    await c.request('?crash', ['!crash fail help\\_I\\_fell\\_over']);
    await c.request('?crash-async[6]', ['!crash-async[6] fail async\\_fall']);
    await c.request('?watchdog', ['!watchdog ok']);
    assert.equal(f.console.errors.length, 2);
    assert.match(f.console.errors[0]!, /crash/);
  });

  it('handler - an error whose text cannot be encoded (lone surrogate) still gets exactly one fail reply', async (t) => {
    const rejections: unknown[] = [];
    const onRejection = (r: unknown): void => {
      rejections.push(r);
    };
    process.on('unhandledRejection', onRejection);
    t.after(() => process.off('unhandledRejection', onRejection));
    const f = await startServer(t, { maxPending: 2 }, (server) => {
      server.addRequest({ name: 'bad-fail', description: 'Fail with broken text.', handler: () => {
        throw new FailReply('broken \ud800 text');
      } });
      server.addRequest({ name: 'bad-crash', description: 'Crash later with broken text.', handler: async () => {
        await Promise.resolve();
        throw new Error('crash \udfff');
      } });
      server.addRequest({ name: 'odd-throw', description: 'Throw something that has no text.', handler: () => {
        throw Object.create(null) as Error;
      } });
    });
    const c = await f.connect();
    for (let i = 1; i <= 3; i++) {
      await c.request(`?bad-fail[${i}]`, [`!bad-fail[${i}] fail broken\\_\ufffd\\_text`.replace('\ufffd', '\xef\xbf\xbd')]);
      await c.request(`?bad-crash[${i}]`, [`!bad-crash[${i}] fail crash\\_\xef\xbf\xbd`]);
      await c.request(`?odd-throw[${i}]`, [`!odd-throw[${i}] fail an\\_error\\_that\\_cannot\\_be\\_shown\\_as\\_text`]);
    }
    // maxPending is 2: had any of those stayed in flight, reading would have paused.
    await c.request('?watchdog', ['!watchdog ok']);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(rejections, []);
  });

  it('handler - informs carry the mid and come before the reply; informs() replies with the count', async (t) => {
    const f = await startServer(t, {}, (server) => {
      server.addRequest({ name: 'progress', description: 'Informs.', handler: async (ctx) => {
        ctx.inform('step', 1);
        await Promise.resolve();
        ctx.inform('step', 2);
        return 'done';
      } });
      server.addRequest({ name: 'table', description: 'Rows.', handler: (ctx) => {
        ctx.informs([['a', 1], ['b', 2.5]]);
      } });
    });
    const c = await f.connect();
    await c.request('?progress[3]', ['#progress[3] step 1', '#progress[3] step 2', '!progress[3] ok done']);
    await c.request('?table[4]', ['#table[4] a 1', '#table[4] b 2.5', '!table[4] ok 2']);
  });

  it('handler - replying twice or replying and returning a value sends #log error katcp.server (the reply stands)', async (t) => {
    const f = await startServer(t, { clock: new VirtualClock() }, (server) => {
      server.addRequest({ name: 'twice', description: 'Twice.', handler: (ctx) => {
        ctx.reply('ok', 'reply1');
        ctx.reply('ok', 'reply2');
      } });
      server.addRequest({ name: 'both', description: 'Both.', handler: (ctx) => {
        ctx.reply('ok', 'reply1');
        return 'value';
      } });
      server.addRequest({ name: 'inform-late', description: 'Late inform.', handler: (ctx) => {
        ctx.reply('ok');
        ctx.inform('too late');
      } });
    });
    const c = await f.connect();
    await c.request('?twice', ['!twice ok reply1', '#log error 1700000000.0 katcp.server request\\_?twice\\_has\\_already\\_been\\_replied\\_to;\\_this\\_reply\\_is\\_dropped']);
    await c.request('?both', ['!both ok reply1', '#log error 1700000000.0 katcp.server handler\\_of\\_?both\\_both\\_replied\\_and\\_returned\\_a\\_value;\\_the\\_value\\_is\\_ignored']);
    await c.request('?inform-late', ['!inform-late ok', '#log error 1700000000.0 katcp.server request\\_?inform-late\\_has\\_already\\_been\\_replied\\_to;\\_this\\_inform\\_is\\_dropped']);
    assert.equal(f.console.warnings.length, 3, 'one server log line per misuse');
    assert.deepEqual(f.console.errors, []);
  });

  it('handler - requests run concurrently: a fast reply overtakes a slow one, matched by mid', async (t) => {
    const gate = deferred<void>();
    const f = await startServer(t, {}, (server) => {
      addUserRequests(server);
      server.addRequest({ name: 'wait', description: 'Wait.', handler: () => gate.promise });
    });
    const c = await f.connect();
    c.send('?wait[1]');
    await c.request('?echo[2] test', ['!echo[2] ok test']);
    gate.resolve();
    await c.expect('!wait[1] ok');
  });

  it('handler - a return value the declared type refuses becomes a fail reply', async (t) => {
    const f = await startServer(t, {}, (server) => {
      server.addRequest({ name: 'wrong', description: 'Wrong.', returns: ['integer'], handler: () => 1.5 });
    });
    const c = await f.connect();
    await c.request('?wrong', [/^!wrong fail .*1\.5/]);
  });
});

describe('runtime interface changes', () => {
  it('requests - adding, replacing and removing requests at runtime sends #interface-changed request ...', async (t) => {
    const f = await startServer(t);
    const a = await f.connect();
    const b = await f.connect();
    await a.expect(/^#client-connected/);
    f.server.addRequest({ name: 'new-one', description: 'New.', handler: () => 'hi' });
    await a.expect('#interface-changed request new-one added');
    await b.expect('#interface-changed request new-one added');
    await a.request('?new-one', ['!new-one ok hi']);
    f.server.addRequest({ name: 'new-one', description: 'Replaced.', handler: () => 'bye' });
    await a.expect('#interface-changed request new-one modified');
    await a.request('?new-one', ['!new-one ok bye']);
    assert.equal(f.server.removeRequest('new-one'), true);
    assert.equal(f.server.removeRequest('new-one'), false);
    await a.expect('#interface-changed request new-one removed');
    await a.request('?new-one', ['!new-one invalid Unknown\\_request.']);
  });

  it('mass inform - reaches every client without a mid', async (t) => {
    const f = await startServer(t);
    const a = await f.connect();
    const b = await f.connect();
    await a.expect(/^#client-connected/);
    f.server.massInform('test-inform', 123, 'x y');
    await a.expect('#test-inform 123 x\\_y');
    await b.expect('#test-inform 123 x\\_y');
  });
});

class RuntimeError extends Error {}

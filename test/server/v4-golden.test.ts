/**
 * The KATCP v4 wire, byte for byte: each transcript in fixtures/server-v4/ is replayed against
 * the demo device in v4 mode (`protocol: '4.0-M'`) on a virtual clock, and every line the server
 * sends must match exactly, in order, with nothing extra.
 *
 * Transcript lines: `> line` is sent, `< line` must be the next line received, `@ advance N`
 * moves the virtual clock N ms, `@ connect NAME` opens another client (later `>`/`<` lines
 * prefixed `NAME:` use it), `#`-comments and blank lines are skipped. `$ADDR` and `$NAME_ADDR`
 * stand for a client's own `host:port`.
 *
 * Recording (only when a transcript is written or changed, then review the diff by hand):
 * `KATCP_GOLDEN_RECORD=1 npx tsx --test test/server/v4-golden.test.ts` rewrites the `<` lines
 * from what the server sends.
 */
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDemoServer } from '../../lib/demo/demo-server.js';
import type { RawClient } from '../helpers/raw-client.js';
import { VirtualClock, flushMicrotasks } from '../helpers/virtual-clock.js';
import { RecordingConsole, serve } from './fixture.js';
import { fakeAdjtimex } from '../demo/fixture.js';

const DIR = join(import.meta.dirname, '../../fixtures/server-v4');
const RECORD = process.env.KATCP_GOLDEN_RECORD === '1';

type Step =
  | { kind: 'send'; client: string; line: string }
  | { kind: 'expect'; client: string; line: string }
  | { kind: 'advance'; ms: number }
  | { kind: 'connect'; client: string };

function parse(text: string): Step[] {
  const steps: Step[] = [];
  for (const raw of text.split('\n')) {
    if (raw === '' || raw.startsWith('#')) continue;
    const m = /^(?:([a-z]+):)?([<>]) (.*)$/.exec(raw);
    if (m !== null) {
      steps.push({ kind: m[2] === '>' ? 'send' : 'expect', client: m[1] ?? 'main', line: m[3]! });
      continue;
    }
    const adv = /^@ advance (\d+)$/.exec(raw);
    if (adv !== null) {
      steps.push({ kind: 'advance', ms: Number(adv[1]) });
      continue;
    }
    const con = /^@ connect ([a-z]+)$/.exec(raw);
    if (con !== null) {
      steps.push({ kind: 'connect', client: con[1]! });
      continue;
    }
    throw new Error(`bad transcript line ${JSON.stringify(raw)}`);
  }
  return steps;
}

/** Replaces each client's address by its placeholder, so transcripts do not depend on ports. */
function placeholders(line: string, clients: Map<string, RawClient>): string {
  let out = line;
  for (const [name, c] of clients) out = out.split(c.localAddress).join(name === 'main' ? '$ADDR' : `$${name.toUpperCase()}_ADDR`);
  return out;
}

/** Replays one transcript; in record mode returns the transcript with the `<` lines actually received. */
async function replay(t: TestContext, text: string): Promise<string> {
  const clock = new VirtualClock();
  const rec = new RecordingConsole();
  const server = createDemoServer({ clock, console: rec, adjtimex: fakeAdjtimex, protocol: '4.0-M', counterPeriod: 0, random: () => 0.5 });
  const f = await serve(t, server, rec);
  const clients = new Map<string, RawClient>();
  const out: string[] = [];
  const drainInto = async (): Promise<void> => {
    // Recording: everything each client received so far, once the server has gone quiet.
    await flushMicrotasks();
    await new Promise((r) => setTimeout(r, 50));
    for (const [name, c] of clients) {
      while (c.lines.length > 0) out.push(`${name === 'main' ? '' : `${name}:`}< ${placeholders(c.lines.shift()!, clients)}`);
    }
  };
  const open = async (name: string): Promise<void> => {
    clients.set(name, await f.connect({ greeting: false }));
  };
  await open('main');
  const lines = text.split('\n');
  const steps = parse(text);
  for (const step of steps) {
    switch (step.kind) {
      case 'connect':
        if (RECORD) await drainInto();
        await open(step.client);
        if (RECORD) out.push(`@ connect ${step.client}`);
        break;
      case 'send': {
        if (RECORD) await drainInto();
        const c = clients.get(step.client)!;
        c.send(step.line.replaceAll('$ADDR', c.localAddress));
        if (RECORD) out.push(`${step.client === 'main' ? '' : `${step.client}:`}> ${step.line}`);
        break;
      }
      case 'expect': {
        if (RECORD) break;
        const got = placeholders(await clients.get(step.client)!.nextLine(), clients);
        assert.equal(got, step.line);
        break;
      }
      case 'advance':
        if (RECORD) await drainInto();
        await clock.advance(step.ms);
        if (RECORD) out.push(`@ advance ${step.ms}`);
        break;
    }
  }
  if (RECORD) {
    await drainInto();
    const header = lines.filter((l) => l.startsWith('#'));
    return [...header, ...out, ''].join('\n');
  }
  for (const [name, c] of clients) {
    await c.expectSilence(50);
    assert.deepEqual(c.lines, [], `${name} received lines the transcript does not have`);
  }
  return text;
}

describe('KATCP v4 wire (golden transcripts in fixtures/server-v4)', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort();
  it('v4 golden - the fixture folder holds the transcripts', () => {
    assert.ok(files.length >= 3, `expected transcripts in ${DIR}, found ${files.join(', ')}`);
  });
  for (const file of files) {
    it(`v4 golden - ${file} matches byte for byte`, async (t) => {
      const path = join(DIR, file);
      const text = readFileSync(path, 'latin1');
      const result = await replay(t, text);
      if (RECORD) writeFileSync(path, result, 'latin1');
    });
  }
});

// The package's public surface: the root facade, the entry points in package.json, and how
// they relate (one export list per entry point; the root only re-exports from them).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; exports: Record<string, unknown> };
const ROOT_VALUE_BUDGET = 60;

interface Entry {
  subpath: string;
  source: string;
  types: string;
  js: string;
}

const ENTRIES: Entry[] = Object.entries(PKG.exports)
  .filter(([subpath]) => subpath !== './package.json')
  .map(([subpath, target]) => {
    const t = target as Record<string, string>;
    return { subpath, source: t['katcp-source']!, types: t.types!, js: t.default! };
  });

async function load(entry: Entry): Promise<Record<string, unknown>> {
  return (await import(pathToFileURL(join(ROOT, entry.source)).href)) as Record<string, unknown>;
}

describe('index', () => {
  it('index - the root facade stays within its budget of values', async () => {
    const root = await load(ENTRIES.find((e) => e.subpath === '.')!);
    const count = Object.keys(root).length;
    assert.ok(count <= ROOT_VALUE_BUDGET, `the root exports ${count} values (budget ${ROOT_VALUE_BUDGET}): move advanced names to a subpath`);
    for (const name of ['Client', 'DeviceServer', 'KATCPClientResource', 'Message', 'Sensor', 'KatcpError', 'KatcpErrorCode']) {
      assert.ok(name in root, name);
    }
  });

  it('index - every root value comes from an entry point (the same object, listed there once)', async () => {
    const root = await load(ENTRIES.find((e) => e.subpath === '.')!);
    const errors = (await import('../lib/errors.js')) as Record<string, unknown>;
    const clock = (await import('../lib/util/clock.js')) as Record<string, unknown>;
    const sources: Record<string, unknown>[] = [errors, clock];
    for (const e of ENTRIES) if (e.subpath !== '.') sources.push(await load(e));
    for (const [name, value] of Object.entries(root)) {
      assert.ok(
        sources.some((m) => m[name] === value),
        `root export ${name} is not re-exported from an entry point barrel, lib/errors.ts or lib/util/clock.ts`,
      );
    }
  });

  it('index - each entry point maps its source, declarations and code to the same module', () => {
    assert.ok(ENTRIES.length >= 10);
    for (const e of ENTRIES) {
      assert.ok(existsSync(join(ROOT, e.source)), `${e.subpath}: ${e.source} does not exist`);
      const stem = e.source.replace(/^\.\/lib\//, '').replace(/\.ts$/, '');
      assert.equal(e.types, `./dist/${stem}.d.ts`, e.subpath);
      assert.equal(e.js, `./dist/${stem}.js`, e.subpath);
      const name = e.subpath === '.' ? PKG.name : `${PKG.name}-${e.subpath.slice(2)}`;
      assert.ok(existsSync(join(ROOT, 'api', `${name}.api.md`)), `${e.subpath} has no API report api/${name}.api.md (run npm run api:update)`);
    }
  });

  it('index - katcp/telstate loads nothing from the client stack (its import graph stays in codec, util, errors)', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gm)) {
        visit(join(dirname(file), m[1]!.replace(/\.js$/, '.ts')));
      }
    };
    visit(join(ROOT, 'lib/telstate/index.ts'));
    const layers = new Set([...seen].map((f) => f.slice(join(ROOT, 'lib').length + 1).split('/')[0]!));
    assert.deepEqual([...layers].sort(), ['codec', 'errors.ts', 'telstate', 'util']);
  });
});

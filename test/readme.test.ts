// Every ```ts block of README.md, run verbatim as a program, as a reader would paste it.
//
// The rules a README block follows (other sections rely on them):
// - A ```ts block is a complete program that imports from 'katcp' (or a subpath such as
//   'katcp/telstate') and exits by itself with code 0.
// - What it prints is the ```text block right after it (only blank lines in between); `...`
//   stands for any text within a line, and a line that is only `...` for any number of lines.
//   Without a text block, its `// prints: <line>` comments, in order, are the expected lines; with
//   neither, it must print nothing.
// - A block that talks to the demo device uses port 7147: the test starts a fresh demo device
//   (its `?pick-fruit` always picks an apple) and puts that device's port in place of 7147, the
//   only change made to the text. A block that starts its own server (`new DeviceServer(` or
//   `createDemoServer(`) gets no demo device; its 7147, if any, becomes a free port.
// Every block is also type-checked with the project's compiler options, as a reader's strict
// project would.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { createDemoServer } from '../lib/demo/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const README_PORT = '7147';
const RUN_TIMEOUT_MS = 60_000;

/** One fenced block of a Markdown file. */
interface Fence {
  readonly lang: string;
  readonly text: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** 1-based line of the closing fence. */
  readonly endLine: number;
  /** The nearest heading above the block. */
  readonly heading: string;
}

/** A ```ts block and the output the README promises for it. */
interface Example extends Fence {
  readonly expected: string;
}

/** The fenced blocks of `markdown`, in order. */
function fences(markdown: string): Fence[] {
  const lines = markdown.split(/\r?\n/);
  const out: Fence[] = [];
  let heading = '(top)';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h !== null) heading = h[1]!.trim();
    const open = /^ {0,3}(`{3,})\s*([^`\s]*)/.exec(line);
    if (open === null) continue;
    const marker = open[1]!;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !lines[j]!.trimStart().startsWith(marker)) body.push(lines[j++]!);
    out.push({ lang: open[2]!.toLowerCase(), text: body.join('\n') + '\n', line: i + 1, endLine: j + 1, heading });
    i = j;
  }
  return out;
}

/** The ```ts blocks of `markdown` with their expected output. */
function examples(markdown: string): Example[] {
  const lines = markdown.split(/\r?\n/);
  const all = fences(markdown);
  const out: Example[] = [];
  all.forEach((fence, k) => {
    if (fence.lang !== 'ts' && fence.lang !== 'typescript') return;
    const next = all[k + 1];
    const between = next === undefined ? [] : lines.slice(fence.endLine, next.line - 1);
    if (next !== undefined && next.lang === 'text' && between.every((l) => l.trim() === '')) {
      out.push({ ...fence, expected: next.text });
      return;
    }
    const prints = [...fence.text.matchAll(/\/\/\s*prints:\s*(.*)$/gm)].map((m) => m[1]!.trimEnd());
    out.push({ ...fence, expected: prints.length === 0 ? '' : prints.join('\n') + '\n' });
  });
  return out;
}

/** Trailing spaces and line ends do not count; CRLF is LF. */
function normalise(text: string): string {
  return text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n+$/, '');
}

/** A regular expression for promised output: `...` is any text, a `...` line any lines. */
function outputPattern(expected: string): RegExp {
  const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const lines = normalise(expected).split('\n');
  if (lines.length === 1 && lines[0] === '') return /^$/;
  const parts = lines.map((l) => (l.trim() === '...' ? '(?:[^\\n]*\\n)*?' : escape(l).replace(/\\\.\\\.\\\./g, '[^\\n]*?') + '\\n'));
  return new RegExp(`^${parts.join('')}$`);
}

/** Does `actual` (a program's stdout) match the promised output? */
function matchesOutput(actual: string, expected: string): boolean {
  const text = normalise(actual);
  return outputPattern(expected).test(text === '' ? '' : text + '\n');
}

function startsOwnServer(code: string): boolean {
  return /new DeviceServer\(|createDemoServer\(/.test(code);
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

function run(file: string): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--conditions=katcp-source', file],
      { cwd: ROOT, timeout: RUN_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string; signal?: string }) | null;
        resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : null, signal: e?.signal ?? null, stdout, stderr });
      },
    );
  });
}

/** Type errors of the given files under the project's compiler options (strict, NodeNext). */
function typeErrors(files: readonly string[]): string[] {
  const configPath = join(ROOT, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, { noEmit: true }, configPath);
  const program = ts.createProgram({ rootNames: [...files], options: parsed.options });
  const out: string[] = [];
  for (const file of files) {
    const source = program.getSourceFile(file);
    if (source === undefined) throw new Error(`not in the program: ${file}`);
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const where = d.start === undefined ? '' : `:${source.getLineAndCharacterOfPosition(d.start).line + 1}`;
      out.push(`${relative(ROOT, file)}${where}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return out;
}

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const EXAMPLES = examples(README);

describe('README', () => {
  let dir = '';
  const fileOf = (i: number): string => join(dir, `readme-block-${i + 1}.ts`);

  before(() => {
    // Inside the package, so that `import ... from 'katcp'` resolves to this package itself.
    dir = mkdtempSync(join(ROOT, '.readme-tmp-'));
    EXAMPLES.forEach((ex, i) => writeFileSync(fileOf(i), ex.text));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('README - has ts blocks, each with the output it promises', () => {
    assert.ok(EXAMPLES.length >= 5, `found ${EXAMPLES.length} ts blocks`);
  });

  EXAMPLES.forEach((ex, i) => {
    it(`README - the block at line ${ex.line} (${ex.heading}) runs verbatim, exits 0 and prints what the README says`, async () => {
      const ownServer = startsOwnServer(ex.text);
      const demo = ownServer || !ex.text.includes(README_PORT) ? undefined : createDemoServer({ host: '127.0.0.1', port: 0, random: () => 0 });
      await demo?.start();
      try {
        const port = demo !== undefined ? demo.address.port : ex.text.includes(README_PORT) ? await freePort() : undefined;
        const code = port === undefined ? ex.text : ex.text.replaceAll(README_PORT, String(port));
        writeFileSync(fileOf(i), code);
        const result = await run(fileOf(i));
        const report = `README.md line ${ex.line}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
        assert.equal(result.signal, null, `killed (timeout ${RUN_TIMEOUT_MS} ms?)\n${report}`);
        assert.equal(result.code, 0, report);
        assert.ok(matchesOutput(result.stdout, ex.expected), `the output differs from the README's\n--- expected\n${ex.expected}${report}`);
      } finally {
        await demo?.stop();
      }
    });
  });

  it('README - every ts block type-checks under the project options', () => {
    EXAMPLES.forEach((ex, i) => writeFileSync(fileOf(i), ex.text));
    assert.deepEqual(typeErrors(EXAMPLES.map((_, i) => fileOf(i))), []);
  });
});

describe('README harness', () => {
  it('README harness - finds ts blocks with their text block or prints comments', () => {
    const md = [
      '# T',
      '```ts',
      "console.log(1); // prints: 1",
      '```',
      '',
      '```text',
      'one',
      '```',
      '## U',
      '```ts',
      'console.log(2); // prints: 2',
      'console.log(3);   // prints: 3',
      '```',
      'prose',
      '```text',
      'not this',
      '```',
      '```sh',
      'npm test',
      '```',
      '````ts',
      '```',
      '````',
    ].join('\n');
    const found = examples(md);
    assert.deepEqual(
      found.map((e) => [e.line, e.heading, e.expected]),
      [
        [2, 'T', 'one\n'],
        [10, 'U', '2\n3\n'],
        [21, 'U', ''],
      ],
    );
    assert.equal(found[2]!.text, '```\n');
  });

  it('README harness - `...` matches any text in a line, a `...` line any lines, nothing else is loose', () => {
    assert.ok(matchesOutput('{ host: "h", port: 4242 }\n', '{ host: "h", port: ... }\n'));
    assert.ok(matchesOutput('a\nb\nc\nd\n', 'a\n...\nd\n'));
    assert.ok(matchesOutput('a\nd\n', 'a\n...\nd\n'));
    assert.ok(matchesOutput('true 9  \r\n\n', 'true 9'));
    assert.ok(matchesOutput('', ''));
    assert.ok(!matchesOutput('x\n', ''));
    assert.ok(!matchesOutput('true 9\nextra\n', 'true 9\n'));
    assert.ok(!matchesOutput('true 8\n', 'true 9\n'));
    assert.ok(!matchesOutput('a(b)\n', 'a.b.\n'));
    assert.ok(!matchesOutput('port: 1\nx\n', 'port: ...\n'));
  });
});

/**
 * `katcp top ADDR...`: a live full-screen table of the sensors of one or several devices
 * (device, name, value, coloured status, age of the reading), drawn with ink. Type to filter,
 * Tab to change the sort column, Space to pause, `?` to type a request, Ctrl-C to quit.
 * @module
 */
import type { Key } from 'ink';
import type { ReactNode } from 'react';
import { ExitCode, newProgram, parseAddressList, runProgram, UsageError } from './common.js';
import type { CliAddress } from './common.js';
import { ageOf, SORT_KEYS, TopModel } from './top-model.js';
import type { SortKey, TopRow } from './top-model.js';

const EXAMPLES = `  katcp top 127.0.0.1:7147
  katcp top dev1:7147 dev2:7147          # or dev1:7147,dev2:7147
Keys: type to filter by name, Backspace/Esc edit or clear the filter, Tab next sort column,
      Space pause/resume, ? then a request and Enter (sent to every device), Ctrl-C quit.`;

const STATUS_COLOR: Readonly<Record<string, string>> = { nominal: 'green', warn: 'yellow', error: 'red', failure: 'redBright', unreachable: 'magenta', inactive: 'gray', unknown: 'gray' };

/** `12.3s`, `4m`, `2h`, `-` before the first reading. */
export function formatAge(seconds: number): string {
  if (!Number.isFinite(seconds)) return '-';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const flat = text.replace(/\s/g, ' ');
  return flat.length > width ? `${flat.slice(0, Math.max(0, width - 1))}…` : flat.padEnd(width);
}

/** What the user has set in the view. */
export interface ViewState {
  filter: string;
  sort: SortKey;
  paused: boolean;
  /** The request being typed after `?`, or undefined when typing a filter. */
  request: string | undefined;
}

/** Build the view with ink and React (loaded only by this command). */
async function runView(model: TopModel): Promise<void> {
  const React = await import('react');
  const { render, Box, Text, useApp, useInput, useStdout } = await import('ink');
  const h = React.createElement;

  function Top(): ReactNode {
    const { exit } = useApp();
    const { stdout } = useStdout();
    const [view, setView] = React.useState<ViewState>({ filter: '', sort: 'name', paused: false, request: undefined });
    const [size, setSize] = React.useState({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    const [frame, setFrame] = React.useState({ version: -1, now: Date.now() / 1000 });
    const [snapshot, setSnapshot] = React.useState<TopRow[]>([]);
    const sortKeys = model.devices.length > 1 ? SORT_KEYS : SORT_KEYS.filter((k) => k !== 'device');

    React.useEffect(() => {
      const onResize = (): void => setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
      stdout.on('resize', onResize);
      // Ages move on even when nothing changes: redraw a few times a second.
      const timer = setInterval(() => setFrame({ version: model.version, now: Date.now() / 1000 }), 250);
      return () => {
        stdout.off('resize', onResize);
        clearInterval(timer);
      };
    }, [stdout]);

    React.useEffect(() => {
      if (!view.paused) setSnapshot(model.rows(view.filter, view.sort, frame.now));
    }, [frame, view.filter, view.sort, view.paused]);

    useInput((input: string, key: Key) => {
      if (key.ctrl && (input === 'c' || input === 'd')) {
        exit();
        return;
      }
      const send = (line: string): void => void model.request(line);
      // A paste (or tmux send-keys) arrives as one chunk: take it key by key.
      const keys = input.length > 1 && !key.ctrl && !key.meta ? [...input] : [input];
      const keyOf = (ch: string): ViewKey => (keys.length === 1 ? key : (CHUNK_KEYS[ch] ?? PLAIN_KEY));
      setView((v) => keys.reduce((acc, ch) => nextView(acc, ch, keyOf(ch), send, sortKeys), v));
    });

    const { columns, rows: height } = size;
    const devices = model.devices;
    const multi = devices.length > 1;
    const statusW = 11;
    const ageW = 7;
    const deviceW = multi ? Math.min(22, Math.max(...devices.map((d) => d.label.length)) + 1) : 0;
    const rest = Math.max(20, columns - statusW - ageW - deviceW - 1);
    const nameW = Math.min(40, Math.max(12, Math.floor(rest * 0.5)));
    const valueW = rest - nameW;
    const replies = model.replies.slice(-3);
    const chrome = devices.length + 5 + replies.length;
    const visible = snapshot.slice(0, Math.max(1, height - chrome - 1));
    const sortMark = (k: SortKey, label: string): string => (view.sort === k ? `${label}▼` : label);

    const shown = visible.length < snapshot.length ? ` (${visible.length} shown)` : '';
    const header = h(Text, { bold: true, wrap: 'truncate' }, `katcp top  ${snapshot.length} sensors${view.filter === '' ? '' : ` matching "${view.filter}"`}${shown}  sort: ${view.sort}${view.paused ? '  [PAUSED]' : ''}`);
    const deviceLines = devices.map((d) =>
      h(Text, { key: d.label, wrap: 'truncate' }, h(Text, { color: d.state.endsWith('synced') ? 'green' : d.state.startsWith('connected') ? 'yellow' : 'red' }, '● '), `${d.label}  ${d.state}  ${d.sensors} sensors`),
    );
    const tableHead = h(
      Text,
      { inverse: true },
      fit(`${multi ? fit(sortMark('device', 'DEVICE'), deviceW) : ''}${fit(sortMark('name', 'NAME'), nameW)}${fit(sortMark('value', 'VALUE'), valueW)}${fit(sortMark('status', 'STATUS'), statusW)}${fit(sortMark('age', 'AGE'), ageW)}`, columns - 1),
    );
    const rowLines = visible.map((r) =>
      h(
        Text,
        { key: `${r.device} ${r.name}`, wrap: 'truncate' },
        multi ? fit(r.device, deviceW) : '',
        fit(r.name, nameW),
        fit(`${r.value}${r.units === '' || r.value === '' ? '' : ` ${r.units}`}`, valueW),
        h(Text, { color: STATUS_COLOR[r.status] ?? 'white' }, fit(r.status, statusW)),
        fit(formatAge(ageOf(r, frame.now)), ageW),
      ),
    );
    const prompt =
      view.request === undefined
        ? h(Text, { wrap: 'truncate-start' }, h(Text, { color: 'cyan' }, 'filter: '), view.filter, h(Text, { inverse: true }, ' '))
        : h(Text, { wrap: 'truncate-start' }, h(Text, { color: 'cyan' }, 'request: ?'), view.request, h(Text, { inverse: true }, ' '));
    const help = h(Text, { dimColor: true }, fit('type to filter · Tab sort · Space pause · ? request · Esc clear · Ctrl-C quit', columns - 1));
    return h(Box, { flexDirection: 'column', width: columns, height: height - 1 }, header, ...deviceLines, tableHead, ...rowLines, h(Box, { flexGrow: 1 }), ...replies.map((l, i) => h(Text, { key: `r${i}` }, fit(l, columns - 1))), prompt, help);
  }

  const app = render(h(Top), { exitOnCtrlC: false, patchConsole: true, maxFps: 10 });
  await app.waitUntilExit();
}

/** The keys {@link nextView} looks at. */
export type ViewKey = Pick<Key, 'tab' | 'escape' | 'backspace' | 'delete' | 'return' | 'ctrl' | 'meta' | 'shift'>;

const PLAIN_KEY: ViewKey = { tab: false, escape: false, backspace: false, delete: false, return: false, ctrl: false, meta: false, shift: false };
// Special keys inside a chunk of several (a paste, or keys typed faster than they are read).
const CHUNK_KEYS: Readonly<Record<string, ViewKey>> = {
  '\r': { ...PLAIN_KEY, return: true },
  '\n': { ...PLAIN_KEY, return: true },
  '\t': { ...PLAIN_KEY, tab: true },
  '\x7f': { ...PLAIN_KEY, backspace: true },
  '\b': { ...PLAIN_KEY, backspace: true },
};
// Control characters never enter the filter or the request line.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** The view state after one key; `sortKeys` are the columns Tab cycles through. */
export function nextView(v: ViewState, input: string, key: ViewKey, send: (line: string) => void, sortKeys: readonly SortKey[] = SORT_KEYS): ViewState {
  if (v.request !== undefined) {
    if (key.escape) return { ...v, request: undefined };
    if (key.return) {
      if (v.request.trim() !== '') send(v.request);
      return { ...v, request: undefined };
    }
    if (key.backspace || key.delete) return { ...v, request: v.request.slice(0, -1) };
    if (key.ctrl || key.meta || key.tab) return v;
    return { ...v, request: v.request + input.replace(CONTROL, '') };
  }
  if (key.tab) {
    const i = sortKeys.indexOf(v.sort);
    return { ...v, sort: sortKeys[(i + (key.shift ? sortKeys.length - 1 : 1)) % sortKeys.length] ?? 'name' };
  }
  if (key.escape) return { ...v, filter: '' };
  if (key.backspace || key.delete) return { ...v, filter: v.filter.slice(0, -1) };
  if (key.ctrl || key.meta || key.return) return v;
  if (input === ' ') return { ...v, paused: !v.paused };
  if (input === '?') return { ...v, request: '' };
  return { ...v, filter: v.filter + input.replace(CONTROL, '').replace(/[\s?]/g, '') };
}

// Alternate screen buffer: the shell's screen comes back intact on exit.
const ENTER_ALT = '\x1b[?1049h\x1b[H';
const LEAVE_ALT = '\x1b[?1049l';

/** `katcp top`: resolves to the exit code. */
export async function topCommand(argv: string[]): Promise<number> {
  const program = newProgram('top', 'A live full-screen table of the sensors of one or several devices.', EXAMPLES)
    .usage('[options] ADDR...')
    .argument('[addresses...]', 'devices: host:port or [v6]:port, several separated by spaces or commas (default $KATCP_SERVER)');
  return runProgram<{ debug?: boolean }>('top', program, argv, async (words, flags) => {
    const source = words.length > 0 ? words : (process.env.KATCP_SERVER ?? '').split(',').filter((w) => w !== '');
    if (source.length === 0) throw new UsageError('no device address given (nor KATCP_SERVER)');
    const addresses: CliAddress[] = source.flatMap((w) => parseAddressList(w, words.length === 0));
    if (process.stdout.isTTY !== true || process.stdin.isTTY !== true) throw new UsageError('katcp top needs a terminal; use katcp watch or katcp sensors in scripts');
    // ink draws only a final frame when it believes it runs under CI; top is interactive by definition.
    delete process.env.CI;
    delete process.env.CONTINUOUS_INTEGRATION;
    const model = new TopModel(addresses, flags.debug === true);
    const restore = (): void => void process.stdout.write(LEAVE_ALT);
    process.stdout.write(ENTER_ALT);
    process.once('exit', restore);
    try {
      await runView(model);
      return ExitCode.Ok;
    } finally {
      restore();
      process.off('exit', restore);
      await model.close();
    }
  });
}

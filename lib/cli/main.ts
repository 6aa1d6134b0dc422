#!/usr/bin/env node
/**
 * The `katcp` command line: `katcp <command> [options]`. Commands load lazily so that one
 * command's dependencies (e.g. koffi for time sync) never slow down or break another.
 * @module
 */

interface Command {
  summary: string;
  load: () => Promise<(argv: string[]) => Promise<number>>;
}

const request: Command = {
  summary: 'send one request to one or several devices: katcp request ADDR NAME [ARG...]',
  load: async () => (await import('./request.js')).requestCommand,
};

const commands: Record<string, Command> = {
  request,
  req: { ...request, summary: 'alias of request' },
  sensors: {
    summary: 'list sensors with value, status, units, timestamp: katcp sensors ADDR [FILTER]',
    load: async () => (await import('./sensors.js')).sensorsCommand,
  },
  watch: {
    summary: 'stream sensor updates until interrupted: katcp watch ADDR [FILTER]',
    load: async () => (await import('./watch.js')).watchCommand,
  },
  wait: {
    summary: 'wait until a sensor has a status or value: katcp wait ADDR SENSOR [--status S]',
    load: async () => (await import('./wait.js')).waitCommand,
  },
  log: {
    summary: "follow a device's #log stream: katcp log ADDR [--level L] [--output FILE]",
    load: async () => (await import('./log.js')).logCommand,
  },
  shell: {
    summary: 'an interactive prompt with completion and history: katcp shell [ADDR]',
    load: async () => (await import('./shell.js')).shellCommand,
  },
  top: {
    summary: 'a live full-screen table of the sensors of one or several devices: katcp top ADDR...',
    load: async () => (await import('./top.js')).topCommand,
  },
  'demo-server': {
    summary: 'run the bundled demo device: katcp demo-server [--host 127.0.0.1] [--port 0] [--sensors N]',
    load: async () => (await import('./demo-server.js')).demoServerCommand,
  },
  demo: {
    summary: 'the guided tour: start the demo device, connect a KATCPClientResource and use it',
    load: async () => (await import('./demo.js')).demoCommand,
  },
  monitor: {
    summary: 'live web page and Prometheus /metrics for devices: katcp monitor HOST:PORT... [--port 8080] [--allow-requests] [--no-ui]',
    load: async () => (await import('../monitor/command.js')).monitorCommand,
  },
};

function usage(): string {
  const lines = ['usage: katcp <command> [options]', '', 'commands:'];
  for (const [name, cmd] of Object.entries(commands)) lines.push(`  ${name.padEnd(12)} ${cmd.summary}`);
  lines.push('', 'Run katcp <command> --help for the options, examples and exit codes of a command.');
  lines.push('Exit codes: 0 ok, 1 could not connect, 2 the device replied fail/invalid, 3 timeout, 64 usage error.');
  return lines.join('\n');
}

/** Run the CLI with the given arguments (without `node` and the script path); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    if (name === undefined) {
      console.error(usage());
      return 64;
    }
    console.log(usage());
    return 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    console.error(`katcp: unknown command '${name}'\n${usage()}`);
    return 64;
  }
  return (await command.load())(rest);
}

// A reader that goes away (`katcp watch | head`) ends the command normally, as `yes | head` does;
// without this, the next write raises an unhandled EPIPE and a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`katcp: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);

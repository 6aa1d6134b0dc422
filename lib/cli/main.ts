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

const commands: Record<string, Command> = {
  'demo-server': {
    summary: 'run the bundled demo device: katcp demo-server [--host 127.0.0.1] [--port 0] [--sensors N]',
    load: async () => (await import('./demo-server.js')).demoServerCommand,
  },
  demo: {
    summary: 'the guided tour: start the demo device, connect a KATCPClientResource and use it',
    load: async () => (await import('./demo.js')).demoCommand,
  },
};

function usage(): string {
  const lines = ['usage: katcp <command> [options]', '', 'commands:'];
  for (const [name, cmd] of Object.entries(commands)) lines.push(`  ${name.padEnd(12)} ${cmd.summary}`);
  return lines.join('\n');
}

/** Run the CLI with the given arguments (without `node` and the script path); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (command === undefined) {
    console.error(`katcp: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  return (await command.load())(rest);
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

/**
 * The trivial responder of the client benchmarks, run in a child process (its own CPU): it
 * greets with `#version-connect katcp-protocol 5.1-MIB` (message ids) and answers every
 * `?name[mid] ...` with `!name[mid] ok`, one socket write per received chunk. No parsing beyond
 * finding the name, so the figures measure the client, and the bare-socket baseline runs
 * against exactly the same peer. Prints `listening host:port`.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

const server = createServer((socket) => {
  socket.setNoDelay(true);
  socket.write('#version-connect katcp-protocol 5.1-MIB\n');
  let rest = '';
  socket.on('data', (chunk: Buffer) => {
    const text = rest + chunk.toString('latin1');
    let out = '';
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      if (text.charCodeAt(start) === 0x3f) {
        let end = start + 1;
        while (end < nl && text.charCodeAt(end) !== 0x20 && text.charCodeAt(end) !== 0x0d) end++;
        out += `!${text.slice(start + 1, end)} ok\n`;
      }
      start = nl + 1;
    }
    rest = text.slice(start);
    if (out !== '') socket.write(out, 'latin1');
  });
  socket.on('error', () => socket.destroy());
});
server.listen(0, '127.0.0.1', () => {
  console.log(`listening 127.0.0.1:${(server.address() as AddressInfo).port}`);
});
process.on('SIGTERM', () => process.exit(0));

/**
 * `POST /api/request`: a request sent to a device from the page. Off unless the monitor was
 * started with `allowRequests`; then only from the page's own origin and with the per-process
 * token the page carries. Every refusal is a clear status with a JSON `error`.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Message } from '../codec/message.js';
import type { MonitorModel } from './model.js';

/** What the endpoint answers: an HTTP status and a JSON body. */
export interface EndpointAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** Largest request body accepted (bytes). */
const MAX_BODY = 64 * 1024;

/** Arguments from the page: strings, at most this many. */
const MAX_ARGS = 256;

/** The policy and the devices behind the endpoint. */
export interface RequestEndpointConfig {
  readonly model: MonitorModel;
  readonly allowRequests: boolean;
  /** The token the page must send in `x-katcp-token`. */
  readonly token: string;
}

function refuse(status: number, error: string): EndpointAnswer {
  return { status, body: { error } };
}

/** True when the request comes from the page this server served (its `Origin` is this host). */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  const host = req.headers.host;
  return typeof origin === 'string' && typeof host === 'string' && (origin === `http://${host}` || origin === `https://${host}`);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseCall(text: string): { device: string; request: string; args: string[] } | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'the body is not JSON';
  }
  if (typeof body !== 'object' || body === null) return 'the body must be a JSON object';
  const { device, request, args = [] } = body as Record<string, unknown>;
  if (typeof device !== 'string' || typeof request !== 'string' || request === '') return 'device and request must be strings';
  if (!Array.isArray(args) || args.length > MAX_ARGS || !args.every((a) => typeof a === 'string')) return `args must be an array of at most ${MAX_ARGS} strings`;
  return { device, request, args: args };
}

/** A message with its arguments as text (no wire escapes), e.g. `!add ok 7.0`. */
function readable(m: Message): string {
  return [`${m.mtype}${m.name}`, ...m.arguments.map((a) => a.toString('utf8'))].join(' ');
}

/**
 * Handle one `POST /api/request`: 403 when requests are off, the origin is foreign or the token
 * wrong; 415/400/413 for a bad body; 404 for an unknown device or request; otherwise 200 with
 * `{succeeded, reply, informs, text}` (a failed reply is still a 200: the device answered).
 */
export async function handleRequestCall(req: IncomingMessage, config: RequestEndpointConfig): Promise<EndpointAnswer> {
  if (!config.allowRequests) return refuse(403, 'requests from the page are disabled (start katcp monitor with --allow-requests)');
  if (!sameOrigin(req)) return refuse(403, 'requests are only accepted from the monitor page itself');
  if (req.headers['x-katcp-token'] !== config.token) return refuse(403, 'missing or wrong x-katcp-token');
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return refuse(415, 'the body must be application/json');
  const text = await readBody(req);
  if (text === undefined) return refuse(413, `the body is larger than ${MAX_BODY} bytes`);
  const call = parseCall(text);
  if (typeof call === 'string') return refuse(400, call);
  const device = config.model.device(call.device);
  if (device === undefined) return refuse(404, `no device ${JSON.stringify(call.device)}`);
  const proxy = device.resource.req[call.request];
  if (proxy === undefined) return refuse(404, `device ${call.device} has no request ${JSON.stringify(call.request)}`);
  try {
    const reply = await proxy(...call.args);
    // Informs first, then the reply: the order they came in on the wire.
    const text = [...reply.informs, reply.reply].map(readable).join('\n');
    return { status: 200, body: { ...reply.toJSON(), text } };
  } catch (err) {
    return refuse(400, (err as Error).message);
  }
}

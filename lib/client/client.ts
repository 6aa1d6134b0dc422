/**
 * The low-level KATCP {@link Client}: one TCP connection with automatic reconnection, protocol
 * negotiation (v5 and v4), request/reply correlation and inform dispatch. The connection life
 * is in client-core.ts; this file is the request and inform API.
 * @module
 */
import { Message } from '../codec/message.js';
import { NotConnectedError } from '../errors.js';
import type { Reading } from '../sensor/index.js';
import { ClientCore } from './client-core.js';
import type { InformStream, InformStreamOptions } from './inform-stream.js';
import type { CallbackRequestHandlers, ConnectOptions, RequestOptions } from './options.js';
import { appendCallerStack, interpretReply, splitCallOptions } from './reply.js';
import type { RawRequestResult, RequestResult } from './reply.js';
import { readSensor, readSensorValue } from './sensor-reading.js';
import type { SensorReadingOptions } from './sensor-reading.js';
import { ClientState } from './state.js';

export type { CallbackRequestHandlers, ClientEvents, ClientOptions, ConnectOptions, RequestOptions } from './options.js';

/**
 * A KATCP client: connects in the background (and reconnects with a randomised backoff),
 * negotiates the protocol version (v5 banner, v4 banner, no banner, or preset flags),
 * correlates requests with replies, and dispatches asynchronous informs. Events (typed,
 * eventemitter3): `stateChange`, `connected`, `disconnected`, `connectFailed`, `inform`,
 * `unhandledInform`, `log`, `interfaceChanged`, `deviceChanged`, `disconnect`, `syntaxError`.
 *
 * ```ts
 * const client = await Client.connect('127.0.0.1', 7147, { timeout: 5000 });
 * const { reply, informs } = await client.request('help');
 * await client.request('log-level', 'info', { timeout: 1000 });
 * client.on('interfaceChanged', (msg) => console.log(msg.toString()));
 * for await (const msg of client.informs('log', { signal })) console.log(msg.arg(4));
 * await client.close();
 * ```
 *
 * Requests use message ids when the server offers `I`; otherwise requests with the same name
 * are serialised (requests with different names still overlap; see requests.ts). Errors: a
 * request made while not connected fails with `NotConnectedError`; a request pending when the
 * connection ends fails with `ConnectionClosedError` (its `cause` says why the connection
 * ended); after `close()` both requests and `waitConnected()` fail with
 * `ConnectionClosedError`. An unsupported protocol version closes the client for good
 * (retrying would not change the server) and `waitConnected()` rejects with
 * `ProtocolVersionError`.
 */
export class Client extends ClientCore {
  /**
   * Create a client and wait until it is connected (through failed attempts, when reconnecting).
   * The client is closed if that fails, times out or is aborted.
   */
  static async connect(host: string, port: number, opts: ConnectOptions = {}): Promise<Client> {
    const client = new Client(host, port, opts);
    try {
      await client.waitConnected({ timeout: opts.timeout, signal: opts.signal });
    } catch (err) {
      await client.close();
      throw err;
    }
    return client;
  }

  /**
   * Send `?name args...` and resolve with the arguments after `ok` and the request's informs.
   * A trailing plain object is taken as {@link RequestOptions} `{timeout, signal, onInform}`; the
   * default timeout is the `requestTimeout` option, or the server's timeout hint for `name` plus
   * `timeoutHintMargin`. With `onInform` the informs go to it as they arrive instead.
   * @throws FailReply / InvalidReply (with `requestName` and `reply`), NotConnectedError,
   *   ConnectionClosedError, KatcpTimeoutError, KatcpAbortError, KatcpTypeError (bad argument)
   */
  async request(name: string, ...args: unknown[]): Promise<RequestResult> {
    const { reply, informs } = await this.requestRaw(name, ...args);
    return interpretReply(name, reply, informs);
  }

  /** Like {@link request} but resolves with the reply message untouched, whatever its code. */
  async requestRaw(name: string, ...args: unknown[]): Promise<RawRequestResult> {
    const [katcpArgs, opts] = splitCallOptions(args);
    if (this.state !== ClientState.Connected) throw this.#notConnected(name);
    const msg = Message.request(name, ...katcpArgs);
    try {
      return await this.#start(msg, opts);
    } catch (err) {
      appendCallerStack(err);
      throw err;
    }
  }

  #notConnected(name: string): NotConnectedError {
    return new NotConnectedError(`cannot send ?${name}: not connected to ${this.host}:${this.port} (state ${this.state})`, { cause: this.lastError });
  }

  #start(msg: Message, opts: RequestOptions): Promise<RawRequestResult> {
    const onInform = opts.onInform;
    const logger = this.logger;
    return new Promise<RawRequestResult>((resolve, reject) => {
      this.startTracked(
        msg,
        {
          onInform:
            onInform === undefined
              ? undefined
              : (inform) => {
                  try {
                    onInform(inform);
                  } catch (err) {
                    logger.error(`the onInform callback of ?${msg.name} threw`, err);
                  }
                },
          onDone: (err, reply, informs) => {
            if (err !== undefined) reject(err);
            else resolve({ reply: reply as Message, informs });
          },
        },
        opts,
      );
    });
  }

  /**
   * katcp-python's callback form: send `request` (its message id, if any, is replaced) and call
   * `onInform` for each inform and `onReply` once with the reply. Failures (not connected,
   * timeout, abort, disconnection) arrive as a synthesised `!name fail <reason>` reply, never
   * as an exception. Exceptions thrown by the callbacks are logged.
   */
  callbackRequest(request: Message, handlers: CallbackRequestHandlers = {}): void {
    const name = request.name;
    const logger = this.logger;
    const safe = <A extends unknown[]>(what: string, fn: ((...a: A) => void) | undefined, ...a: A): void => {
      try {
        fn?.(...a);
      } catch (err) {
        logger.error(`the ${what} callback of ?${name} threw`, err);
      }
    };
    const failReply = (err: Error): Message => Message.reply(name, 'fail', err.message);
    if (request.mtype !== '?' || this.state !== ClientState.Connected) {
      const err = request.mtype !== '?' ? new NotConnectedError(`not a request: ${request.toString()}`) : this.#notConnected(name);
      queueMicrotask(() => safe('reply', handlers.onReply, failReply(err), []));
      return;
    }
    const onInform = handlers.onInform;
    this.startTracked(
      request,
      {
        onInform: onInform === undefined ? undefined : (msg) => safe('inform', onInform, msg),
        onDone: (err, reply, informs) => safe('reply', handlers.onReply, err === undefined ? (reply as Message) : failReply(err), informs),
      },
      handlers,
    );
  }

  /**
   * Call `handler` for every asynchronous `#name` inform (in registration order, after the
   * client's own handling of built-in informs). Returns a function that unsubscribes. Adding the
   * same function twice for a name registers it once (katcp-python's `hook_inform`).
   */
  addInformHandler(name: string, handler: (msg: Message) => void): () => void {
    return this.informRouter.add(name, handler);
  }

  /**
   * Asynchronous `#name` informs as an async iterator. The stream survives reconnections and ends
   * when the client closes or the loop breaks. A consumer more than `highWaterMark` (default
   * 10 000) informs behind gets a `KATCP_ERR_QUEUE_OVERFLOW` error after the queued informs
   * (or, with `overflow: 'drop-oldest'`, loses the oldest ones).
   */
  informs(name: string, opts: InformStreamOptions = {}): InformStream<Message> {
    return this.informRouter.stream(name, opts, this.state === ClientState.Closed);
  }

  /**
   * Read one sensor: `?sensor-list name` (once per connection, cached until the interface
   * changes) for its type, then `?sensor-value name`, decoded with the type's codec. Timestamps
   * are in seconds, also from v4 servers. Pass `{type}` to skip the list request.
   */
  sensorReading<T = unknown>(name: string, opts: SensorReadingOptions<T> = {}): Promise<Reading<T>> {
    return readSensor<T>(this, this.sensorTypeCache, name, opts);
  }

  /** Like {@link sensorReading} but returns the value; fails if the status is not nominal/warn/error. */
  sensorValue<T = unknown>(name: string, opts: SensorReadingOptions<T> = {}): Promise<T> {
    return readSensorValue<T>(this, this.sensorTypeCache, name, opts);
  }
}

/**
 * The `negotiating` state of a {@link Client}'s connections: preset flags, the banner or the
 * banner timeout, the `?request-timeout-hint` fetch, and banners that arrive once the protocol
 * is decided. The rules it applies are in negotiation.ts.
 * @module
 */
import { Message } from '../codec/message.js';
import type { ProtocolFlags } from '../codec/protocol-flags.js';
import type { CodecContext } from '../codec/types.js';
import type { ProtocolVersionError } from '../errors.js';
import type { TimerHandle } from '../util/clock.js';
import { interpretBanner, ProtocolSession, V4_FLAGS } from './negotiation.js';
import type { ClientSettings } from './options.js';
import type { RawRequestResult } from './reply.js';
import type { RequestSink, RequestTracker } from './requests.js';
import { ClientState } from './state.js';

/** The up-calls of the negotiator to the client's state machine. */
export interface NegotiatorHost {
  /** The client's current state. */
  state(): ClientState;
  /** The protocol is decided (and the timeout hints fetched): move to `connected`. */
  connected(): void;
  /** The server speaks an unsupported protocol: move to `disconnecting`. */
  refuse(err: ProtocolVersionError): void;
}

/** Negotiates the protocol of each connection and keeps the latest connection's protocol facts. */
export class Negotiator {
  readonly #settings: ClientSettings;
  readonly #host: NegotiatorHost;
  readonly #requests: RequestTracker;
  // The connection being negotiated (the latest one).
  #conn: RequestSink | undefined;
  // The latest connection's protocol facts (kept after it ends, replaced by the next one).
  #session = new ProtocolSession();
  #codecContext: CodecContext = {};
  // Valid in `negotiating` only.
  #bannerTimer: TimerHandle | undefined;

  /**
   * @param settings the client's settings (preset flags, timeouts, clock, logger)
   * @param requests the client's requests: the negotiator sets their protocol and sends `?request-timeout-hint`
   * @param host the client's state machine
   */
  constructor(settings: ClientSettings, requests: RequestTracker, host: NegotiatorHost) {
    this.#settings = settings;
    this.#requests = requests;
    this.#host = host;
    // Preset flags are the protocol before the first connection too (katcp-python sets them at once).
    if (settings.preset !== undefined) this.#adoptFlags(settings.preset);
  }

  /**
   * Protocol facts of the latest connection: flags, `#version-connect` entries, timeout hints.
   * Before the first connection: the preset flags, if any.
   */
  get session(): ProtocolSession {
    return this.#session;
  }

  /** Codec context of the latest connection (`protocolMajor` 4 converts timestamps). */
  get codecContext(): CodecContext {
    return this.#codecContext;
  }

  /** Entry action of `negotiating` on `conn`: preset flags decide at once, otherwise the banner timer starts. */
  begin(conn: RequestSink): void {
    this.#conn = conn;
    this.#session = new ProtocolSession();
    const { preset, bannerTimeout } = this.#settings;
    if (preset !== undefined) {
      this.#session.decided = true;
      this.#negotiated(preset);
      return;
    }
    if (!Number.isFinite(bannerTimeout)) return;
    const session = this.#session;
    this.#bannerTimer = this.#settings.clock.setTimer(() => {
      this.#bannerTimer = undefined;
      if (this.#host.state() !== ClientState.Negotiating || session.decided) return;
      this.#settings.logger.info(`no protocol banner within ${bannerTimeout} ms; assuming KATCP ${V4_FLAGS.toString()}`);
      session.decided = true;
      session.assumed = true;
      this.#negotiated(V4_FLAGS);
    }, bannerTimeout);
  }

  /** Leaving `negotiating`: the banner timer is no longer wanted. */
  stop(): void {
    this.#settings.clock.clearTimer(this.#bannerTimer);
    this.#bannerTimer = undefined;
  }

  /** A `#version-connect`, `#version` or `#build-state` inform from the server. */
  onVersionInform(msg: Message): void {
    if (msg.name === 'version-connect') this.#session.recordVersion(msg);
    const outcome = interpretBanner(msg);
    if (outcome === undefined) return;
    const session = this.#session;
    const action = session.judge(outcome, this.#host.state() === ClientState.Negotiating, this.#settings.preset !== undefined, msg.toString());
    switch (action.kind) {
      case 'refuse':
        this.#settings.logger.error(action.error.message);
        this.#host.refuse(action.error);
        return;
      case 'adopt':
        if (action.connect) {
          session.decided = true;
          this.#negotiated(action.flags);
        } else {
          session.assumed = false;
          this.#settings.logger.info(`late protocol banner: now using KATCP ${action.flags.toString()}`);
          this.#adoptFlags(action.flags);
        }
        return;
      case 'warn':
        this.#settings.logger.warn(action.message);
        return;
      case 'none':
        return;
    }
  }

  /** The protocol is decided: fetch timeout hints if offered, then report `connected`. */
  #negotiated(flags: ProtocolFlags): void {
    this.#adoptFlags(flags);
    this.stop();
    if (!flags.requestTimeoutHints || !this.#settings.fetchHints) {
      this.#host.connected();
      return;
    }
    // A new connection gets a new session, so this also tells whether the connection is the same.
    const session = this.#session;
    const stillHere = (): boolean => this.#session === session && this.#host.state() === ClientState.Negotiating;
    new Promise<RawRequestResult>((resolve, reject) => {
      this.#requests.start(
        Message.request('request-timeout-hint'),
        { onDone: (err, reply, informs) => (err === undefined ? resolve({ reply: reply as Message, informs }) : reject(err)) },
        { timeout: this.#settings.requestTimeout },
        this.#conn,
      );
    }).then(
      ({ reply, informs }) => {
        if (!stillHere()) return;
        if (reply.isReplyOk) {
          for (const bad of session.storeHints(informs)) this.#settings.logger.warn(`ignored malformed timeout hint: ${bad.toString()}`);
        } else this.#settings.logger.warn(`?request-timeout-hint failed: ${reply.toString()}`);
        this.#host.connected();
      },
      (err: Error) => {
        if (!stillHere()) return;
        this.#settings.logger.warn(`?request-timeout-hint failed: ${err.message}`);
        this.#host.connected();
      },
    );
  }

  // The requests read the id mode and the hint table from here on, not per request.
  #adoptFlags(flags: ProtocolFlags): void {
    this.#session.flags = flags;
    this.#codecContext = { protocolMajor: flags.major };
    this.#requests.setProtocol(flags.messageIds, this.#session.hints);
  }
}

// One client connection: sends the greeting, runs option negotiation, then hands the socket to the
// transmission phase. Owns the socket's lifecycle; the server only starts, drains and destroys it.

import type { Socket } from 'node:net';
import type { NbdExportResolver, VolumeIo } from '../core/ports.ts';
import { Negotiation } from './handshake.ts';
import type { NbdIoStats } from './io-stats.ts';
import { OPTION_HEADER_BYTES, REQUEST_HEADER_BYTES, encodeGreeting } from './protocol.ts';
import { ReceiveQueue } from './receive-queue.ts';
import { ReplyWriter } from './reply-writer.ts';
import { Transmission } from './transmission.ts';

export interface NbdLogger {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
}

export interface ConnectionDeps {
  io: VolumeIo;
  exports: NbdExportResolver;
  logger: NbdLogger;
  /** Host I/O counters for metrics; none when metrics are off. */
  stats?: NbdIoStats | null;
  onClosed(connection: NbdConnection): void;
}

export class NbdConnection {
  /** Export served, once negotiation reached transmission. */
  exportName: string | null = null;
  private readonly queue = new ReceiveQueue(Math.max(REQUEST_HEADER_BYTES, OPTION_HEADER_BYTES));
  private readonly writer: ReplyWriter;
  private negotiation: Negotiation | null;
  private transmission: Transmission | null = null;
  private closed = false;
  private readonly closedPromise: Promise<void>;

  constructor(
    private readonly socket: Socket,
    private readonly deps: ConnectionDeps,
  ) {
    this.writer = new ReplyWriter(socket, () => this.transmission?.unblocked());
    this.negotiation = new Negotiation(deps.exports, deps.io, (data) => this.sendNow(data));
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  get peer(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  start(): void {
    const socket = this.socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.deps.logger.warn('nbd: socket error', this.peer, error.message));
    socket.on('close', () => {
      this.closed = true;
      this.queue.clear();
      this.deps.onClosed(this);
    });
    this.sendNow(encodeGreeting());
  }

  /** Stops reading and lets requests in flight finish and reply. Resolves when they have. */
  async drain(): Promise<void> {
    this.socket.pause();
    this.negotiation = null;
    if (this.transmission !== null) await this.transmission.stop();
    this.writer.flush();
  }

  /** Closes at once: queued replies are dropped, requests in flight finish without a reply. */
  destroy(): Promise<void> {
    this.writer.discard();
    this.socket.destroy();
    return this.closedPromise;
  }

  private sendNow(data: Buffer): void {
    if (!this.closed) this.socket.write(data);
  }

  private onData(chunk: Buffer): void {
    this.queue.push(chunk);
    if (this.transmission !== null) {
      this.transmission.pump();
      return;
    }
    this.negotiate();
  }

  private negotiate(): void {
    while (this.negotiation !== null && !this.closed) {
      const step = this.negotiation.step(this.queue);
      if (step.kind === 'more') return;
      if (step.kind === 'continue') continue;
      this.negotiation = null;
      if (step.kind === 'close') {
        this.deps.logger.info('nbd: closing during negotiation', this.peer, step.reason);
        this.socket.end();
        return;
      }
      this.exportName = step.session.export.name;
      this.deps.logger.info('nbd: serving export', JSON.stringify(this.exportName), 'to', this.peer);
      this.transmission = new Transmission(step.session, this.deps.io, this.queue, this.writer, {
        pauseReading: () => this.socket.pause(),
        resumeReading: () => this.socket.resume(),
        abort: (reason) => {
          this.deps.logger.warn('nbd: dropping connection', this.peer, reason);
          this.destroy();
        },
        finish: () => {
          this.writer.flush();
          this.socket.end();
        },
      }, this.deps.stats ?? null);
      this.transmission.pump();
    }
  }
}

// The NBD server: accepts TCP connections and serves exports resolved by name to volumes through
// the VolumeIo port. Protocol details live in handshake.ts and transmission.ts.

import { createServer, type Server, type Socket } from 'node:net';
import type { NbdExportResolver, VolumeIo } from '../core/ports.ts';
import { NbdConnection, type NbdLogger } from './connection.ts';
import type { NbdIoStats } from './io-stats.ts';

export interface NbdServerOptions {
  io: VolumeIo;
  exports: NbdExportResolver;
  /** Address to bind; 127.0.0.1 unless told otherwise. */
  host?: string;
  /** TCP port; 0 picks a free one. Default 10809, the NBD port. */
  port?: number;
  logger?: NbdLogger;
  /** Host I/O counters for /metrics; none when absent (metrics off). */
  stats?: NbdIoStats;
}

const NBD_PORT_DEFAULT = 10809;
/** close() waits this long for requests in flight before destroying sockets anyway. */
const CLOSE_DRAIN_MS_MAX = 10_000;

const SILENT: NbdLogger = { info() {}, warn() {} };

export class NbdServer {
  private readonly server: Server;
  private readonly connections = new Set<NbdConnection>();
  private readonly logger: NbdLogger;
  private listening = false;
  private closing: Promise<void> | null = null;

  constructor(private readonly options: NbdServerOptions) {
    this.logger = options.logger ?? SILENT;
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (error) => this.logger.warn('nbd: server error', error.message));
  }

  listen(): Promise<{ host: string; port: number }> {
    const host = this.options.host ?? '127.0.0.1';
    const port = this.options.port ?? NBD_PORT_DEFAULT;
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        this.listening = true;
        const address = this.server.address();
        if (address === null || typeof address === 'string') throw new Error('nbd: listen gave no TCP address');
        this.logger.info('nbd: listening on', `${address.address}:${address.port}`);
        resolve({ host: address.address, port: address.port });
      });
    });
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Closes every connection serving `name` at once (volume demoted or deleted): queued replies are
   * dropped and requests in flight finish without a reply. Call it after the resolver has stopped
   * returning the export (or returns it read-only), so that a client still negotiating cannot
   * reconnect to the old mode.
   */
  disconnectExport(name: string): void {
    for (const connection of this.connections) {
      if (connection.exportName === name) {
        this.logger.info('nbd: disconnecting', connection.peer, 'from export', JSON.stringify(name));
        void connection.destroy();
      }
    }
  }

  /**
   * Stops accepting, lets requests in flight finish (bounded by CLOSE_DRAIN_MS_MAX), makes
   * acknowledged writes durable, then destroys every socket. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    const stopped = this.listening
      ? new Promise<void>((resolve) => this.server.close(() => resolve()))
      : Promise.resolve();
    const connections = [...this.connections];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_DRAIN_MS_MAX);
    });
    await Promise.race([Promise.all(connections.map((c) => c.drain())), deadline]);
    clearTimeout(timer);
    try {
      await this.options.io.flush();
    } catch (error) {
      this.logger.warn('nbd: flush on close failed', error);
    }
    await Promise.all([...this.connections].map((c) => c.destroy()));
    await stopped;
  }

  private accept(socket: Socket): void {
    if (this.closing !== null) {
      socket.destroy();
      return;
    }
    const connection = new NbdConnection(socket, {
      io: this.options.io,
      exports: this.options.exports,
      logger: this.logger,
      stats: this.options.stats ?? null,
      onClosed: (c) => this.connections.delete(c),
    });
    if (this.options.stats) this.options.stats.connectionsTotal += 1;
    this.connections.add(connection);
    connection.start();
  }
}

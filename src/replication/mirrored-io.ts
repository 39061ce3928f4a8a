// Host I/O as NBD sees it, with synchronous replication wrapped around the BlockStore (DESIGN §5.1,
// research/dataplane.md §1.5 and §4.5). Volumes that are not the local source of a Synchronous
// session pass straight through: one Map lookup. A routed volume is in one of three modes:
//   mirror — the write is applied locally and on the peer (RPC repl.sync.write on the peer link's
//            latency lane: one TLS connection, calls pipelined, src/peer/lane-client.ts), and
//            the host's write resolves after both (the destination's side: sync-receiver.ts);
//   local  — local write only; what the destination lacks is diff(common base, now), shipped by
//            the next resync (the session is resyncing, halted with split mode Automatic, or
//            suspended/paused);
//   fail   — split mode Manual with the path down: host writes fail with EIO (PEER_UNREACHABLE).
// Every routed write is counted in flight, so `hold` can stop new writes (they queue) and wait
// for the ones already running: the replication service takes its final cut under a hold and
// releases the queue only once mirroring is on, so no write falls between the cut and the mirror.
import { DomainError, StateError } from '../core/errors.ts';
import type { BlockStore, Extent, VolumeIo } from '../core/ports.ts';
import type { PeerTransport } from './transport.ts';
import { RPC } from './wire.ts';

/**
 * One mirrored write may wait this long for the peer. Shorter than the control timeout: a host
 * write stuck on a dead link is what split mode exists to decide about, and the heartbeat
 * usually notices a dead link first.
 */
export const SYNC_WRITE_TIMEOUT_MS = 10_000;

export type RouteMode = 'local' | 'mirror' | 'fail';

export interface RouteSpec {
  sessionId: string;
  peerSystemId: string;
  remoteVolumeId: string;
  mode: RouteMode;
  /**
   * The common base cycle the mirroring stands on. Each mirrored write and trim carries it, and
   * the destination takes only those of its own base: one that arrives late, after its session
   * left mirroring and resynced (every resync commits a new base), must not land on the newer
   * bytes. Checkpoints move both sides' base while host writes are held, so none is in flight.
   */
  baseCycle: number;
}

interface Route extends RouteSpec {
  volumeId: string;
  inflight: number;
  drained: (() => void)[];
  held: { promise: Promise<void>; count: number; release: () => void } | null;
  /** Mirrored writes acknowledged since the last remote flush was issued. */
  unflushed: boolean;
  /** The last remote flush sent; a later FLUSH also waits for it (it may cover that FLUSH's writes). */
  remoteFlush: Promise<unknown> | null;
}

export interface MirrorHooks {
  /**
   * A mirrored write, trim or flush failed on the peer. Called synchronously; the service halts
   * the session and sets the routes' mode (local for split mode Automatic, fail for Manual).
   */
  onMirrorFailure(sessionId: string, error: unknown): void;
}

export class MirroredIo implements VolumeIo {
  private readonly routes = new Map<string, Route>();
  private hooks: MirrorHooks = { onMirrorFailure: () => undefined };

  constructor(
    private readonly store: BlockStore,
    private readonly transport: PeerTransport,
  ) {}

  setHooks(hooks: MirrorHooks): void {
    this.hooks = hooks;
  }

  // ---------------------------------------------------------------- routes (replication service)

  /** Replaces the set of routed volumes; routes that stay keep their in-flight count and hold. */
  setRoutes(wanted: Map<string, RouteSpec>): void {
    for (const [volumeId, route] of this.routes) {
      if (!wanted.has(volumeId)) {
        this.routes.delete(volumeId);
        // Writes waiting on a hold re-read the route when it is released; release it now.
        route.held?.release();
      }
    }
    for (const [volumeId, spec] of wanted) {
      const route = this.routes.get(volumeId);
      if (route) Object.assign(route, spec);
      else this.routes.set(volumeId, { ...spec, volumeId, inflight: 0, drained: [], held: null, unflushed: false, remoteFlush: null });
    }
  }

  modeOf(volumeId: string): RouteMode | null {
    return this.routes.get(volumeId)?.mode ?? null;
  }

  /**
   * Stops new host writes to the volume (they queue) and resolves once the writes already
   * running have finished, locally and on the peer. Returns the release. Holds nest.
   */
  async hold(volumeId: string): Promise<() => void> {
    const route = this.routes.get(volumeId);
    if (!route) throw new StateError(`Volume ${volumeId} is not routed for synchronous replication.`, 'volume', volumeId);
    if (route.held) route.held.count += 1;
    else {
      let release!: () => void;
      const promise = new Promise<void>((resolve) => (release = resolve));
      route.held = { promise, count: 1, release };
    }
    const held = route.held;
    while (route.inflight > 0) await new Promise<void>((resolve) => route.drained.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held.count -= 1;
      if (held.count === 0) {
        if (route.held === held) route.held = null;
        held.release();
      }
    };
  }

  // ---------------------------------------------------------------- VolumeIo

  sizeBytes(id: string): number {
    return this.store.sizeBytes(id);
  }

  read(id: string, offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    return this.store.read(id, offsetBytes, lengthBytes);
  }

  readInto(id: string, offsetBytes: number, target: Buffer): Promise<void> {
    return this.store.readInto(id, offsetBytes, target);
  }

  blockStatus(id: string, offsetBytes: number, lengthBytes: number): Extent[] {
    return this.store.blockStatus(id, offsetBytes, lengthBytes);
  }

  write(id: string, offsetBytes: number, data: Buffer, options?: { fua?: boolean }): Promise<void> {
    const route = this.routes.get(id);
    if (route === undefined) return this.store.write(id, offsetBytes, data, options);
    return this.routed(id, () => this.store.write(id, offsetBytes, data, options), (r) => [RPC.syncWrite, { sessionId: r.sessionId, remoteVolumeId: r.remoteVolumeId, baseCycle: r.baseCycle, offsetBytes, fua: options?.fua === true }, data]);
  }

  trim(id: string, offsetBytes: number, lengthBytes: number, options?: { fua?: boolean }): Promise<void> {
    const route = this.routes.get(id);
    if (route === undefined) return this.store.trim(id, offsetBytes, lengthBytes, options);
    return this.routed(id, () => this.store.trim(id, offsetBytes, lengthBytes, options), (r) => [RPC.syncTrim, { sessionId: r.sessionId, remoteVolumeId: r.remoteVolumeId, baseCycle: r.baseCycle, offsetBytes, lengthBytes, fua: options?.fua === true }, undefined]);
  }

  /**
   * Local flush and, for every mirrored session with writes since its last remote flush, a
   * remote flush: the FLUSH reply covers both sides (dataplane §1.5). A FLUSH also waits for a
   * remote flush still in flight, which may be the one covering its writes.
   */
  async flush(): Promise<void> {
    const local = this.store.flush();
    const remote: { route: Route; done: Promise<unknown> }[] = [];
    const bySession = new Map<string, Promise<unknown>>();
    for (const route of this.routes.values()) {
      if (route.mode !== 'mirror') continue;
      if (route.unflushed) {
        route.unflushed = false;
        let sent = bySession.get(route.sessionId);
        if (!sent) {
          sent = this.transport.call(route.peerSystemId, RPC.syncFlush, { sessionId: route.sessionId }, { timeoutMs: SYNC_WRITE_TIMEOUT_MS, lane: true });
          // Judged below, after the local flush: a remote flush that fails first (a dropped
          // message fails at once) had no handler yet, and the unhandled rejection stopped the
          // system (the lab's soak under a 20% drop fault).
          sent.catch(() => undefined);
          bySession.set(route.sessionId, sent);
        }
        route.remoteFlush = sent;
      }
      if (route.remoteFlush) remote.push({ route, done: route.remoteFlush });
    }
    await local;
    const results = await Promise.allSettled(remote.map((r) => r.done));
    let failed: unknown = null;
    results.forEach((result, i) => {
      const route = remote[i]!.route;
      if (result.status === 'fulfilled') {
        if (route.remoteFlush === remote[i]!.done) route.remoteFlush = null;
        return;
      }
      if (route.remoteFlush === remote[i]!.done) route.remoteFlush = null;
      if (route.mode === 'mirror') this.hooks.onMirrorFailure(route.sessionId, result.reason);
      if (route.mode === 'fail') failed ??= result.reason;
    });
    if (failed) throw pathDown(failed);
  }

  /**
   * Runs `replace` (a restore or refresh of the volumes' contents: not a host write, so never
   * mirrored) counted in flight on their routes, so that a hold (a resync's final cut, a
   * checkpoint) waits for it. Refused while a hold is on (below), and while any of them is
   * mirrored: in step the destination would keep the old contents under a session that shows in
   * step. Not mirrored, the session's next resync ships the change (the destination's staging
   * starts from its base).
   */
  async replacingContents<T>(volumes: { id: string; name: string }[], replace: () => Promise<T>): Promise<T> {
    const taken = volumes.map((v) => this.routes.get(v.id)).filter((r): r is Route => r !== undefined);
    // Refused, not queued, while a hold (a resync's final cut, a checkpoint) stops host writes: the
    // restore runs under the caller's locks, and the hold's holder may wait for those, so waiting
    // here deadlocked both and every replication call to this system behind them (simulation v7
    // seed 3344). The hold is short; the operator tries again.
    const held = taken.find((r) => r.held);
    if (held) {
      const name = volumes.find((v) => v.id === held.volumeId)!.name;
      throw new StateError(`Volume ${name} is being synchronized by its Synchronous replication session; try the restore or refresh again shortly.`, 'volume', held.volumeId);
    }
    const mirrored = taken.find((r) => r.mode === 'mirror');
    if (mirrored) {
      const name = volumes.find((v) => v.id === mirrored.volumeId)!.name;
      throw new StateError(`Volume ${name} is in a Synchronous replication session in step; pause the session before a restore or refresh.`, 'volume', mirrored.volumeId);
    }
    for (const route of taken) route.inflight += 1;
    try {
      return await replace();
    } finally {
      for (const route of taken) this.leave(route);
    }
  }

  private leave(route: Route): void {
    route.inflight -= 1;
    if (route.inflight === 0 && route.drained.length > 0) for (const wake of route.drained.splice(0)) wake();
  }

  private async routed(id: string, local: () => Promise<void>, remote: (r: Route) => [string, unknown, Buffer | undefined]): Promise<void> {
    let route = this.routes.get(id);
    // Queued behind a hold (the final cut of a resync, a checkpoint): wait, then look again.
    while (route?.held) {
      await route.held.promise;
      route = this.routes.get(id);
    }
    if (route === undefined) return local();
    if (route.mode === 'fail') throw pathDown(null);
    route.inflight += 1;
    try {
      if (route.mode !== 'mirror') return await local();
      const [method, params, payload] = remote(route);
      const sent = this.transport.call(route.peerSystemId, method, params, { payload, timeoutMs: SYNC_WRITE_TIMEOUT_MS, lane: true });
      const [l, r] = await Promise.allSettled([local(), sent]);
      if (l.status === 'rejected') throw l.reason;
      if (r.status === 'fulfilled') {
        route.unflushed = true;
        return;
      }
      // The peer did not take it: the session leaves mirroring. Automatic split: the write
      // stands locally and is tracked by the base diff. Manual split: the host gets EIO.
      if (route.mode === 'mirror') this.hooks.onMirrorFailure(route.sessionId, r.reason);
      if ((route.mode as RouteMode) === 'fail') throw pathDown(r.reason);
    } finally {
      this.leave(route);
    }
  }
}

function pathDown(cause: unknown): DomainError {
  return new DomainError('PEER_UNREACHABLE', 'Synchronous replication with split mode Manual: every copy path is down, host writes to the source are refused.', {}, { cause });
}

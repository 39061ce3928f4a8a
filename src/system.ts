// Composition root: builds one Tandem system from its configuration. Everything with I/O is
// created here and injected into core; nothing else constructs adapters.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildHttpServer, type HttpServices } from './api/http-server.ts';
import { type Clock, systemClock } from './core/clock.ts';
import { type CoreContext, type IdSource } from './core/context.ts';
import { HostService } from './core/hosts.ts';
import { loadOrCreateIdentity } from './core/identity.ts';
import type { SystemIdentity, Volume } from './core/model.ts';
import type { ReplicationSession } from './core/replication/model.ts';
import { MutationLock } from './core/mutation-lock.ts';
import type { BlockStore, NbdExport, NbdExportResolver } from './core/ports.ts';
import { ProtectionService } from './core/protection.ts';
import { SnapshotScheduler } from './core/snapshot-scheduler.ts';
import { VolumeGroupService } from './core/volume-groups.ts';
import { VolumeService } from './core/volumes.ts';
import type { MetaReader } from './core/meta-store.ts';
import { computeVolumeDifferences } from './core/volume-differences.ts';
import { openBlockStore } from './engine/blockstore.ts';
import { JobRunner } from './jobs/job-runner.ts';
import { SqliteMetaStore } from './meta/sqlite-meta-store.ts';
import { NbdServer } from './nbd/server.ts';
import { WriteFaults } from './nbd/write-faults.ts';
import { replicationControl } from './api/control/replication-routes.ts';
import { consoleControl } from './api/console/routes.ts';
import { extendRegistryForReplication } from './api/powerstore/replication-schemas.ts';
import { registerReplicationRoutes } from './api/powerstore/routes/replication.ts';
import { copySessionExtension } from './api/eternus/routes/copysessions.ts';
import { PeerEndpoint } from './peer/endpoint.ts';
import { HeartbeatMonitor } from './peer/heartbeat.ts';
import { FaultController } from './peer/faults.ts';
import { fingerprintOf } from './peer/trust.ts';
import { MetaTrustStore } from './replication/meta-trust-store.ts';
import { installFingerprint, RemoteSystemService } from './replication/remote-systems.ts';
import { MirroredIo } from './replication/mirrored-io.ts';
import { IoStats } from './core/io-stats.ts';
import { CopyStats } from './replication/copy-stats.ts';
import { installRecCreateOnSource } from './replication/rec-create-forward.ts';
import { ReplicationService } from './replication/service.ts';
import type { PeerTransport } from './replication/transport.ts';
import { EventStore } from './observe/event-store.ts';
import { EventHub } from './observe/events.ts';
import { RpoAlerts } from './observe/rpo-alerts.ts';
import { LagHistory } from './observe/lag-history.ts';
import type { Services } from './services.ts';
import { logEvents } from './observe/log-events.ts';
import { silentLogger, type Logger } from './observe/logger.ts';
import { SystemMetrics } from './observe/metrics.ts';
import type { Observability } from './observe/observability.ts';
import { sessionEvents } from './observe/session-events.ts';
import { NbdIoStats } from './nbd/io-stats.ts';
import { loadOrCreateTlsIdentity } from './security/tls.ts';
import { UserDirectory } from './security/users.ts';

export interface SystemConfig {
  name: string;
  dataDir: string;
  host: string;
  httpsPort: number;
  nbdPort: number;
  peerPort: number;
  adminPassword?: string;
  clock?: Clock;
  /** The system's logger (observe/logger.ts); silent when absent. */
  logger?: Logger;
  /** Operational messages of replication; into `logger` when absent. */
  log?: (message: string, fields?: Record<string, unknown>) => void;
  /** Serve /metrics and count host I/O for it (default true; benchmarks compare with false). */
  metrics?: boolean;
  /** Also export Node's process metrics (CPU, heap, event loop): for a system in its own process. */
  processMetrics?: boolean;
  /** A bearer token that may read /metrics without a user (Prometheus); admin Basic auth always may. */
  metricsToken?: string | null;
  /** Fastify request logging (pino); off in tests. */
  httpLogging?: boolean;
  /**
   * How a `stop` fault ends this system: at once, like a crash (no shutdown, no checkpoint).
   * `tandem serve` kills its own process; without it (systems run inside another process, as in
   * tests) the fault is refused.
   */
  stopAbruptly?: () => void;
  /**
   * The clock a delay fault on the peer link waits on: real time by default (FaultController).
   * Tests that hold calls at the fault point inject their own (test/helpers/holding-clock.ts), so
   * a call is held until they release it rather than for a span of real time a loaded machine may
   * overrun.
   */
  peerFaultClock?: Clock;
}

export interface RunningSystem {
  identity: SystemIdentity;
  ports: { https: number; nbd: number; peer: number };
  urls: { https: string; nbd: string };
  generatedAdminPassword: string | null;
  services: Services;
  http: FastifyInstance;
  close(): Promise<void>;
}

export type { Services } from './services.ts';

export const nodeIds: IdSource = {
  uuid: () => randomUUID(),
  hex: (bytes) => randomBytes(bytes).toString('hex'),
};

export async function startSystem(config: SystemConfig): Promise<RunningSystem> {
  const logger = config.logger ?? silentLogger();
  const log = config.log ?? ((message: string, fields?: Record<string, unknown>) => (fields?.error !== undefined ? logger.warn(fields, message) : logger.info(fields ?? {}, message)));
  const hub = new EventHub();
  logEvents(hub, logger);
  const clock = config.clock ?? systemClock;
  mkdirSync(config.dataDir, { recursive: true });
  const meta = new SqliteMetaStore(join(config.dataDir, 'meta.db'));
  const openStartedMs = performance.now();
  const store = await openBlockStore({ dir: join(config.dataDir, 'engine'), clock });
  const engineOpenSeconds = (performance.now() - openStartedMs) / 1000;
  meta.onCommit(sessionEvents(meta, hub));
  const identity = loadOrCreateIdentity(meta, nodeIds, config.name, clock.nowMs());
  const tls = await loadOrCreateTlsIdentity(config.dataDir, config.name);
  installFingerprint(fingerprintOf);

  let nbd: NbdServer | null = null;
  const ctx: CoreContext = {
    meta,
    store,
    clock,
    ids: nodeIds,
    identity,
    lock: new MutationLock(),
    listeners: { volumeExportChanged: (_volume, previousName) => nbd?.disconnectExport(previousName) },
  };
  const volumes = new VolumeService(ctx);
  const groups = new VolumeGroupService(ctx, volumes);
  const hosts = new HostService(ctx);
  const protection = new ProtectionService(ctx);
  const scheduler = new SnapshotScheduler(ctx, volumes, groups, (m, e) => log(m, { error: String(e) }));
  const jobs = new JobRunner(meta, clock, nodeIds);
  const interruptedJobs = jobs.failInterrupted();
  const users = new UserDirectory(meta, nodeIds);
  const { generatedPassword } = users.ensureAdmin(config.adminPassword);

  // The peer link and replication.
  const trust = new MetaTrustStore(meta);
  const peer = await listenPeer(meta, { identity: { systemId: identity.id, name: identity.name }, tls, host: config.host, port: config.peerPort, clock, trust, faults: new FaultController({ wallClock: config.peerFaultClock }) });
  const peerAddress = { port: Number(meta.getSetting('peer_port')) };
  const heartbeat = new HeartbeatMonitor({
    endpoint: peer,
    trust,
    clock,
    isRemoteSystem: (p) => meta.list('remote_system').some((r) => r.peerSystemId === p.systemId),
    log: (message, fields) => logger.debug(fields ?? {}, message),
  });
  heartbeat.onStateChange((peerSystemId, state) =>
    hub.emit({ kind: 'link', peerSystemId, peerName: meta.listShared('remote_system').find((r) => r.peerSystemId === peerSystemId)?.name ?? null, state }),
  );
  const transport = peerTransport(peer, heartbeat);
  let httpsPort = 0;
  const remotes = new RemoteSystemService(ctx, transport, { address: config.host, managementPort: () => httpsPort, peerPort: () => peerAddress.port, certPem: tls.cert });
  const io = new MirroredIo(store, transport);
  const replication = new ReplicationService(ctx, volumes, groups, protection, transport, jobs, log, io);
  installRecCreateOnSource(ctx, transport, replication);
  await replication.start();
  reconcileEngine(meta.list('volume'), replication.internalVolumeIds(), store, log);

  const hostIo = new WriteFaults(io);
  // Host I/O is counted once, in NBD (NbdIoStats: cumulative counters and latency histograms, read
  // by /metrics); IoStats samples the same counters into the history PowerStore metrics/generate serves.
  const nbdStats = config.metrics === false ? undefined : new NbdIoStats();
  const ioStats = new IoStats(clock, () => nbdStats?.volumes() ?? []);
  nbd = new NbdServer({ io: hostIo, exports: volumeExports(meta, replication), host: config.host, port: config.nbdPort, stats: nbdStats });
  const nbdAddress = await nbd.listen();
  const copyStats = new CopyStats(clock, {
    sourceSessions: () => meta.listShared('replication_session').filter((s) => s.role === 'Source'),
    shippedBytes: (id) => replication.shippedBytes(id),
    remainingBytes: (s) => replication.uncopiedBytes(s.id) ?? replication.trackedBytes(s),
  });
  const metrics = nbdStats
    ? new SystemMetrics({
        clock,
        meta,
        dataDir: config.dataDir,
        nbd: { connectionCount: () => nbd!.connectionCount(), stats: nbdStats },
        engine: { stats: () => store.stats(), maintenance: store.maintenance, recovery: store.recovery, openSeconds: engineOpenSeconds },
        replication,
        peers: { connectionState: (id) => transport.connectionState(id), roundTripSeconds: (id) => heartbeat.roundTripSeconds(id) },
        faults: () => [...peer.faults.list(), ...hostIo.list()],
      }, { processMetrics: config.processMetrics ?? false })
    : null;
  if (metrics) {
    meta.onCommit((kind, _id, before, after) => {
      const was = before as { lastSyncMs?: number | null } | undefined;
      const now = after as { role: string; lastSyncMs: number | null; lastSyncDurationMs: number | null } | undefined;
      if (kind === 'replication_session' && now && now.lastSyncDurationMs !== null && now.lastSyncMs !== (was?.lastSyncMs ?? null)) metrics.cycleCommitted(now.role, now.lastSyncDurationMs / 1000);
    });
  }
  // The appliance id the PowerStore dialect shows (schemas.ts APPLIANCE_ID): one appliance per system.
  const events = new EventStore(clock, hub, 'A1');
  const rpoAlerts = new RpoAlerts(clock, meta, events);
  const lagHistory = new LagHistory(clock);
  meta.onCommit((kind, id, before, after) => {
    if (kind === 'replication_session') lagHistory.observe(id, before as ReplicationSession | undefined, after as ReplicationSession | undefined);
  });
  const observe: Observability = { hub, events, metrics, logger, lagHistory };
  const services: Services = { ctx, volumes, groups, hosts, protection, scheduler, jobs, users, nbd, io, ioStats, copyStats, remotes, replication, peer, heartbeat, observe };
  // The APIs get core services and ports, each dialect typed to its own part (api/*/ports.ts):
  // the records read-only, the engine's figures, replication's commands; never the store itself.
  const records: MetaReader = { get: meta.get.bind(meta), list: meta.list.bind(meta), getShared: meta.getShared.bind(meta), listShared: meta.listShared.bind(meta), findShared: meta.findShared.bind(meta) };
  const apiServices: HttpServices = {
    identity,
    clock,
    records,
    settings: meta,
    engine: store,
    volumes,
    groups,
    hosts,
    protection,
    jobs,
    users,
    ioStats,
    copyStats,
    observe,
    remotes,
    replication,
    recBuffer: replication.recBuffer,
    computeDifferences: (volumeId, input) => computeVolumeDifferences(ctx, volumeId, input),
  };
  const http = await buildHttpServer({
    services: apiServices,
    tls,
    logging: config.httpLogging ?? false,
    powerstore: [
      {
        extendRegistry: (registry) => extendRegistryForReplication(registry, { meta: records, connectionState: (rs) => transport.connectionState(rs.peerSystemId) }),
        registerRoutes: (app, api) => registerReplicationRoutes(app, api, { remotes, replication }),
      },
    ],
    eternus: [copySessionExtension()],
    control: [
      replicationControl({ remotes, peerFaults: peer.faults, writeFaults: hostIo, stopAbruptly: config.stopAbruptly ?? null }),
      consoleControl({ ...apiServices, engine: store, observe }, {
        connectionState: (id) => transport.connectionState(id),
        roundTripSeconds: (id) => heartbeat.roundTripSeconds(id),
        peerFaults: () => peer.faults.list(),
        nbd: () => nbdAddress,
        internalVolumeIds: () => replication.internalVolumeIds(),
      }),
    ],
    metricsToken: config.metricsToken ?? null,
  });
  await http.listen({ host: config.host, port: config.httpsPort });
  httpsPort = (http.server.address() as { port: number }).port;
  // Said once every listener is up, so that a start refused for a busy port logs no "started".
  hub.emit({
    kind: 'recovery',
    engineOpenMs: Math.round(engineOpenSeconds * 1000),
    replayedRecords: store.recovery.replayedRecords,
    truncatedAt: store.recovery.truncatedAt,
    volumes: meta.listShared('volume').length,
    sessions: meta.listShared('replication_session').length,
    interruptedJobs,
  });
  scheduler.start();
  heartbeat.start();
  ioStats.start();
  rpoAlerts.start();
  copyStats.start();

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      heartbeat.stop();
      ioStats.stop();
      rpoAlerts.stop();
      copyStats.stop();
      await scheduler.stop();
      await http.close();
      await nbd.close();
      await replication.stop();
      await peer.close();
      await jobs.drain();
      await ctx.lock.run(async () => undefined);
      await store.close();
      meta.close();
    })());

  return {
    identity,
    ports: { https: httpsPort, nbd: nbdAddress.port, peer: peerAddress.port },
    urls: { https: `https://${config.host}:${httpsPort}`, nbd: `nbd://${config.host}:${nbdAddress.port}` },
    generatedAdminPassword: generatedPassword,
    services,
    http,
    close,
  };
}

/**
 * Peers keep this system's peer port in their trust records, so with --peer-port 0 a restart
 * first tries the port it had before; only if that is taken does it pick a new one.
 */
async function listenPeer(meta: SqliteMetaStore, options: ConstructorParameters<typeof PeerEndpoint>[0]): Promise<PeerEndpoint> {
  const saved = Number(meta.getSetting('peer_port') ?? '0');
  if (options.port === 0 && saved > 0) {
    const endpoint = new PeerEndpoint({ ...options, port: saved });
    try {
      await endpoint.listen();
      return endpoint;
    } catch {
      await endpoint.close();
    }
  }
  const endpoint = new PeerEndpoint(options);
  const { port } = await endpoint.listen();
  meta.setSetting('peer_port', String(port));
  return endpoint;
}

/** Replication's view of the peer link. */
function peerTransport(peer: PeerEndpoint, heartbeat: HeartbeatMonitor): PeerTransport {
  return {
    call: (peerSystemId, method, params, options) => peer.peer(peerSystemId).call(method, params, options),
    handle: (method, handler, options) =>
      peer.handle(
        method,
        (request) => {
          // Not async: a handler that answers at once is answered in the same turn (peer/lane-server.ts).
          const answer = handler({ params: request.params, payload: request.payload, fromSystemId: request.from.systemId });
          return answer instanceof Promise ? answer.then((a) => a ?? {}) : (answer ?? {});
        },
        options,
      ),
    paramsCodec: (method, codec) => peer.laneCodec(method, codec),
    connectionState: (peerSystemId) => heartbeat.connectionState(peerSystemId) ?? 'Initializing',
    onStateChange: (listener) => {
      heartbeat.onStateChange(listener);
    },
  };
}

/** NBD exports: every volume by name; snapshots and replication destinations read-only. */
function volumeExports(meta: SqliteMetaStore, replication: ReplicationService): NbdExportResolver {
  const toExport = (v: Volume): NbdExport => ({
    name: v.name,
    volumeId: v.id,
    readOnly: v.type === 'Snapshot' || (v.isReplicationDestination && !replication.isHostWritable(v)),
    description: v.description ?? undefined,
  });
  return {
    list: () => meta.listShared('volume').map(toExport),
    resolve: (name) => {
      const volume = meta.listShared('volume').find((v) => v.name === name);
      return volume ? toExport(volume) : undefined;
    },
  };
}

/** Engine volumes without metadata are leftovers of a crash between the two commits: drop them. */
function reconcileEngine(volumes: Volume[], internal: Set<string>, store: BlockStore, log: (m: string, f?: Record<string, unknown>) => void): void {
  const known = new Set([...volumes.map((v) => v.id), ...internal]);
  for (const id of store.volumeIds()) {
    if (!known.has(id)) {
      log('deleting engine volume without metadata', { id });
      void store.deleteVolume(id);
    }
  }
  for (const v of volumes) {
    if (!store.hasVolume(v.id)) log('volume metadata without engine data', { id: v.id, name: v.name });
  }
}

// Prometheus metrics of one system (served at /metrics, metrics-route.ts). Gauges and totals are
// read from the services at scrape time (scrape-metric.ts); only API requests and replication
// cycle durations are counted as they happen, both far off the host I/O path. The NBD path keeps
// its own plain counters (nbd/io-stats.ts), read here.
//
// Label bounds: `volume` names at most VOLUMES_LABELLED_MAX volumes (the rest are summed under
// volume="_other"); `session` names at most SESSIONS_LABELLED_MAX sessions (all of them are
// counted by state in tandem_replication_sessions); `remote` names remote systems (a handful);
// `route` is a route pattern, never a URL; `op`, `state`, `dialect`, `kind` are enums.
import { statfsSync } from 'node:fs';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Clock } from '../core/clock.ts';
import type { MetaStore } from '../core/meta-store.ts';
import type { ReplicationSession } from '../core/replication/model.ts';
import { isRpoCompliant, lagSeconds as coreLagSeconds } from '../core/replication/session-figures.ts';
import type { MaintenanceCounters } from '../engine/blockstore.ts';
import { LATENCY_BUCKETS_SECONDS, VOLUMES_LABELLED_MAX, type IoKind, type NbdIoStats } from '../nbd/io-stats.ts';
import { histogramSamples, scrapeMetric, type Sample } from './scrape-metric.ts';

/** Sessions with series of their own, in name order; enough for a lab and a mid-size array. */
export const SESSIONS_LABELLED_MAX = 256;

export interface MetricsSources {
  clock: Clock;
  meta: MetaStore;
  dataDir: string;
  nbd: { connectionCount(): number; stats: NbdIoStats };
  engine: {
    stats(): { segmentBytes: number; liveBytes: number; volumes: number };
    maintenance: MaintenanceCounters;
    recovery: { replayedRecords: number };
    /** How long opening the engine (checkpoint load and log replay) took at start. */
    openSeconds: number;
  };
  replication: { listShared(): readonly ReplicationSession[]; shippedBytes(id: string): number; uncopiedBytes(id: string): number | null };
  peers: { connectionState(peerSystemId: string): string; roundTripSeconds(peerSystemId: string): number | null };
  faults(): Array<{ kind: string }>;
}

export class SystemMetrics {
  readonly registry = new Registry();
  private readonly apiRequests: Counter<'dialect' | 'method' | 'route' | 'status'>;
  private readonly apiSeconds: Histogram<'dialect'>;
  private readonly cycleSeconds: Histogram<'role'>;

  constructor(
    private readonly sources: MetricsSources,
    options: { processMetrics: boolean } = { processMetrics: false },
  ) {
    const registers = [this.registry];
    this.apiRequests = new Counter({ name: 'tandem_api_requests_total', help: 'API requests answered, by dialect, method, route pattern and status.', labelNames: ['dialect', 'method', 'route', 'status'], registers });
    this.apiSeconds = new Histogram({ name: 'tandem_api_request_duration_seconds', help: 'API request duration, by dialect.', labelNames: ['dialect'], buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30], registers });
    this.cycleSeconds = new Histogram({ name: 'tandem_replication_cycle_duration_seconds', help: 'Duration of replication cycles and resyncs committed (snapshot, ship, commit), as the source timed them.', labelNames: ['role'], buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600], registers });
    // Node's own metrics watch the event loop with a timer of their own: only for a system that has
    // its process to itself, not for the many systems a test run starts in one process.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    this.defineIo();
    this.defineReplication();
    this.definePeers();
    this.defineEngine();
  }

  /** Counts one answered API request (the dialects' onResponse hook). */
  apiRequest(dialect: string, method: string, route: string, status: number, seconds: number): void {
    this.apiRequests.inc({ dialect, method, route, status: String(status) });
    this.apiSeconds.observe({ dialect }, seconds);
  }

  /** A session record committed a new cycle duration (observed where records are written). */
  cycleCommitted(role: string, seconds: number): void {
    this.cycleSeconds.observe({ role }, seconds);
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private defineIo(): void {
    const { nbd, meta } = this.sources;
    const perVolume = (pick: (c: { readOps: number; readBytes: number; writeOps: number; writeBytes: number; errors: number }) => number) => (): Sample[] => {
      const samples: Sample[] = [];
      let other = 0;
      for (const [id, counters] of nbd.stats.volumes()) {
        const name = samples.length < VOLUMES_LABELLED_MAX ? meta.getShared('volume', id)?.name : undefined;
        if (name !== undefined) samples.push({ labels: { volume: name }, value: pick(counters) });
        else other += pick(counters);
      }
      samples.push({ labels: { volume: '_other' }, value: other });
      return samples;
    };
    const reg = this.registry;
    scrapeMetric(reg, 'tandem_volume_read_ops_total', 'NBD reads completed, per volume.', 'counter', perVolume((c) => c.readOps));
    scrapeMetric(reg, 'tandem_volume_read_bytes_total', 'Bytes read over NBD, per volume.', 'counter', perVolume((c) => c.readBytes));
    scrapeMetric(reg, 'tandem_volume_write_ops_total', 'NBD writes completed, per volume.', 'counter', perVolume((c) => c.writeOps));
    scrapeMetric(reg, 'tandem_volume_write_bytes_total', 'Bytes written over NBD, per volume.', 'counter', perVolume((c) => c.writeBytes));
    scrapeMetric(reg, 'tandem_volume_io_errors_total', 'NBD requests that failed (EIO, ENOSPC, ...), per volume.', 'counter', perVolume((c) => c.errors));
    scrapeMetric(reg, 'tandem_nbd_connections', 'NBD client connections open now.', 'gauge', () => [{ value: nbd.connectionCount() }]);
    scrapeMetric(reg, 'tandem_nbd_connections_total', 'NBD client connections accepted since start.', 'counter', () => [{ value: nbd.stats.connectionsTotal }]);
    const ops: IoKind[] = ['read', 'write', 'flush', 'trim', 'other'];
    scrapeMetric(reg, 'tandem_nbd_request_duration_seconds', 'NBD request latency, from parsed request to reply queued, by operation.', 'histogram', () =>
      ops.flatMap((op) => {
        const h = nbd.stats.latency[op];
        return histogramSamples('tandem_nbd_request_duration_seconds', LATENCY_BUCKETS_SECONDS, h.counts, h.sumSeconds, h.count, { op });
      }),
    );
  }

  private defineReplication(): void {
    const { replication, meta, clock } = this.sources;
    const labelled = (): Array<{ s: ReplicationSession; labels: Record<string, string> }> => {
      const rows = replication.listShared().map((s) => ({ s, labels: { session: resourceName(meta, s), role: s.role, remote: meta.getShared('remote_system', s.remoteSystemId)?.name ?? 'unknown' } }));
      rows.sort((x, y) => x.labels.session.localeCompare(y.labels.session));
      return rows.slice(0, SESSIONS_LABELLED_MAX);
    };
    const perSession = (value: (s: ReplicationSession, nowMs: number) => number | null) => (): Sample[] => {
      const nowMs = clock.nowMs();
      return labelled().flatMap(({ s, labels }) => {
        const v = value(s, nowMs);
        return v === null ? [] : [{ labels, value: v }];
      });
    };
    const reg = this.registry;
    scrapeMetric(reg, 'tandem_replication_sessions', 'Replication sessions on this system, by role and state.', 'gauge', () => {
      const counts = new Map<string, number>();
      for (const s of replication.listShared()) counts.set(`${s.role}\u0000${s.state}`, (counts.get(`${s.role}\u0000${s.state}`) ?? 0) + 1);
      return [...counts].map(([key, value]) => {
        const [role, state] = key.split('\u0000') as [string, string];
        return { labels: { role, state }, value };
      });
    });
    scrapeMetric(reg, 'tandem_replication_session_state', 'The state of each session: 1 on the series whose state label is its current state.', 'gauge', () =>
      labelled().map(({ s, labels }) => ({ labels: { ...labels, state: s.state }, value: 1 })),
    );
    scrapeMetric(reg, 'tandem_replication_lag_seconds', "Age of the destination's consistent copy: now minus the cut time of the last committed cycle (0 for a synchronous session in step; since creation before the first sync).", 'gauge', perSession(lagSeconds));
    scrapeMetric(reg, 'tandem_replication_rpo_seconds', 'The RPO of the session (0 for synchronous sessions).', 'gauge', perSession((s) => s.rpoSeconds));
    scrapeMetric(reg, 'tandem_replication_rpo_compliant', '1 while the lag is within the RPO (synchronous: while in step), else 0.', 'gauge', perSession((s, nowMs) => (isCompliant(s, nowMs) ? 1 : 0)));
    scrapeMetric(reg, 'tandem_replication_shipped_bytes_total', "Data bytes this system's cycles shipped for the session since start.", 'counter', perSession((s) => replication.shippedBytes(s.id)));
    scrapeMetric(reg, 'tandem_replication_last_cycle_duration_seconds', 'Duration of the last committed cycle or resync.', 'gauge', perSession((s) => (s.lastSyncDurationMs === null ? null : s.lastSyncDurationMs / 1000)));
    scrapeMetric(reg, 'tandem_replication_progress_ratio', 'Progress of the running copy (initial copy, cycle or resync), 0 to 1; absent when none runs.', 'gauge', perSession((s) => (s.progressPercentage === null ? null : s.progressPercentage / 100)));
    scrapeMetric(reg, 'tandem_replication_uncopied_bytes', 'Bytes of the running cycle or resync not shipped yet; absent when none runs.', 'gauge', perSession((s) => replication.uncopiedBytes(s.id)));
    scrapeMetric(reg, 'tandem_replication_cycles_total', 'Cycles committed since the session was created (both sides agree on it).', 'counter', perSession((s) => s.baseCycle));
  }

  private definePeers(): void {
    const { peers, meta } = this.sources;
    const reg = this.registry;
    const remotes = () => meta.listShared('remote_system');
    scrapeMetric(reg, 'tandem_peer_link_up', '1 while the data connection to the remote system is OK, else 0.', 'gauge', () =>
      remotes().map((r) => ({ labels: { remote: r.name }, value: peers.connectionState(r.peerSystemId) === 'OK' ? 1 : 0 })),
    );
    scrapeMetric(reg, 'tandem_peer_round_trip_seconds', 'Round trip of the last answered heartbeat to the remote system.', 'gauge', () =>
      remotes().flatMap((r) => {
        const seconds = peers.roundTripSeconds(r.peerSystemId);
        return seconds === null ? [] : [{ labels: { remote: r.name }, value: seconds }];
      }),
    );
    scrapeMetric(reg, 'tandem_faults_active', 'Injected faults active now, by kind.', 'gauge', () => {
      const counts = new Map<string, number>();
      for (const f of this.sources.faults()) counts.set(f.kind, (counts.get(f.kind) ?? 0) + 1);
      return [...counts].map(([kind, value]) => ({ labels: { kind }, value }));
    });
  }

  private defineEngine(): void {
    const { engine, dataDir } = this.sources;
    const reg = this.registry;
    // One stats() per scrape: it walks the live map, so the three space gauges share it.
    let cached: { atMs: number; stats: ReturnType<MetricsSources['engine']['stats']> } | null = null;
    const stats = () => {
      const nowMs = performance.now();
      if (cached === null || nowMs - cached.atMs > 1000) cached = { atMs: nowMs, stats: engine.stats() };
      return cached.stats;
    };
    scrapeMetric(reg, 'tandem_engine_live_bytes', 'Bytes of segment data that volumes, snapshots and clones still reference.', 'gauge', () => [{ value: stats().liveBytes }]);
    scrapeMetric(reg, 'tandem_engine_segment_bytes', 'Bytes of segment files on disk.', 'gauge', () => [{ value: stats().segmentBytes }]);
    scrapeMetric(reg, 'tandem_engine_garbage_bytes', 'Bytes of segment files no volume references (what GC can give back).', 'gauge', () => [{ value: Math.max(0, stats().segmentBytes - stats().liveBytes) }]);
    scrapeMetric(reg, 'tandem_engine_free_bytes', 'Free bytes of the file system holding the data directory.', 'gauge', () => {
      const fs = statfsSync(dataDir);
      return [{ value: fs.bavail * fs.bsize }];
    });
    scrapeMetric(reg, 'tandem_engine_volumes', 'Engine volumes (volumes, snapshots, clones and replication internals).', 'gauge', () => [{ value: stats().volumes }]);
    const m = engine.maintenance;
    scrapeMetric(reg, 'tandem_engine_checkpoints_total', 'Checkpoints written since start.', 'counter', () => [{ value: m.checkpointsCount }]);
    scrapeMetric(reg, 'tandem_engine_checkpoint_seconds_total', 'Time spent writing checkpoints since start.', 'counter', () => [{ value: m.checkpointSecondsTotal }]);
    scrapeMetric(reg, 'tandem_engine_last_checkpoint_seconds', 'Duration of the last checkpoint.', 'gauge', () => (m.lastCheckpointSeconds === null ? [] : [{ value: m.lastCheckpointSeconds }]));
    scrapeMetric(reg, 'tandem_engine_gc_runs_total', 'Garbage collection runs finished since start.', 'counter', () => [{ value: m.gcRunsCount }]);
    scrapeMetric(reg, 'tandem_engine_gc_seconds_total', 'Time spent in garbage collection since start.', 'counter', () => [{ value: m.gcSecondsTotal }]);
    scrapeMetric(reg, 'tandem_engine_gc_freed_bytes_total', 'Bytes garbage collection gave back since start.', 'counter', () => [{ value: m.gcFreedBytesTotal }]);
    scrapeMetric(reg, 'tandem_engine_gc_defragmented_pages_total', 'Map pages (4 MiB of a volume each) garbage collection rewrote in logical order since start.', 'counter', () => [{ value: m.gcDefragmentedPagesTotal }]);
    scrapeMetric(reg, 'tandem_engine_recovery_seconds', 'How long opening the engine took at the last start (checkpoint load and log replay).', 'gauge', () => [{ value: engine.openSeconds }]);
    scrapeMetric(reg, 'tandem_engine_recovery_replayed_records', 'Log records replayed at the last start (0 after a clean stop).', 'gauge', () => [{ value: engine.recovery.replayedRecords }]);
  }
}

/** The lag gauge: always a number here, as a core session knows when it was made. */
export function lagSeconds(s: ReplicationSession, nowMs: number): number {
  return coreLagSeconds(s, nowMs) ?? 0;
}

export function isCompliant(s: ReplicationSession, nowMs: number): boolean {
  return isRpoCompliant(s, nowMs);
}

function resourceName(meta: MetaStore, s: ReplicationSession): string {
  const resource = s.resourceType === 'volume' ? meta.getShared('volume', s.localResourceId) : meta.getShared('volume_group', s.localResourceId);
  return resource?.name ?? s.localResourceId;
}

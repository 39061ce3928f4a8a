// One simulated system: the real core services, metadata store (SQLite in its data directory) and
// replication, over the in-memory engine (memory-block-store.ts) and peer link (sim-network.ts),
// on the shared virtual clock. No HTTP, no NBD: host I/O goes through the VolumeIo port replication
// wraps (MirroredIo), operator actions through the core services both dialects call. A crash fences
// the running incarnation at once; start() opens the next one from the same directory and disk.
import { join } from 'node:path';
import type { CoreContext, IdSource } from '../../src/core/context.ts';
import type { CrashPointName } from '../../src/core/crash-points.ts';
import { HostService } from '../../src/core/hosts.ts';
import { loadOrCreateIdentity } from '../../src/core/identity.ts';
import type { SystemIdentity } from '../../src/core/model.ts';
import type { ReplicationSession } from '../../src/core/replication/model.ts';
import { MutationLock } from '../../src/core/mutation-lock.ts';
import { ProtectionService } from '../../src/core/protection.ts';
import { VolumeGroupService } from '../../src/core/volume-groups.ts';
import { VolumeService } from '../../src/core/volumes.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import { SqliteMetaStore } from '../../src/meta/sqlite-meta-store.ts';
import { HeartbeatMonitor } from '../../src/peer/heartbeat.ts';
import { MetaTrustStore } from '../../src/replication/meta-trust-store.ts';
import { MirroredIo } from '../../src/replication/mirrored-io.ts';
import { installRecCreateOnSource } from '../../src/replication/rec-create-forward.ts';
import { RemoteSystemService } from '../../src/replication/remote-systems.ts';
import { ReplicationService } from '../../src/replication/service.ts';
import { MemoryDisk, type MemoryBlockStore } from './memory-block-store.ts';
import type { Rng } from '../helpers/rng.ts';
import type { SimEndpoint, SimNetwork } from './sim-network.ts';
import type { SimScheduler } from './sim-scheduler.ts';

/** Thrown at a crash point that crashed its system: it ends the code that reached the point. */
export class SimCrash extends Error {
  constructor(readonly point: string) {
    super(`simulated crash at ${point}`);
  }
}

export interface Running {
  owner: string;
  identity: SystemIdentity;
  ctx: CoreContext;
  meta: SqliteMetaStore;
  store: MemoryBlockStore;
  volumes: VolumeService;
  groups: VolumeGroupService;
  protection: ProtectionService;
  jobs: JobRunner;
  remotes: RemoteSystemService;
  io: MirroredIo;
  replication: ReplicationService;
  endpoint: SimEndpoint;
  heartbeat: HeartbeatMonitor;
}

export interface SimSystemDeps {
  scheduler: SimScheduler;
  network: SimNetwork;
  ids: IdSource;
  rng: Rng;
  trace: (line: string) => void;
  /** Asked at every crash point reached: crash this system here? */
  crashHere: (system: SimSystem, point: CrashPointName) => boolean;
}

export class SimSystem {
  readonly disk = new MemoryDisk();
  running: Running | null = null;
  private incarnation = 0;
  crashes = 0;
  /** The staging of the cycles open on this side at its last crash, as its records named them: the restart drops them. */
  openStagingAtCrash: string[] = [];
  /** Called at each crash, once the disk holds what survived it. */
  readonly crashListeners: Array<() => void> = [];

  constructor(
    readonly name: string,
    readonly dataDir: string,
    private readonly deps: SimSystemDeps,
  ) {}

  get up(): Running {
    if (!this.running) throw new Error(`${this.name} is down`);
    return this.running;
  }

  async start(): Promise<void> {
    const { scheduler, network, ids } = this.deps;
    const owner = `${this.name}#${++this.incarnation}`;
    const clock = scheduler.clockFor(owner);
    const meta = new SqliteMetaStore(join(this.dataDir, 'meta.db'));
    const store = this.disk.open();
    const identity = loadOrCreateIdentity(meta, ids, this.name, clock.nowMs());
    // Every change of a session's role, state, generation or base goes into the trace, and of the
    // facts REC races turn on: its resume count, a resume or a suspend under way.
    meta.onCommit((kind, id, before, after) => {
      if (kind !== 'replication_session') return;
      const was = before as ReplicationSession | undefined;
      const now = after as ReplicationSession | undefined;
      const rec = (x: ReplicationSession) => `${x.recResumes > 0 ? ` resume#${x.recResumes}` : ''}${x.resumePending ? ' resuming' : ''}${x.suspendPending ? ' suspending' : ''}`;
      const view = (x: ReplicationSession | undefined) => (x ? `${x.role} ${x.state} gen ${x.generation} base ${x.baseCycle}${x.errorCode ? ` ${x.errorCode}` : ''}${x.failoverTest ? ' test' : ''}${rec(x)}` : 'none');
      if (view(was) !== view(now)) this.deps.trace(`${owner} session ${id.slice(0, 8)} ${view(was)} -> ${view(now)}`);
    });
    const ctx: CoreContext = {
      meta,
      store,
      clock,
      ids,
      identity,
      lock: new MutationLock(),
      listeners: { volumeExportChanged: () => undefined },
      crashPoints: {
        reach: (point) => {
          if (this.running?.owner !== owner || !this.deps.crashHere(this, point)) return;
          this.crash(`crash point ${point}`);
          throw new SimCrash(point);
        },
      },
    };
    const volumes = new VolumeService(ctx);
    const groups = new VolumeGroupService(ctx, volumes);
    new HostService(ctx);
    const protection = new ProtectionService(ctx);
    const jobs = new JobRunner(meta, clock, ids);
    jobs.failInterrupted();
    const endpoint = network.attach(identity.id, owner, clock);
    endpoint.handle('peer.ping', async () => ({ result: { systemId: identity.id, name: identity.name, nowMs: clock.nowMs() } }));
    const trust = new MetaTrustStore(meta);
    const heartbeat = new HeartbeatMonitor({
      endpoint,
      trust,
      clock,
      isRemoteSystem: (p) => meta.list('remote_system').some((r) => r.peerSystemId === p.systemId),
    });
    endpoint.useHeartbeat(heartbeat);
    const remotes = new RemoteSystemService(ctx, endpoint, { address: this.name, managementPort: () => 443, peerPort: () => 8443, certPem: `SIM-CERT-${this.name}` });
    const io = new MirroredIo(store, endpoint);
    const replication = new ReplicationService(ctx, volumes, groups, protection, endpoint, jobs, (m, f) => this.deps.trace(`${owner} log ${m}${f?.error ? ` ${String(f.error).slice(0, 200)}` : ''}`), io);
    installRecCreateOnSource(ctx, endpoint, replication);
    this.running = { owner, identity, ctx, meta, store, volumes, groups, protection, jobs, remotes, io, replication, endpoint, heartbeat };
    this.deps.trace(`${owner} start`);
    await replication.start();
    heartbeat.start();
  }

  /** Power loss: nothing of this incarnation runs or persists after this call. */
  crash(why: string): void {
    const r = this.running;
    if (!r) return;
    this.running = null;
    this.crashes++;
    this.openStagingAtCrash = r.meta.listShared('replication_session').flatMap((s) => Object.values(s.openCycle?.stagingIds ?? {}));
    const { keptWrites, lostWrites } = this.disk.crash(this.deps.rng);
    this.deps.network.detach(r.endpoint);
    this.deps.scheduler.killOwner(r.owner);
    r.heartbeat.stop();
    r.meta.close();
    this.deps.trace(`${r.owner} CRASH (${why}) kept ${keptWrites} lost ${lostWrites} unsynced writes`);
    for (const listener of this.crashListeners) listener();
  }

  /** A clean stop (end of the run). */
  async stop(): Promise<void> {
    const r = this.running;
    if (!r) return;
    this.running = null;
    r.heartbeat.stop();
    this.deps.network.detach(r.endpoint);
    this.deps.scheduler.killOwner(r.owner);
    r.meta.close();
    r.store.fence();
  }
}

// The deterministic simulation of two systems (FoundationDB's simulator and TigerBeetle's VOPR are
// the models): one seed drives a random workload of host writes and flushes, operator actions,
// link faults and crashes of either system at named crash points, in virtual time, and checks the
// invariants after every step and the data at quiet points. Same seed, same trace, same hash.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CRASH_POINT_NAMES, type CrashPointName } from '../../src/core/crash-points.ts';
import { DomainError } from '../../src/core/errors.ts';
import type { ReplicationSession } from '../../src/core/replication/model.ts';
import { isCopySession } from '../../src/core/replication/rules.ts';
import { BLOCK_BYTES } from '../../src/limits.ts';
import { installFingerprint } from '../../src/replication/remote-systems.ts';
import { CrashedError } from './memory-block-store.ts';
import { Rng, seededIds } from '../helpers/rng.ts';
import { CALM, SimNetwork } from './sim-network.ts';
import { SimScheduler } from './sim-scheduler.ts';
import { SimCrash, SimSystem } from './sim-system.ts';
import { WideWorkload } from './workload-v4.ts';
import { LifecycleWorkload } from './workload-v5.ts';
import { RecBufferWorkload } from './workload-v6.ts';
import { RestoreWorkload } from './workload-v7.ts';

export interface SimOptions {
  seed: number;
  steps: number;
  /** Print each trace line as it happens. */
  verbose?: boolean;
  /** Steps between quiet points (faults healed, sessions settled, data compared). */
  quietEvery?: number;
  /**
   * Which workload (default the widest). Bugs keep the one they were found with, so that their
   * seeds replay the same runs: v1 one Asynchronous volume session, PowerStore actions; v2 adds
   * failover tests; v3 adds a Synchronous session (rpo Zero), an ETERNUS REC (Consistency) with
   * suspend, resume and reverse, and a volume protected while the run goes on; v4 adds REC
   * sessions in Stack and Through mode, REC modify (transfer mode), delete and re-create, writes
   * to suspended destinations, a protected volume group (write-order consistency, members added
   * and removed), policies unassigned and reassigned, and volume deletion (workload-v4.ts); v5
   * adds protected volumes grown, a second group's whole life and REC pairs with recovery mode
   * Manual (workload-v5.ts).
   */
  workload?: Workload;
  /** Crashes allowed per run (at crash points and between steps). */
  crashBudget?: number;
}

export interface SimResult {
  seed: number;
  steps: number;
  traceHash: string;
  failures: string[];
  /** The last lines of the trace (all of them with verbose). */
  tail: string[];
  stats: { virtualSeconds: number; crashes: number; crashPoints: Partial<Record<CrashPointName, number>>; writes: number; flushes: number; actions: Record<string, number>; quietPoints: number; traceLines: number; recBufferOverloads: number };
}

export type Workload = 'v1' | 'v2' | 'v3' | 'v4' | 'v5' | 'v6' | 'v7';

const VOLUME_BYTES = 1024 * 1024;
const VOLUME_BLOCKS = VOLUME_BYTES / BLOCK_BYTES;
/** How long a quiet point lets sessions recover: past the 5-minute RPO's cycle interval and a retry. */
const QUIET_SETTLE_MS = 330_000;
/** How long a quiet point lets a scheduled cycle that has just begun run to its end. */
const MID_CYCLE_WAIT_MS = 30_000;
const STEADY = new Set(['OK', 'Failed_Over', 'Paused', 'Suspended']);

/** What a host wrote to one volume of one system while it was a writable source. */
interface VolumeModel {
  /** Contents as the host wrote them (every write issued, in order). */
  bytes: Buffer;
  /** Contents at the last acknowledged flush; null until the first one since tracking began (what was durable then is unknown). */
  flushed: Buffer | null;
  /** Writes issued since that flush, in order: a crash keeps a prefix of them. */
  since: { offsetBytes: number; data: Buffer }[];
  /** Writes issued and not answered yet (a synchronous source holds them during its final cut): the contents are compared only without any. */
  inflight: number;
  /**
   * The session's generation when the model was taken: a role change (even out and back within
   * one step, or before a crash the step's check never saw) lets replication rewrite the volume
   * (rollback, cycles as a destination), so a model of another generation no longer says what
   * the host wrote.
   */
  generation: number;
}

function isCrashDebris(error: unknown): boolean {
  if (error instanceof SimCrash || error instanceof CrashedError) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /database connection is not open|engine crashed|this endpoint is closed|^site-[ab] is down$/.test(message);
}

export async function runSimulation(options: SimOptions): Promise<SimResult> {
  const { seed, steps } = options;
  const quietEvery = options.quietEvery ?? 40;
  const workload = options.workload ?? 'v3';
  const failoverTests = workload !== 'v1';
  /** v3 on: several sessions, one picked per step. */
  const several = workload === 'v3' || workload === 'v4' || workload === 'v5' || workload === 'v6' || workload === 'v7';
  const root = new Rng(seed);
  const work = root.fork();
  const netRng = root.fork();
  const idRng = root.fork();
  const diskRng = root.fork();
  const crashRng = root.fork();
  const scheduler = new SimScheduler();
  const hash = createHash('sha256');
  const tail: string[] = [];
  let traceLines = 0;
  const trace = (line: string): void => {
    const text = `${(scheduler.nowMs() - Date.UTC(2026, 0, 1)).toString().padStart(9)} ${line}`;
    hash.update(text + '\n');
    traceLines++;
    if (options.verbose) console.log(text);
    if (line.includes(' peer.ping ')) return; // heartbeats: in the hash, not in the tail
    tail.push(text);
    if (tail.length > 400) tail.shift();
  };
  const failures: string[] = [];
  const fail = (what: string): void => {
    if (failures.length < 20) failures.push(`t=${scheduler.nowMs() - Date.UTC(2026, 0, 1)}ms ${what}`);
    trace(`FAILURE ${what}`);
  };
  scheduler.isCrash = isCrashDebris;
  const stats: SimResult['stats'] = { virtualSeconds: 0, crashes: 0, crashPoints: {}, writes: 0, flushes: 0, actions: {}, quietPoints: 0, traceLines: 0, recBufferOverloads: 0 };

  // Leftover code of a crashed incarnation rejects promises nobody awaits: those are expected. Any
  // other unhandled rejection is a bug in the code under test.
  const onUnhandled = (reason: unknown): void => {
    if (!isCrashDebris(reason)) fail(`unhandled rejection: ${reason instanceof Error ? reason.stack?.split('\n').slice(0, 3).join(' | ') : String(reason)}`);
  };
  process.on('unhandledRejection', onUnhandled);
  installFingerprint((pem) => createHash('sha256').update(pem).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:'));

  const dataRoot = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'tandem-sim-'));
  const network = new SimNetwork(scheduler, netRng, (line) => trace(`net ${line}`));
  const ids = seededIds(idRng);
  let crashBudget = options.crashBudget ?? Math.max(2, Math.floor(steps / 25));
  let quiet = true; // no crashes while setting up and at quiet points
  const systems: SimSystem[] = [];
  const crashHere = (system: SimSystem, point: CrashPointName): boolean => {
    trace(`${system.name} reached ${point}`);
    if (quiet || crashBudget <= 0) return false;
    if (systems.some((s) => s !== system && !s.running)) return false; // never both down
    if (!crashRng.chance(0.15)) return false;
    crashBudget--;
    stats.crashPoints[point] = (stats.crashPoints[point] ?? 0) + 1;
    scheduleRestart(system);
    return true;
  };
  const deps = { scheduler, network, ids, rng: diskRng, trace, crashHere };
  const a = new SimSystem('site-a', mkdtempSync(join(dataRoot, 'a-')), deps);
  const b = new SimSystem('site-b', mkdtempSync(join(dataRoot, 'b-')), deps);
  systems.push(a, b);
  const models = new Map<string, VolumeModel>(); // `${system}:${volumeId}`
  /** Volumes (`system:volume`) whose contents an action is replacing: no model until it is done. */
  const replacing = new Map<string, number>();
  const replacingContents = (key: string): { done: () => void } => {
    replacing.set(key, (replacing.get(key) ?? 0) + 1);
    models.delete(key);
    return {
      done: () => {
        const left = (replacing.get(key) ?? 1) - 1;
        if (left > 0) replacing.set(key, left);
        else replacing.delete(key);
        models.delete(key);
      },
    };
  };

  let laterPolicy: { policyId: string } | null = null;
  const generations = new Map<string, number>(); // `${system}:${sessionId}`

  const scheduleRestart = (system: SimSystem): void => {
    const downMs = work.int(500, 20_000);
    scheduler.add('world', `restart ${system.name}`, downMs, () => void restart(system));
  };
  const restart = async (system: SimSystem): Promise<void> => {
    if (system.running) return;
    try {
      await system.start();
    } catch (error) {
      // In production the process would not come up (startSystem awaits replication.start()).
      fail(`${system.name} failed to start after a crash: ${error instanceof Error ? error.stack?.split('\n').slice(0, 3).join(' | ') : String(error)}`);
      return;
    }
    // A cycle open at the crash will not commit: the restart drops its staging, which the record named.
    if (system.openStagingAtCrash.length > 0) trace(`${system.name} had ${system.openStagingAtCrash.length} staging of open cycles at its crash`);
    for (const id of system.openStagingAtCrash) if (system.up.store.hasVolume(id)) fail(`${system.name} kept the staging ${id} of a cycle open at its crash`);
    await checkDurable(system);
  };

  /** After a restart: every flushed write is there, and of the later ones a prefix. */
  async function checkDurable(sys: SimSystem): Promise<void> {
    for (const [key, m] of models) {
      if (!key.startsWith(`${sys.name}:`)) continue;
      const volumeId = key.slice(sys.name.length + 1);
      if (!sys.up.store.hasVolume(volumeId)) {
        fail(`${sys.name} volume ${volumeId} is gone after a restart`);
        models.delete(key);
        continue;
      }
      const session = sys.up.replication.sessionOfVolume(volumeId);
      if (!session || session.role !== 'Source' || session.generation !== m.generation) {
        // Replication may have rewritten it since (simulation seed 81, v2: demoted, rolled back,
        // cycled into and promoted again within one step, then a crash).
        trace(`${key} durable: not checked (session ${session ? `${session.role} gen ${session.generation}` : 'gone'}, model of gen ${m.generation})`);
        models.delete(key);
        continue;
      }
      const actual = await sys.up.store.read(volumeId, 0, VOLUME_BYTES);
      if (m.flushed === null) {
        trace(`${key} durable: not checked (no flush since tracking began)`);
        models.delete(key);
        continue;
      }
      const candidate = Buffer.from(m.flushed);
      let matched = actual.equals(candidate) ? 0 : -1;
      for (let k = 0; matched < 0 && k < m.since.length; k++) {
        m.since[k]!.data.copy(candidate, m.since[k]!.offsetBytes);
        if (actual.equals(candidate)) matched = k + 1;
      }
      if (matched < 0) fail(`${sys.name} volume ${volumeId} after restart is not its flushed contents plus a prefix of later writes (first difference at byte ${firstDifference(actual, m.flushed)})`);
      else trace(`${key} durable: flushed + ${matched}/${m.since.length} later writes`);
      // What survived is durable now (the real engine checkpoints what its recovery replayed).
      models.set(key, { bytes: Buffer.from(actual), flushed: Buffer.from(actual), since: [], inflight: 0, generation: m.generation });
    }
  }

  try {
    await a.start();
    await b.start();
    // Pairing as POST /x509_certificate/exchange and POST /remote_system do it.
    a.up.remotes.acceptExchange(b.up.remotes.offer());
    b.up.remotes.acceptExchange(a.up.remotes.offer());
    await scheduler.runFor(5_000);
    const rsOnA = await settleCall(scheduler, a.up.remotes.create({ managementAddress: 'site-b', managementPort: 443 }));
    const rule = await a.up.protection.createReplicationRule({ name: 'sim-rule', rpo: 'Five_Minutes', remoteSystemId: rsOnA.id });
    const policy = await a.up.protection.createPolicy({ name: 'sim-policy', replicationRuleIds: [rule.id] });
    const volume = await settleCall(scheduler, a.up.volumes.create({ name: 'vol-1', sizeBytes: VOLUME_BYTES, protectionPolicyId: policy.id }));
    await scheduler.runFor(10_000);
    const sessionId = a.up.replication.list()[0]?.id;
    if (!sessionId) throw new Error('setup: no session was created');
    trace(`setup session ${sessionId} volume ${volume.id} state ${a.up.replication.get(sessionId).state}`);
    let wide: WideWorkload | null = null;
    let lifecycle: LifecycleWorkload | null = null;
    let recBuffer: RecBufferWorkload | null = null;
    let restores: RestoreWorkload | null = null;
    /** v6: the link is thin from the setup and after every quiet point. */
    const thinLink = (w: RecBufferWorkload): void => {
      network.faults = w.thinLink();
      trace(`link faults ${JSON.stringify(network.faults)}`);
    };
    /** Link cuts so far: a flap's end heals only its own cut. */
    let cuts = 0;
    if (several) {
      // Synchronous (PowerStore rpo Zero) and an ETERNUS REC in Consistency mode, paired as
      // POST /api/v1/copysession does it (the destination volume exists on the remote box).
      const zero = await a.up.protection.createReplicationRule({ name: 'sim-zero', rpo: 'Zero', remoteSystemId: rsOnA.id });
      const metro = await a.up.protection.createPolicy({ name: 'sim-sync', replicationRuleIds: [zero.id] });
      await settleCall(scheduler, a.up.volumes.create({ name: 'vol-sync', sizeBytes: VOLUME_BYTES, protectionPolicyId: metro.id }));
      const recSource = await a.up.volumes.create({ name: 'vol-rec', sizeBytes: VOLUME_BYTES });
      const recTarget = await b.up.volumes.create({ name: 'vol-rec-copy', sizeBytes: VOLUME_BYTES });
      await settleCall(scheduler, a.up.replication.createRec({ localVolumeId: recSource.id, remoteSystemId: rsOnA.id, destinationVolumeNumber: recTarget.number, transferMode: 'Consistency', splitMode: 'Automatic', recoveryMode: 'Automatic' }));
      laterPolicy = { policyId: policy.id };
      await scheduler.runFor(10_000);
      if (workload === 'v4' || workload === 'v5' || workload === 'v6' || workload === 'v7') {
        wide = new WideWorkload({ work, scheduler, a, b, volumeBytes: VOLUME_BYTES, trace, fail, act: (name, sys, run) => act(name, sys, run), settle: (p) => settleCall(scheduler, p), forgetModel: (key) => void models.delete(key), replacingContents });
        await wide.setup(policy.id, metro.id);
        if (workload === 'v5' || workload === 'v6' || workload === 'v7') lifecycle = new LifecycleWorkload(wide.context, { asyncPolicyId: policy.id, syncPolicyId: metro.id }, (sys) => sys.up.meta.list('remote_system')[0]!.id);
      }
      if (workload === 'v7' && wide) restores = new RestoreWorkload(wide.context, wide);
      if (workload === 'v6' && wide) {
        recBuffer = new RecBufferWorkload(wide.context);
        await recBuffer.setup(rsOnA.id);
        thinLink(recBuffer);
      }
      for (const x of a.up.replication.list()) trace(`setup session ${x.id} ${x.transferMode} ${x.state}`);
    }
    quiet = false;

    // ---------------------------------------------------------------- the checks

    const sessionsOf = (s: SimSystem): ReplicationSession[] => (s.running ? s.running.replication.list() : []);

    const checkInvariants = async (): Promise<void> => {
      const up = systems.filter((s) => s.running);
      for (const sys of up) {
        for (const s of sessionsOf(sys)) {
          const key = `${sys.name}:${s.id}`;
          const before = generations.get(key) ?? 0;
          if (s.generation < before) fail(`${sys.name} session ${s.id} generation went down ${before} -> ${s.generation}`);
          generations.set(key, Math.max(before, s.generation));
          if (wide) {
            wide.forgetTouched(sys, s);
            for (const p of s.elementPairs) if (!sys.up.meta.get('volume', p.localVolumeId)) fail(`${sys.name} session ${s.id} (${s.role} ${s.state}) holds volume ${p.localVolumeId}, which does not exist`);
          }
          if (s.role === 'Destination' && !s.failoverTest && s.state !== 'Suspended') {
            for (const p of s.elementPairs) {
              const v = sys.up.meta.get('volume', p.localVolumeId);
              if (v && sys.up.replication.isHostWritable(v)) fail(`${sys.name} destination volume ${v.name} of session ${s.id} (${s.state}, gen ${s.generation}) is host-writable`);
            }
          }
        }
      }
      if (a.running && b.running) {
        for (const s of sessionsOf(a)) {
          const other = sessionsOf(b).find((x) => x.id === s.id);
          if (other && s.role === 'Source' && other.role === 'Source' && s.generation === other.generation) fail(`two Sources of session ${s.id} at generation ${s.generation} (${s.state} / ${other.state})`);
        }
      }
      if (wide) await wide.checkGroup();
      // Host-visible contents of writable source volumes follow the host's writes exactly.
      // A system may crash while this check awaits a read (an action's continuation reaches a
      // crash point meanwhile, v4 seed 3197): its models are then checked after its restart.
      checked: for (const sys of up) {
        for (const s of sessionsOf(sys)) {
          for (const p of s.elementPairs) {
            if (!sys.running) continue checked;
            const key = `${sys.name}:${p.localVolumeId}`;
            if (replacing.has(key)) continue;
            const v = sys.up.meta.get('volume', p.localVolumeId);
            const writable = s.role === 'Source' && v !== undefined && sys.up.replication.isHostWritable(v);
            if (!writable) {
              if (models.delete(key)) trace(`model ${key} dropped (${s.role} ${s.state})`);
              continue;
            }
            const actual = await sys.up.store.read(p.localVolumeId, 0, VOLUME_BYTES);
            if (!sys.running) continue checked;
            const m = models.get(key);
            if (!m || m.generation !== s.generation) {
              models.set(key, { bytes: Buffer.from(actual), flushed: null, since: [], inflight: 0, generation: s.generation });
              trace(`model ${key} taken (${s.role} ${s.state} gen ${s.generation})`);
            } else if (m.inflight === 0 && !actual.equals(m.bytes)) {
              fail(`${sys.name} source volume ${v!.name} differs from what the host wrote (first at byte ${firstDifference(actual, m.bytes)}; session ${s.state} gen ${s.generation})`);
              m.bytes = Buffer.from(actual);
            }
          }
        }
      }
    };

    /** Faults healed, both systems up, sessions settled: roles agree and the destination holds the last cut. */
    const quietPoint = async (): Promise<void> => {
      stats.quietPoints++;
      quiet = true;
      network.partitioned = false;
      network.faults = CALM;
      trace('quiet point: heal');
      for (const sys of systems) if (!sys.running) await restart(sys);
      // A halted session retries by the next RPO interval (service.ts arm): wait one and a bit.
      await scheduler.runFor(QUIET_SETTLE_MS);
      // A scheduled cycle may begin in the very millisecond the wait ends (v3 seed 2634): its source
      // shows Synchronizing for the few milliseconds the cycle takes. Let such cycles end; a source
      // stuck Synchronizing stays so and still fails below.
      const inCycle = (x: ReplicationSession): boolean => x.role === 'Source' && x.transferMode === 'Asynchronous' && x.state === 'Synchronizing' && x.errorCode === null;
      const anyInCycle = (which: (x: ReplicationSession) => boolean): boolean => systems.some((sys) => sessionsOf(sys).some((x) => which(x) && inCycle(x)));
      const waitOutCycles = async (which: (x: ReplicationSession) => boolean): Promise<void> => {
        for (let waited_ms = 0; waited_ms < MID_CYCLE_WAIT_MS && anyInCycle(which); waited_ms += 1_000) await scheduler.runFor(1_000);
      };
      await waitOutCycles(() => true);
      /** One session's records on site-a (s) and site-b (other), settled. */
      const quietSession = async (onA: ReplicationSession, onB: ReplicationSession): Promise<void> => {
        // The checks of the sessions before this one take virtual time, and a scheduled cycle of
        // this one may begin meanwhile (v5 seed 8544: judged 1 ms into it): let it end, and judge
        // the records as they are then.
        let s = onA;
        let other = onB;
        const thisOne = (x: ReplicationSession): boolean => x.id === onA.id;
        if (anyInCycle(thisOne)) {
          await waitOutCycles(thisOne);
          s = sessionsOf(a).find((x) => x.id === onA.id) ?? onA;
          other = sessionsOf(b).find((x) => x.id === onA.id) ?? onB;
        }
        const [src, dst] = s.role === 'Source' ? [a, b] : [b, a];
        const srcS = s.role === 'Source' ? s : other;
        const dstS = s.role === 'Source' ? other : s;
        if (s.role === other.role) {
          fail(`session ${s.id}: both sides are ${s.role} after healing (gen ${s.generation}/${other.generation}, ${s.state}/${other.state})`);
          return;
        }
        if (srcS.generation !== dstS.generation) fail(`session ${s.id}: generations differ after healing (source ${srcS.generation}, destination ${dstS.generation})`);
        const steady = (x: ReplicationSession) => STEADY.has(x.state) || (wide?.steady(x) ?? false);
        if (!steady(srcS) || !steady(dstS)) {
          fail(`session ${s.id} not steady after healing: source ${src.name} ${srcS.state} (${srcS.errorCode}), destination ${dst.name} ${dstS.state} [${srcS.transferMode}]`);
          return;
        }
        // Both systems show a settled session in the same state (PowerStore lists one session on both).
        if (wide && srcS.state !== dstS.state) fail(`session ${s.id}: the destination ${dst.name} shows ${dstS.state}, its source ${srcS.state} [${srcS.transferMode}]`);
        if (wide?.handles(srcS)) return wide.quietRec(src, dst, srcS, dstS);
        if (srcS.state === 'OK') {
          // A sync makes the last committed cut now; the destination must hold exactly its bytes.
          // (A REC has no sync: its Consistency cycles run back to back, so it is settled by now.)
          const synced = isCopySession(srcS) ? true : await settleCall(scheduler, Promise.resolve().then(() => src.up.replication.sync(s.id))).then(() => true, (e: unknown) => {
            fail(`session ${s.id}: sync at a quiet point failed: ${String(e)}`);
            return false;
          });
          if (!synced) return;
          await scheduler.runFor(5_000);
          const nowSrc = src.up.replication.get(s.id);
          const nowDst = dst.up.replication.get(s.id);
          if (nowSrc.baseCycle !== nowDst.baseCycle) fail(`session ${s.id}: base cycles differ after a sync (source ${nowSrc.baseCycle}, destination ${nowDst.baseCycle})`);
          for (const p of nowSrc.elementPairs) {
            if (!p.localBaseSnapshotId) {
              fail(`session ${s.id}: no base after a sync`);
              return;
            }
            const cut = await src.up.store.read(p.localBaseSnapshotId, 0, VOLUME_BYTES);
            const live = await src.up.store.read(p.localVolumeId, 0, VOLUME_BYTES);
            // During a failover test the cycles land in the hidden shadow, not in the volume hosts test on.
            const replica = nowDst.failoverTest?.shadowVolumeIds[p.remoteVolumeId] ?? p.remoteVolumeId;
            const remote = await dst.up.store.read(replica, 0, VOLUME_BYTES);
            if (!cut.equals(live)) fail(`session ${s.id}: the source's base differs from its volume right after a sync (byte ${firstDifference(cut, live)})`);
            if (!cut.equals(remote)) {
              const dstPair = nowDst.elementPairs.find((x) => x.localVolumeId === p.remoteVolumeId);
              const dstBase = dstPair?.localBaseSnapshotId ? await dst.up.store.read(dstPair.localBaseSnapshotId, 0, VOLUME_BYTES) : null;
              const at = firstDifference(cut, remote);
              const blockAt = at - (at % BLOCK_BYTES);
              fail(`session ${s.id}: destination ${dst.name}${replica !== p.remoteVolumeId ? ' (failover test shadow)' : ''} differs from the source's last committed cut ${nowSrc.baseCycle} (first at byte ${at}: source step ${cut.readUInt32BE(blockAt)} fill ${cut[blockAt + 4]}, destination step ${remote.readUInt32BE(blockAt)} fill ${remote[blockAt + 4]}; destination base ${dstBase === null ? 'none' : dstBase.equals(remote) ? 'equals its volume' : 'differs from its volume'})`);
            }
            else trace(`quiet: session ${s.id} cycle ${nowSrc.baseCycle} destination equals the cut`);
          }
        } else trace(`quiet: session ${s.id} steady in ${srcS.state}/${dstS.state}`);
      };
      await lifecycle?.recoverManualPairs();
      await recBuffer?.recoverOverloadedPairs();
      if (wide) await wide.quiet(quietSession);
      else {
        for (const s of sessionsOf(a)) {
          const other = sessionsOf(b).find((x) => x.id === s.id);
          if (!other) {
            fail(`session ${s.id} exists on site-a only`);
            continue;
          }
          await quietSession(s, other);
        }
      }
      lifecycle?.checkSizes();
      await checkInvariants();
      if (recBuffer) thinLink(recBuffer);
      quiet = false;
    };

    // ---------------------------------------------------------------- the workload

    const act = (name: string, sys: SimSystem, run: () => Promise<unknown>): void => {
      stats.actions[name] = (stats.actions[name] ?? 0) + 1;
      const owner = sys.running?.owner;
      trace(`${owner} action ${name}`);
      Promise.resolve()
        .then(run)
        .then(
          () => trace(`${owner} action ${name} done`),
          (e: unknown) => {
            if (e instanceof DomainError) trace(`${owner} action ${name} refused ${e.code}: ${e.message.slice(0, 100)}`);
            else if (isCrashDebris(e)) trace(`${owner} action ${name} ended by a crash`);
            else fail(`${owner} action ${name} threw ${e instanceof Error ? e.stack?.split('\n').slice(0, 3).join(' | ') : String(e)}`);
          },
        );
    };

    /** One host write to a volume of a session, as NBD would issue it: only where the export is writable. */
    const hostWrite = (sys: SimSystem, ws: ReplicationSession | undefined, step: number): void => {
      // v4 writes to any member of a group (v1-v3 draw nothing for it: their seeds replay as found).
      const pair = wide && ws && ws.elementPairs.length > 1 ? work.pick(ws.elementPairs) : ws?.elementPairs[0];
      const v = pair ? sys.up.meta.get('volume', pair.localVolumeId) : undefined;
      if (ws && pair && v && ws.role === 'Source' && sys.up.replication.isHostWritable(v)) {
        const blocks = recBuffer ? recBuffer.writeBlocks() : work.int(1, 8);
        const at = work.int(0, VOLUME_BLOCKS - blocks) * BLOCK_BYTES;
        const fill = work.int(1, 255);
        // A group member's write carries its number in every block (write-order check, workload-v4.ts).
        const grouped = wide && ws.resourceType === 'volume_group' ? wide.groupWrite(sys, ws, v.id, at, blocks, fill) : null;
        // One group write at a time: a write while another is in flight is skipped.
        if (wide && ws.resourceType === 'volume_group' && !grouped) trace(`group write skipped: one in flight`);
        else {
          const data = grouped?.data ?? Buffer.alloc(blocks * BLOCK_BYTES, fill);
          if (!grouped) data.writeUInt32BE(step, 0);
          const key = `${sys.name}:${v.id}`;
          const m = models.get(key);
          const entry: { offsetBytes: number; data: Buffer } = { offsetBytes: at, data };
          if (m) {
            data.copy(m.bytes, at);
            m.since.push(entry);
            m.inflight++;
          }
          stats.writes++;
          wide?.noteSourceWrite(sys, ws, v.id);
          const owner = sys.up.owner;
          act('write', sys, () =>
            sys.up.io.write(v.id, at, data).catch(async (error: unknown) => {
              // A refused write (split mode Manual with the path down: EIO to the host) may or may
              // not have reached the local volume: the model takes what is there.
              if (m && models.get(key) === m && sys.running?.owner === owner) {
                const there = await sys.up.store.read(v.id, at, data.length);
                there.copy(m.bytes, at);
                entry.data = there;
              }
              throw error;
            }).finally(() => {
              // In flight until the model knows what a refused write left (a check between the
              // refusal and the read above compared the volume with the write it did not take).
              if (m) m.inflight--;
              grouped?.done();
            }),
          );
        }
      }
    };

    for (let step = 0; step < steps; step++) {
      const up = systems.filter((s) => s.running);
      const sys = work.pick(up);
      // v1 and v2 have one session and draw nothing to choose it (their seeds replay as found).
      const all = sessionsOf(sys);
      const s = several ? (all.length > 0 ? work.pick(all) : undefined) : all.find((x) => x.id === sessionId);
      const roll = work.next();
      trace(`step ${step} ${sys.name} roll ${roll.toFixed(3)}`);
      if (roll < 0.4) {
        // v4: half of the writes go to the volume group when this system is its source (writes to it are what its check needs).
        const ws = recBuffer ? recBuffer.writeTarget(sys, wide!.writeTarget(sys, s)) : wide ? wide.writeTarget(sys, s) : s;
        hostWrite(sys, ws, step);
        // v6: a burst of the host reaches every Consistency source of this system at once, so their cycles share the thin link.
        if (recBuffer) for (const companion of recBuffer.burstCompanions(sys, ws)) hostWrite(sys, companion, step);
      } else if (roll < 0.5) {
        const owner = sys.up.owner;
        const snapshot = [...models].filter(([k]) => k.startsWith(`${sys.name}:`)).map(([k, m]) => [k, Buffer.from(m.bytes), m.since.length] as const);
        stats.flushes++;
        act('flush', sys, async () => {
          await sys.up.io.flush();
          // Acknowledged: what was written before the flush was issued is durable now.
          if (sys.running?.owner !== owner) return;
          for (const [k, bytes, count] of snapshot) {
            const m = models.get(k);
            if (!m) continue;
            m.flushed = bytes;
            m.since = m.since.slice(count);
          }
        });
      } else if (roll < 0.56) {
        network.partitioned = !network.partitioned;
        trace(`link ${network.partitioned ? 'CUT' : 'healed'}`);
        // v6: a cut is a flap that heals by itself (a long one would keep its sessions halted, out of the buffer).
        if (recBuffer && network.partitioned) {
          const cut = ++cuts;
          scheduler.add('world', 'flap ends', recBuffer.flapMs(), () => {
            if (cut !== cuts || !network.partitioned) return;
            network.partitioned = false;
            trace('link healed (the flap ended)');
          });
        }
      } else if (roll < 0.6) {
        if (recBuffer) network.faults = recBuffer.nextFaults(CALM);
        else network.faults = network.faults === CALM ? { dropProbability: work.next() * 0.2, delayMinMs: 1, delayMaxMs: work.int(10, 3000) } : CALM;
        trace(`link faults ${JSON.stringify(network.faults)}`);
      } else if (roll < 0.63) {
        if (crashBudget > 0 && up.length === 2) {
          crashBudget--;
          sys.crash('between steps');
          scheduleRestart(sys);
        }
      } else if (several && laterPolicy && a.running && roll < 0.64) {
        // A volume protected while the run goes on (PowerStore: volume create with a policy).
        const { policyId } = laterPolicy;
        laterPolicy = null;
        act('protect-new-volume', sys, () => a.up.volumes.create({ name: 'vol-late', sizeBytes: VOLUME_BYTES, protectionPolicyId: policyId }));
      } else if (wide && roll < 0.72) {
        if (restores && work.chance(0.6)) restores.action(sys);
        else wide.action(sys);
      } else if (lifecycle && roll < 0.8) {
        // v5 only (v4 has no lifecycle: its seeds replay unchanged); v7 snapshots and restores in both branches.
        if (restores && work.chance(0.8)) restores.action(sys);
        else lifecycle.action(sys);
      } else if (wide && s && isCopySession(s)) {
        wide.recAction(sys, s);
      } else if (s && isCopySession(s)) {
        // ETERNUS REC actions (the copysession routes call these).
        const r = sys.up.replication;
        const choice = work.next();
        if (choice < 0.3) act('rec-suspend', sys, async () => (await r.recSuspend(s.id, work.chance(0.5))).completion);
        else if (choice < 0.6) act('rec-resume', sys, () => r.recResume(s.id));
        else if (choice < 0.75) act('rec-reverse', sys, () => r.recReverse(s.id));
        else if (choice < 0.85) act('rec-modify', sys, () => r.recModify(s.id, { splitMode: work.chance(0.5) ? 'Automatic' : 'Manual' }));
        else act('failover-unplanned', sys, () => r.failover(s.id, { isPlanned: false, reverse: false, force: false, useTestCopy: false, failoverSnapshotId: null }));
      } else if (s) {
        const r = sys.up.replication;
        const choice = work.next();
        if (choice < 0.2) act('failover-unplanned', sys, () => r.failover(s.id, { isPlanned: false, reverse: false, force: false, useTestCopy: false, failoverSnapshotId: null }));
        else if (choice < 0.4) act('reprotect', sys, () => r.reprotect(s.id));
        else if (choice < 0.5) act('failover-planned', sys, () => r.failover(s.id, { isPlanned: true, reverse: work.chance(0.5), force: false, useTestCopy: false, failoverSnapshotId: null }));
        else if (choice < 0.65) act('sync', sys, () => r.sync(s.id));
        else if (!failoverTests && choice < 0.8) act('pause', sys, () => r.pause(s.id));
        else if (!failoverTests) act('resume', sys, () => r.resume(s.id));
        else if (choice < 0.75) act('pause', sys, () => r.pause(s.id));
        else if (choice < 0.9) act('resume', sys, () => r.resume(s.id));
        else if (choice < 0.95) act('failover-test-start', sys, () => r.startFailoverTest(s.id, null));
        else act('failover-test-stop', sys, () => r.stopFailoverTest(s.id, work.chance(0.5)));
      }
      await scheduler.runFor(work.int(100, 8_000));
      for (const e of scheduler.errors.splice(0)) fail(`timer ${e.label} threw ${e.error instanceof Error ? e.error.stack?.split('\n').slice(0, 3).join(' | ') : String(e.error)}`);
      await checkInvariants();
      if (recBuffer) {
        recBuffer.observe();
        stats.recBufferOverloads = recBuffer.overloads;
      }
      if ((step + 1) % quietEvery === 0 || step === steps - 1) await quietPoint();
    }
  } catch (error) {
    fail(`simulation stopped: ${error instanceof Error ? error.stack?.split('\n').slice(0, 4).join(' | ') : String(error)}`);
  } finally {
    quiet = true;
    for (const sys of systems) await sys.stop().catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    process.off('unhandledRejection', onUnhandled);
    rmSync(dataRoot, { recursive: true, force: true });
  }
  stats.virtualSeconds = Math.round((scheduler.nowMs() - Date.UTC(2026, 0, 1)) / 1000);
  stats.crashes = a.crashes + b.crashes;
  stats.traceLines = traceLines;
  return { seed, steps, traceHash: hash.digest('hex').slice(0, 16), failures, tail, stats };
}

/** Runs virtual time until the promise settles (an action that needs the peer takes virtual time). */
async function settleCall<T>(scheduler: SimScheduler, promise: Promise<T>): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => undefined);
  for (let i = 0; i < 600 && !done; i++) await scheduler.runFor(100);
  return tracked;
}

function firstDifference(x: Buffer, y: Buffer): number {
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return i;
  return x.length === y.length ? -1 : Math.min(x.length, y.length);
}

export { CRASH_POINT_NAMES };

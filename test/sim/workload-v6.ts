// Workload v6 of the simulation (simulation.ts): v5 (workload-v5.ts), and REC buffer overload,
// which no other workload reaches (docs/eternus.md "REC buffer overload"):
// - both systems have the smallest buffer the setting allows (1 MB) and the shortest monitoring
//   time (1 minute), and site-a two more Consistency RECs to site-b, so three share one buffer;
// - host writes come in bursts (256 KiB..1 MiB) besides the usual 4..32 KiB, a third of those
//   to a Consistency source reaching the system's other Consistency sources too;
// - the link is thin from the setup and after every quiet point, until a fault changes it, and
//   half the faults are a thin link again: payloads cross it one after another at 4..16 KiB/s;
//   cuts of the link are flaps that heal by themselves within a minute. The sim's
//   volumes are 1 MiB, so this is a WAN link scaled down with them: bursts outrun it, the backlog
//   fills the buffer, stays there for the monitoring time, and the Consistency sessions halt.
// Every check of v5 holds meanwhile. At quiet points a pair halted for overload must show the halt
// on both boxes (the destination is told); then the operator frees it as the manuals say (a
// forced suspend, then a resume) and the common checks see it caught up.
// v6 draws its own numbers only in its own branches, so the seeds of v1..v5 replay unchanged.
import type { ReplicationSession } from '../../src/core/replication/model.ts';
import { isBufferOverloadHalt, REC_BUFFER_OVERLOAD } from '../../src/core/replication/rec-buffer.ts';
import type { LinkFaults } from './sim-network.ts';
import type { SimSystem } from './sim-system.ts';
import type { WideContext } from './workload-v4.ts';
import { freeHaltedRec } from './workload-v5.ts';

/** The smallest buffer and monitoring time the setting accepts: what overload needs least to reach. */
const TIGHT_BUFFER = { size_mb: 1, monitoring_time_minutes: 1 };
/** Consistency RECs site-a has besides v3's: three sessions share the buffer to site-b. */
const EXTRA_CONSISTENCY_VOLUMES = ['vol-rec-2', 'vol-rec-3'];
const BURST_BLOCKS_MIN = 64;
const BURST_BLOCKS_MAX = 256;
const THIN_LINK_BYTES_PER_S_MIN = 4 * 1024;
const THIN_LINK_BYTES_PER_S_MAX = 16 * 1024;
/** Cuts of the link are flaps of 5..60 s. */
const FLAP_MS_MIN = 5_000;
const FLAP_MS_MAX = 60_000;
/** How long a freed pair is given to catch up over the calm link (1 MiB volumes: seconds). */
const CATCH_UP_MS = 30_000;

export class RecBufferWorkload {
  /** Halts for overload seen after a step, per system and session (the trace shows how often the workload reaches one). */
  private readonly seen = new Set<string>();

  constructor(private readonly c: WideContext) {}

  private sessionsOf(sys: SimSystem): ReplicationSession[] {
    return sys.running ? sys.running.replication.list() : [];
  }

  /** The tight buffer on both systems (kept in their metadata, so restarts keep it) and more Consistency RECs. */
  async setup(remoteSystemId: string): Promise<void> {
    const { a, b, volumeBytes, settle } = this.c;
    for (const sys of [a, b]) sys.up.replication.recBuffer.set(TIGHT_BUFFER);
    for (const name of EXTRA_CONSISTENCY_VOLUMES) {
      const source = await a.up.volumes.create({ name, sizeBytes: volumeBytes });
      const target = await b.up.volumes.create({ name: `${name}-copy`, sizeBytes: volumeBytes });
      await settle(a.up.replication.createRec({ localVolumeId: source.id, remoteSystemId, destinationVolumeNumber: target.number, transferMode: 'Consistency', splitMode: 'Automatic', recoveryMode: 'Automatic' }));
    }
    await this.c.scheduler.runFor(10_000);
  }

  /** Where a host write goes: mostly a Consistency source of this system, whose backlog fills the buffer. */
  writeTarget(sys: SimSystem, picked: ReplicationSession | undefined): ReplicationSession | undefined {
    if (!this.c.work.chance(0.8)) return picked;
    const consistency = this.sessionsOf(sys).filter((s) => s.role === 'Source' && s.transferMode === 'Consistency');
    return consistency.length > 0 ? this.c.work.pick(consistency) : picked;
  }

  /** A third of the time, a write is a burst that also reaches this system's other Consistency sources. */
  burstCompanions(sys: SimSystem, written: ReplicationSession | undefined): ReplicationSession[] {
    if (written?.transferMode !== 'Consistency' || !this.c.work.chance(0.33)) return [];
    return this.sessionsOf(sys).filter((s) => s.role === 'Source' && s.transferMode === 'Consistency' && s.id !== written.id);
  }

  /** Blocks of one host write: a burst half the time. */
  writeBlocks(): number {
    const { work } = this.c;
    return work.chance(0.5) ? work.int(BURST_BLOCKS_MIN, BURST_BLOCKS_MAX) : work.int(1, 8);
  }

  /** A thin link: small delays, no drops, payloads one after another at a few KiB/s. */
  thinLink(): LinkFaults {
    return { dropProbability: 0, delayMinMs: 1, delayMaxMs: 20, payloadBytesPerS: this.c.work.int(THIN_LINK_BYTES_PER_S_MIN, THIN_LINK_BYTES_PER_S_MAX) };
  }

  /** The link's next faults when they change: half the time a thin link, otherwise v1..v5's delays and drops. */
  nextFaults(calm: LinkFaults): LinkFaults {
    const { work } = this.c;
    if (work.chance(0.5)) return this.thinLink();
    return work.chance(0.5) ? calm : { dropProbability: work.next() * 0.2, delayMinMs: 1, delayMaxMs: work.int(10, 3000) };
  }

  /** How long a cut of the link lasts before it heals by itself. */
  flapMs(): number {
    return this.c.work.int(FLAP_MS_MIN, FLAP_MS_MAX);
  }

  /** After every step: notes the halts for overload the workload has reached. */
  observe(): void {
    for (const sys of [this.c.a, this.c.b]) {
      for (const s of this.sessionsOf(sys)) {
        const key = `${sys.name}:${s.id}:${s.errorAtMs ?? 0}`;
        if (!isBufferOverloadHalt(s) || this.seen.has(key)) continue;
        this.seen.add(key);
        this.c.trace(`REC buffer overload: ${sys.name} session ${s.id} ${s.role} halted (decided at ${s.errorAtMs})`);
      }
    }
  }

  /**
   * At a quiet point, after the faults healed and sessions settled: a pair halted for overload
   * shows it on both boxes, and waits for the operator, who frees it with a forced suspend and a
   * resume (docs/eternus.md "Leaving Halt").
   */
  async recoverOverloadedPairs(): Promise<void> {
    const { a, b, fail } = this.c;
    let freed = 0;
    for (const sys of [a, b]) {
      const other = sys === a ? b : a;
      for (const s of this.sessionsOf(sys)) {
        if (s.role !== 'Source' || !isBufferOverloadHalt(s)) continue;
        const partner = this.sessionsOf(other).find((x) => x.id === s.id);
        if (!partner) continue; // deleted by force on the partner during an outage: v4's quiet deletes it
        if (partner.state !== 'System_Paused' || partner.errorCode !== REC_BUFFER_OVERLOAD) fail(`copy session ${s.id} halted for REC buffer overload on ${sys.name}, its destination ${other.name} shows ${partner.state} (${partner.errorCode}) after healing`);
        await freeHaltedRec(this.c, sys, s.id, 'REC buffer overload');
        freed++;
      }
    }
    if (freed > 0) await this.c.scheduler.runFor(CATCH_UP_MS);
  }

  /** Halts for overload the run reached. */
  get overloads(): number {
    return this.seen.size;
  }
}

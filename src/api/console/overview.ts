// The console's overview: this system, its paired systems with the link's state, and every
// replication session with what an operator reads off it (state in both dialects' words, lag, RPO
// compliance, last and next sync, progress with rate and time left, the last hour's lag and
// throughput). One read, computed here so the browser only displays; the figures come from
// core/replication/session-figures.ts (as for `tandem status` and the metrics) and the state names
// from each dialect's own mapping. A tenant user sees only the sessions of its tenant's volumes.
import type { User } from '../../core/model.ts';
import type { ReplicationSession } from '../../core/replication/model.ts';
import { BacklogRate, isRpoCompliant, lagSeconds, secondsLeft, shippingRate } from '../../core/replication/session-figures.ts';
import type { ConsoleServices, ConsoleSources } from './ports.ts';
import { statusPhase } from '../eternus/copysession-format.ts';
import { powerStoreSessionState } from '../powerstore/replication-schemas.ts';


/** The rate is measured over the last minute of copy samples (three 20 s samples). */
const RATE_WINDOW_MS = 60_000;
/** A link answering slower than this, or under an injected delay, drop or cap, reads as degraded. */
const DEGRADED_ROUND_TRIP_SECONDS = 0.5;
/** States in which a copy is running and a progress bar means something. */
const COPYING_STATES = new Set<string>(['Initializing', 'Synchronizing', 'Reprotecting', 'Failing_Over']);

export type LinkHealth = 'connected' | 'degraded' | 'lost' | 'initializing';

/** Each session's backlog rate, kept between overviews (the stream reads one a second). */
export type BacklogRates = Map<string, BacklogRate>;

export function overview(services: ConsoleServices, sources: ConsoleSources, user: User, rates: BacklogRates = new Map()) {
  const nowMs = services.clock.nowMs();
  const identity = services.identity;
  const stats = services.engine.stats();
  const nbd = sources.nbd();
  const visible = visibleResources(services, user);
  const sessions = services.replication
    .list()
    .filter((s) => s.state !== 'Deleting' && visible.has(s.localResourceId))
    .map((s) => sessionRow(services, s, nowMs, rates));
  const live = new Set(services.replication.list().map((s) => s.id));
  for (const id of rates.keys()) if (!live.has(id)) rates.delete(id);
  const events = services.observe.events;
  return {
    now: new Date(nowMs).toISOString(),
    user: { name: user.name, role: user.role, tenant: user.tenant, may_act: user.role !== 'Operator', is_admin: user.role === 'Administrator' },
    system: {
      id: identity.id,
      name: identity.name,
      version: identity.softwareVersion,
      box_id: identity.boxId,
      nbd_url: `nbd://${nbd.host}:${nbd.port}`,
      // What hosts see: the engine also counts the snapshots replication keeps internally.
      volumes: userVolumeCount(services, sources),
      used_bytes: stats.liveBytes,
      stored_bytes: stats.segmentBytes,
      free_bytes: services.engine.freeBytes(),
    },
    remotes: services.remotes.list().map((rs) => remoteRow(sources, rs)),
    sessions,
    /** Visible volume and volume group ids (a tenant user's console filters the lists with them). */
    visible_ids: user.tenant === null ? null : [...visible],
    last_event_id: events.listEvents().at(-1)?.id ?? null,
    active_alerts: events.listAlerts().filter((a) => a.state === 'ACTIVE').length,
  };
}

function userVolumeCount(services: ConsoleServices, sources: ConsoleSources): number {
  const internal = sources.internalVolumeIds();
  return services.records.listShared('volume').filter((v) => !internal.has(v.id)).length;
}

function visibleResources(services: ConsoleServices, user: User): Set<string> {
  const meta = services.records;
  const all = meta.listShared('volume');
  const ids = new Set(all.filter((v) => user.tenant === null || v.tenant === user.tenant).map((v) => v.id));
  // A group is visible when all its members are (an empty group only to users of no tenant).
  const members = new Map<string, string[]>();
  for (const v of all) if (v.volumeGroupId) members.set(v.volumeGroupId, [...(members.get(v.volumeGroupId) ?? []), v.id]);
  for (const g of meta.listShared('volume_group')) {
    const ofGroup = members.get(g.id) ?? [];
    if (user.tenant === null || (ofGroup.length > 0 && ofGroup.every((id) => ids.has(id)))) ids.add(g.id);
  }
  return ids;
}

function remoteRow(sources: ConsoleSources, rs: { id: string; name: string; peerSystemId: string; boxId: string; managementAddress: string; managementPort: number }) {
  const state = sources.connectionState(rs.peerSystemId);
  const roundTrip = sources.roundTripSeconds(rs.peerSystemId);
  const faults = sources.peerFaults().filter((f) => f.peerSystemId === undefined || f.peerSystemId === rs.peerSystemId);
  let link: LinkHealth = 'connected';
  if (state === 'Initializing') link = 'initializing';
  else if (state !== 'OK') link = 'lost';
  else if (faults.length > 0 || (roundTrip !== null && roundTrip > DEGRADED_ROUND_TRIP_SECONDS)) link = 'degraded';
  return {
    id: rs.id,
    name: rs.name,
    peer_system_id: rs.peerSystemId,
    box_id: rs.boxId,
    console_url: `https://${rs.managementAddress}:${rs.managementPort}/`,
    data_connection_state: state,
    link,
    // The last answered ping says nothing about a link that is down now.
    round_trip_ms: roundTrip === null || state !== 'OK' ? null : Math.round(roundTrip * 10_000) / 10,
    faults: faults.map((f) => f.kind),
  };
}

function sessionRow(services: ConsoleServices, s: ReplicationSession, nowMs: number, rates: BacklogRates) {
  const meta = services.records;
  const resource = s.resourceType === 'volume' ? meta.getShared('volume', s.localResourceId) : meta.getShared('volume_group', s.localResourceId);
  const rule = s.replicationRuleId ? meta.getShared('replication_rule', s.replicationRuleId) : undefined;
  const remote = services.remotes.list().find((r) => r.peerSystemId === s.peerSystemId);
  const here = services.identity.name;
  const there = remote?.name ?? s.peerSystemId;
  const rpoSeconds = s.transferMode === 'Synchronous' ? null : s.rpoSeconds > 0 ? s.rpoSeconds : null;
  const lag = lagSeconds(s, nowMs);
  const copySamples = s.role === 'Source' ? services.copyStats.samples(s.id) : [];
  const eternus = statusPhase(services, s);
  return {
    id: s.id,
    resource_name: resource?.name ?? s.localResourceId,
    resource_type: s.resourceType,
    resource_id: s.localResourceId,
    role: s.role,
    source_system: s.role === 'Source' ? here : there,
    destination_system: s.role === 'Source' ? there : here,
    remote_system: there,
    transfer_mode: s.transferMode,
    split_mode: s.splitMode,
    recovery_mode: s.recoveryMode,
    rpo_seconds: rpoSeconds,
    rule_name: rule?.name ?? null,
    state: s.state,
    powerstore_state: powerStoreSessionState(s.state),
    eternus_status: eternus.status,
    eternus_phase: eternus.phase,
    copysession_id: s.resourceType === 'volume' ? s.number : null,
    lag_seconds: lag,
    rpo_compliant: isRpoCompliant({ ...s, rpoSeconds }, nowMs),
    last_sync: iso(s.lastSyncMs),
    // A synchronous session has no schedule: every write is mirrored.
    next_sync: s.role === 'Source' && s.transferMode !== 'Synchronous' ? iso(s.nextSyncMs) : null,
    failover_test: s.failoverTest !== null,
    error_code: s.errorCode,
    progress: progressOf(services, s, copySamples, nowMs, rates),
    history: {
      lag: services.observe.lagHistory.samples(s.id, nowMs).map((p) => [p.atMs, round(p.lagSeconds)] as const),
      throughput: copySamples.map((p) => [p.endMs, p.durationMs > 0 ? Math.round((p.transferredBytes * 1000) / p.durationMs) : 0] as const),
    },
  };
}

function progressOf(services: ConsoleServices, s: ReplicationSession, samples: ReturnType<ConsoleServices['copyStats']['samples']>, nowMs: number, rates: BacklogRates) {
  if (s.role !== 'Source') return null;
  const remainingBytes = services.replication.uncopiedBytes(s.id);
  const meter = rates.get(s.id) ?? new BacklogRate();
  rates.set(s.id, meter);
  // Read on every overview, so that a copy that starts has readings behind it.
  const backlogRate = meter.sample(remainingBytes, nowMs);
  // A copy state, or an OK session whose cycle is under way (its percentage short of 100).
  const cycleRunning = s.progressPercentage !== null && s.progressPercentage < 100;
  if (!COPYING_STATES.has(s.state) && !cycleRunning) return null;
  // The backlog's fall while the copy runs; else what the last minute's cycles shipped.
  const rate = backlogRate ?? shippingRate(samples, nowMs, RATE_WINDOW_MS);
  return {
    percent: s.progressPercentage,
    remaining_bytes: remainingBytes,
    rate_bytes_per_second: rate === null ? null : Math.round(rate),
    seconds_left: secondsLeft(remainingBytes, rate, s.estimatedCompletionMs, nowMs),
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const round = (n: number) => Math.round(n * 10) / 10;

// Copy sessions as the ETERNUS dialect names them (research/eternus-api.md §2.2, §2.3): the core's
// replication sessions seen from this box, one copy session per volume session and one per member
// of a volume group session (REC pairs volumes, not groups). Status and phase follow DESIGN §5.4;
// field names are the vendor's, including `error_ocurrence_time`.
import type { ReplicationSession } from '../../core/replication/model.ts';
import { isEquivalent } from '../../core/replication/rules.ts';
import type { EternusServices } from './ports.ts';
import { isoSeconds } from './jobs.ts';
import { API_PREFIX, capacityMb, volumeHref } from './format.ts';
import { ETERNUS_MB_BYTES } from './limits.ts';

export type CopySessionStatus = 'Active' | 'Halt' | 'Error';
export type CopySessionPhase = 'Copying' | 'Equivalent' | 'Suspend';

/**
 * One REC copy session: a volume session, or one member of a volume group session. A member shares
 * its session's state, modes and times; it has its own number, volumes and sizes.
 */
export interface CopySession {
  session: Readonly<ReplicationSession>;
  /** This box's copysession_id. */
  number: number;
  /** This box's volume of the pair. */
  localVolumeId: string;
  remoteNumber: number | null;
  remoteVolume: { number: number; name: string } | null;
  /** True for a member of a volume group session. */
  member: boolean;
}

export function copySessionHref(c: Pick<CopySession, 'number'>): string {
  return `${API_PREFIX}/copysession/${c.number}`;
}

/** Every copy session on this box, by number. Group members show once both boxes numbered them (at creation, or at the first cycle after a member joins). */
export function copySessions(services: EternusServices): CopySession[] {
  return services.replication.listShared().flatMap(copySessionsOf).sort((a, b) => a.number - b.number);
}

/** The copy session numbered `number` on this box, found through the session-by-number index (no scan). */
export function copySessionByNumber(services: EternusServices, number: number): CopySession | undefined {
  for (const s of services.records.findShared('sessionByNumber', String(number))) {
    const found = copySessionsOf(s).find((c) => c.number === number);
    if (found) return found;
  }
  return undefined;
}

/** The copy sessions of one replication session: itself (a volume), or its numbered members (a group). */
function copySessionsOf(s: Readonly<ReplicationSession>): CopySession[] {
  if (s.state === 'Deleting') return [];
  if (s.resourceType === 'volume') {
    return [{ session: s, number: s.number, localVolumeId: s.elementPairs[0]?.localVolumeId ?? s.localResourceId, remoteNumber: s.remoteNumber, remoteVolume: s.remoteVolume, member: false }];
  }
  const found: CopySession[] = [];
  for (const p of s.elementPairs) {
    const copy = s.memberCopies?.[p.localVolumeId];
    if (copy) found.push({ session: s, number: copy.number, localVolumeId: p.localVolumeId, remoteNumber: copy.remoteNumber, remoteVolume: copy.remoteVolume, member: true });
  }
  return found;
}

export function statusPhase(services: { replication: Pick<EternusServices['replication'], 'hasBacklog'> }, s: ReplicationSession): { status: CopySessionStatus; phase: CopySessionPhase } {
  switch (s.state) {
    case 'Error':
      return { status: 'Error', phase: s.baseCycle > 0 ? 'Equivalent' : 'Copying' };
    case 'System_Paused':
      // Halt keeps the last phase: Equivalent once a cycle had completed.
      return { status: 'Halt', phase: s.baseCycle > 0 ? 'Equivalent' : 'Copying' };
    case 'Suspended':
    case 'Paused':
    case 'Failed_Over':
      return { status: 'Active', phase: 'Suspend' };
    case 'OK':
    case 'Synchronizing':
      return { status: 'Active', phase: isEquivalent(s, services.replication.hasBacklog(s)) ? 'Equivalent' : 'Copying' };
    default:
      return { status: 'Active', phase: 'Copying' };
  }
}

/** ETERNUS shows PowerStore RPO sessions as Consistency: consistent cuts, seconds to minutes behind. */
function transferMode(s: ReplicationSession): string {
  return s.transferMode === 'Asynchronous' ? 'Consistency' : s.transferMode;
}

const mbUp = (bytes: number) => Math.ceil(bytes / ETERNUS_MB_BYTES);

interface Ends {
  local: { number: number; href: string | null; name: string } | null;
  remote: { number: number; href: string | null; name: string } | null;
  sizeBytes: number;
}

function ends(services: EternusServices, c: CopySession): Ends {
  const v = services.records.get('volume', c.localVolumeId);
  return {
    local: v ? { number: v.number, href: volumeHref(v), name: v.name } : null,
    // The partner's volume lives on the other box: its number and name, no href here.
    remote: c.remoteVolume ? { number: c.remoteVolume.number, href: null, name: c.remoteVolume.name } : null,
    sizeBytes: v?.sizeBytes ?? 0,
  };
}

/**
 * Bytes not yet on the destination, and those changed here since the common base while stopped.
 * A running cycle counts what it has left to ship; a group member cannot tell its share of
 * that, so it counts its own changes since the base, which the cycle is shipping.
 */
function dataSizes(services: EternusServices, c: CopySession, status: CopySessionStatus, phase: CopySessionPhase): { uncopiedBytes: number; trackedBytes: number } {
  const { replication } = services;
  const s = c.session;
  const only = c.member ? c.localVolumeId : undefined;
  const stopped = phase === 'Suspend' || status !== 'Active';
  const trackedBytes = stopped ? replication.trackedBytes(s, only) : 0;
  if (phase === 'Equivalent' && status === 'Active') return { uncopiedBytes: 0, trackedBytes };
  const running = c.member ? null : replication.uncopiedBytes(s.id);
  return { uncopiedBytes: running ?? (s.role === 'Source' ? replication.trackedBytes(s, only) : 0), trackedBytes };
}

export function formatCopySession(services: EternusServices, c: CopySession): Record<string, unknown> {
  const s = c.session;
  const { status, phase } = statusPhase(services, s);
  const e = ends(services, c);
  const isSource = s.role === 'Source';
  const source = isSource ? e.local : e.remote;
  const destination = isSource ? e.remote : e.local;
  const rs = services.records.get('remote_system', s.remoteSystemId);
  const nowMs = services.clock.nowMs();
  const sizes = dataSizes(services, c, status, phase);
  const suspending = services.replication.isSuspending(s.id);
  return {
    copysession_id: c.number,
    copysession_href: copySessionHref(c),
    type: 'REC',
    status,
    source_volume_number: source?.number ?? null,
    source_volume_href: source?.href ?? null,
    source_volume_name: source?.name ?? null,
    destination_volume_number: destination?.number ?? null,
    destination_volume_href: destination?.href ?? null,
    destination_volume_name: destination?.name ?? null,
    phase,
    error_code: s.errorCode ? 'b1' : null,
    copy_range: 'Totally',
    concurrent_suspend_result: suspending ? 'Running' : null,
    remain_time_to_finish_suspend: suspending ? 0 : null,
    elapsed_time: Math.max(0, Math.floor((nowMs - s.createdAtMs) / 1000)),
    backup_time: s.lastSyncMs === null ? null : isoSeconds(s.lastSyncMs),
    error_ocurrence_time: s.errorCode && s.errorAtMs ? isoSeconds(s.errorAtMs) : null,
    total_data_size: capacityMb(e.sizeBytes),
    uncopied_data_size: mbUp(sizes.uncopiedBytes),
    progress: phase === 'Equivalent' || (phase === 'Suspend' && s.baseCycle > 0) ? 100 : (s.progressPercentage ?? 0),
    requestor: 'REST',
    resolution: null,
    generation: null,
    generation_count: null,
    tracking_data_size: mbUp(sizes.trackedBytes),
    remote_copysession_id: c.remoteNumber,
    transfer_mode: transferMode(s),
    split_mode: s.splitMode,
    recovery_mode: s.recoveryMode,
    remote_boxid: rs?.boxId ?? null,
    is_local_source_volume: isSource,
  };
}

/** One volume's copy relations (§2.3): as a source it lists its destinations, as a destination its source. */
export function formatVolumeCopySession(services: EternusServices, c: CopySession): Record<string, unknown> {
  const s = c.session;
  const { status, phase } = statusPhase(services, s);
  const e = ends(services, c);
  const isSource = s.role === 'Source';
  const rs = services.records.get('remote_system', s.remoteSystemId);
  const times = {
    backup_time: s.lastSyncMs === null ? null : isoSeconds(s.lastSyncMs),
    error_ocurrence_time: s.errorCode && s.errorAtMs ? isoSeconds(s.errorAtMs) : null,
  };
  return {
    volume_id: e.local?.number ?? null,
    volume_number: e.local?.number ?? null,
    volume_href: e.local?.href ?? null,
    volume_name: e.local?.name ?? null,
    is_copy_source_volume: isSource,
    is_copy_destination_volume: !isSource,
    backup_type: isSource ? null : 'Remote_Mirror',
    source_volume_number: isSource ? null : (e.remote?.number ?? null),
    source_volume_href: null,
    source_volume_name: isSource ? null : (e.remote?.name ?? null),
    source_boxid: isSource ? null : (rs?.boxId ?? null),
    copysession_href: isSource ? null : copySessionHref(c),
    remote_copysession_id: isSource ? null : c.remoteNumber,
    ...(isSource ? { backup_time: null, error_ocurrence_time: null, status: null, phase: null } : { ...times, status, phase }),
    is_manual_snapshot: false,
    is_data_tracking_disabled: false,
    backup_volume_list: isSource
      ? [
          {
            destination_volume_number: e.remote?.number ?? null,
            destination_volume_href: null,
            destination_volume_name: e.remote?.name ?? null,
            destination_boxid: rs?.boxId ?? null,
            backup_type: 'Remote_Mirror',
            copysession_href: copySessionHref(c),
            remote_copysession_id: c.remoteNumber,
            ...times,
            status,
            phase,
          },
        ]
      : [],
  };
}

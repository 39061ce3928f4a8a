// Copy sessions as the ETERNUS dialect names them (research/eternus-api.md §2.2, §2.3): the core's
// replication sessions of single volumes, seen from this box. Status and phase follow DESIGN §5.4;
// field names are the vendor's, including `error_ocurrence_time`.
import type { ReplicationSession } from '../../core/replication/model.ts';
import { isEquivalent } from '../../core/replication/rules.ts';
import type { Services } from '../../system.ts';
import { isoSeconds } from './jobs.ts';
import { API_PREFIX, capacityMb, volumeHref } from './format.ts';
import { ETERNUS_MB_BYTES } from './limits.ts';

export type CopySessionStatus = 'Active' | 'Halt' | 'Error';
export type CopySessionPhase = 'Copying' | 'Equivalent' | 'Suspend';

export function copySessionHref(s: Pick<ReplicationSession, 'number'>): string {
  return `${API_PREFIX}/copysession/${s.number}`;
}

/** Sessions the ETERNUS dialect shows: those of single volumes (REC has no groups). */
export function copySessions(services: Services): ReplicationSession[] {
  return services.replication.list().filter((s) => s.resourceType === 'volume' && s.state !== 'Deleting');
}

export function statusPhase(services: Services, s: ReplicationSession): { status: CopySessionStatus; phase: CopySessionPhase } {
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

function ends(services: Services, s: ReplicationSession): Ends {
  const v = services.ctx.meta.get('volume', s.elementPairs[0]?.localVolumeId ?? s.localResourceId);
  return {
    local: v ? { number: v.number, href: volumeHref(v), name: v.name } : null,
    // The partner's volume lives on the other box: its number and name, no href here.
    remote: s.remoteVolume ? { number: s.remoteVolume.number, href: null, name: s.remoteVolume.name } : null,
    sizeBytes: v?.sizeBytes ?? 0,
  };
}

export function formatCopySession(services: Services, s: ReplicationSession): Record<string, unknown> {
  const { status, phase } = statusPhase(services, s);
  const e = ends(services, s);
  const isSource = s.role === 'Source';
  const source = isSource ? e.local : e.remote;
  const destination = isSource ? e.remote : e.local;
  const rs = services.ctx.meta.get('remote_system', s.remoteSystemId);
  const nowMs = services.ctx.clock.nowMs();
  const stopped = phase === 'Suspend' || status !== 'Active';
  const tracked = stopped ? services.replication.trackedBytes(s) : 0;
  const running = services.replication.uncopiedBytes(s.id);
  const uncopied = phase === 'Equivalent' && status === 'Active' ? 0 : running ?? (isSource ? services.replication.trackedBytes(s) : 0);
  const suspending = services.replication.isSuspending(s.id);
  return {
    copysession_id: s.number,
    copysession_href: copySessionHref(s),
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
    uncopied_data_size: mbUp(uncopied),
    progress: phase === 'Equivalent' || (phase === 'Suspend' && s.baseCycle > 0) ? 100 : (s.progressPercentage ?? 0),
    requestor: 'REST',
    resolution: null,
    generation: null,
    generation_count: null,
    tracking_data_size: mbUp(tracked),
    remote_copysession_id: s.remoteNumber,
    transfer_mode: transferMode(s),
    split_mode: s.splitMode,
    recovery_mode: s.recoveryMode,
    remote_boxid: rs?.boxId ?? null,
    is_local_source_volume: isSource,
  };
}

/** One volume's copy relations (§2.3): as a source it lists its destinations, as a destination its source. */
export function formatVolumeCopySession(services: Services, s: ReplicationSession): Record<string, unknown> {
  const { status, phase } = statusPhase(services, s);
  const e = ends(services, s);
  const isSource = s.role === 'Source';
  const rs = services.ctx.meta.get('remote_system', s.remoteSystemId);
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
    copysession_href: isSource ? null : copySessionHref(s),
    remote_copysession_id: isSource ? null : s.remoteNumber,
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
            copysession_href: copySessionHref(s),
            remote_copysession_id: s.remoteNumber,
            ...times,
            status,
            phase,
          },
        ]
      : [],
  };
}

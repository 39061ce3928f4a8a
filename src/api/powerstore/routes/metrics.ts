// POST /metrics/generate and GET /limit: what gopowerstore's GetCapacity, Space/Performance/Copy
// metrics calls and GetMaxVolumeSize read (the CSI driver's GetCapacity uses both; podmon reads
// performance_metrics_by_volume). Space figures come from the engine and the metadata at the time
// of the request (one sample, stamped now); performance figures from the host I/O counted per
// volume (core/io-stats.ts) and copy figures from the source's cycles (replication/copy-stats.ts),
// one sample per closed 20 s interval, rolled up for longer intervals. Never an invented number.
import type { FastifyInstance } from 'fastify';
import { InvalidEnumError } from '../../../core/errors.ts';
import { addCounters, type IoSample } from '../../../core/io-stats.ts';
import type { CopySample } from '../../../core/replication/commands.ts';
import type { Volume } from '../../../core/model.ts';
import { VOLUME_BYTES_MAX } from '../../../limits.ts';
import type { PowerStoreApi } from '../api-context.ts';
import { READ_ONLY_ROUTE } from '../auth.ts';
import { readBody } from '../body.ts';
import { APPLIANCE_ID } from '../schemas.ts';

/** MetricsIntervalEnum (4.1). */
const INTERVALS = ['Best_Available', 'Five_Sec', 'Twenty_Sec', 'Five_Mins', 'One_Hour', 'One_Day'] as const;

/**
 * MetricsEntityEnum (4.1). Space and performance by cluster, appliance and volume, and copy by
 * replication session and remote system are answered (see generate); every other entity is one
 * this system has nothing to report for (no file, vVol, VM, drive or port resources, no
 * per-volume or per-group copy breakdown), answered as a PowerStore without those samples would: [].
 */
const ENTITIES = [
  'performance_metrics_by_appliance', 'performance_metrics_by_node', 'performance_metrics_by_volume', 'performance_metrics_by_cluster',
  'performance_metrics_by_vm', 'performance_metrics_by_vg', 'performance_metrics_by_fe_fc_port', 'performance_metrics_by_fe_eth_port',
  'performance_metrics_by_fe_eth_node', 'performance_metrics_by_fe_fc_node', 'wear_metrics_by_drive', 'wear_metrics_by_drive_daily',
  'space_metrics_by_cluster', 'space_metrics_by_appliance', 'space_metrics_by_volume', 'space_metrics_by_volume_family', 'space_metrics_by_vm',
  'space_metrics_by_storage_container', 'space_metrics_by_vg', 'copy_metrics_by_appliance', 'copy_metrics_by_cluster', 'copy_metrics_by_vg',
  'copy_metrics_by_rg', 'copy_metrics_by_remote_system', 'copy_metrics_by_replication_session', 'copy_metrics_by_volume',
  'performance_metrics_by_file_system', 'performance_metrics_smb_by_node', 'performance_metrics_smb_builtinclient_by_node',
  'performance_metrics_smb_branch_cache_by_node', 'performance_metrics_smb1_by_node', 'performance_metrics_smb1_builtinclient_by_node',
  'performance_metrics_smb2_by_node', 'performance_metrics_smb2_builtinclient_by_node', 'performance_metrics_nfs_by_node',
  'performance_metrics_nfsv3_by_node', 'performance_metrics_nfsv4_by_node', 'performance_metrics_file_by_node',
  'performance_metrics_file_by_appliance', 'performance_metrics_file_by_cluster', 'performance_metrics_by_ip_port',
  'performance_metrics_by_ip_port_iscsi', 'performance_metrics_by_nas_server', 'space_metrics_by_file_system',
  'performance_metrics_by_initiator', 'performance_metrics_by_host', 'performance_metrics_by_hg', 'vsphere_metrics_by_vm',
  'vsphere_appson_metrics_by_node', 'vsphere_appson_metrics_by_appliance', 'space_metrics_by_remote_system',
  'copy_metrics_by_file_system', 'copy_metrics_by_nas_server', 'performance_headroom_by_appliance',
  'performance_metrics_by_appliance_resource_util',
] as const;

type Entity = (typeof ENTITIES)[number];
type Interval = (typeof INTERVALS)[number];
type Sample = Record<string, unknown>;

/** GET /limit rows: the SDK reads `id` and `limit` (Max_Volume_Size). No vVols or folders here. */
export function limitRows(): Sample[] {
  return [{ id: 'Max_Volume_Size', limit: VOLUME_BYTES_MAX }];
}

export function registerMetricsRoutes(app: FastifyInstance, api: PowerStoreApi): void {
  app.get('/limit', async (request, reply) => api.list(request, reply, 'limit', limitRows()));

  app.post('/metrics/generate', READ_ONLY_ROUTE, async (request, reply) => {
    const body = readBody(request.body, { entity: 'string', entity_id: 'string', interval: 'string?' }, ['entity', 'entity_id']);
    if (!(ENTITIES as readonly string[]).includes(body.entity)) throw new InvalidEnumError('entity', body.entity, ENTITIES);
    if (body.interval != null && !(INTERVALS as readonly string[]).includes(body.interval)) throw new InvalidEnumError('interval', body.interval, INTERVALS);
    const samples = generate(api, body.entity as Entity, body.entity_id as string, (body.interval ?? 'Best_Available') as Interval);
    // A generate answers every field of each sample; `select` (GetCapacity sends one) narrows it.
    if (!/(^|[?&])select=/.test(request.url)) return samples;
    return api.list(request, reply, 'metrics', samples);
  });
}

function generate(api: PowerStoreApi, entity: Entity, entityId: string, interval: Interval): Sample[] {
  const { records, clock, ioStats } = api.services;
  if (entity === 'performance_metrics_by_volume') {
    if (!records.get('volume', entityId) && ioStats.samples(entityId).length === 0) return [];
    return rollUp(ioStats.samples(entityId), interval).map((s) => ({ entity, volume_id: entityId, appliance_id: APPLIANCE_ID, ...performance(s) }));
  }
  if (entity === 'copy_metrics_by_replication_session' || entity === 'copy_metrics_by_remote_system') {
    const { copyStats } = api.services;
    const samples = entity === 'copy_metrics_by_replication_session' ? copyStats.samples(entityId) : copyStats.byRemoteSystem(entityId);
    return rollUpCopies(samples, interval).map((s) => ({
      entity,
      timestamp: new Date(s.endMs).toISOString(),
      repeat_count: 1,
      session_type: 'replication_session',
      remote_system_id: s.remoteSystemId,
      data_transferred: s.transferredBytes,
      data_remaining: s.remainingBytes,
    }));
  }
  if (entity === 'performance_metrics_by_appliance' || entity === 'performance_metrics_by_cluster') {
    const owner = entity === 'performance_metrics_by_cluster' ? { cluster_id: '0' } : { appliance_id: APPLIANCE_ID };
    if (entityId !== Object.values(owner)[0]) return [];
    return rollUp(ioStats.totals(), interval).map((s) => ({ entity, ...owner, ...performance(s) }));
  }
  const timestamp = new Date(clock.nowMs()).toISOString();
  const base = { entity, timestamp, repeat_count: 1 };
  if (entity === 'space_metrics_by_cluster' || entity === 'space_metrics_by_appliance') {
    const ownerOk = entity === 'space_metrics_by_cluster' ? entityId === '0' : entityId === APPLIANCE_ID;
    if (!ownerOk) return [];
    const owner = entity === 'space_metrics_by_cluster' ? { cluster_id: '0' } : { appliance_id: APPLIANCE_ID };
    return [{ ...base, ...owner, ...systemSpace(api) }];
  }
  if (entity === 'space_metrics_by_volume') {
    const volume = records.get('volume', entityId);
    if (!volume) return [];
    return [{ ...base, volume_id: volume.id, appliance_id: APPLIANCE_ID, logical_provisioned: volume.sizeBytes, logical_used: mappedBytes(api, volume) }];
  }
  return [];
}

function mappedBytes(api: PowerStoreApi, volume: Volume): number {
  const store = api.services.engine;
  return store.hasVolume(volume.id) ? store.mappedBytes(volume.id) : 0;
}

/**
 * The system's space: physical_used is what the engine's segment files occupy, physical_total that
 * plus the free space it can still grow into (so GetCapacity's total - used is the free space);
 * data_physical_used counts only live data. Logical figures sum volumes and clones, not snapshots.
 */
function systemSpace(api: PowerStoreApi): Sample {
  const { engine: store, records: meta } = api.services;
  const stats = store.stats();
  const volumes = meta.listShared('volume').filter((v) => v.type !== 'Snapshot');
  const logicalProvisionedBytes = volumes.reduce((sum, v) => sum + v.sizeBytes, 0);
  const logicalUsedBytes = volumes.reduce((sum, v) => sum + mappedBytes(api, v), 0);
  return {
    logical_provisioned: logicalProvisionedBytes,
    logical_used: logicalUsedBytes,
    logical_used_volume: logicalUsedBytes,
    logical_used_file_system: 0,
    logical_used_vvol: 0,
    physical_total: stats.segmentBytes + store.freeBytes(),
    physical_used: stats.segmentBytes,
    data_physical_used: stats.liveBytes,
  };
}

/** Bucket length of each interval; 20 s samples are the finest kept, Five_Sec is not collected. */
const BUCKET_MS: Record<Interval, number | null> = {
  Best_Available: 0,
  Five_Sec: null,
  Twenty_Sec: 0,
  Five_Mins: 5 * 60 * 1000,
  One_Hour: 60 * 60 * 1000,
  One_Day: 24 * 60 * 60 * 1000,
};

/** Sums consecutive samples into buckets aligned to the interval; 0 keeps the samples as they are. */
function rollUp(samples: readonly IoSample[], interval: Interval): IoSample[] {
  const bucketMs = BUCKET_MS[interval];
  if (bucketMs === null) return [];
  if (bucketMs === 0) return [...samples];
  const buckets = new Map<number, IoSample>();
  for (const s of samples) {
    const endMs = Math.ceil(s.endMs / bucketMs) * bucketMs;
    const b = buckets.get(endMs);
    if (b) {
      addCounters(b, s);
      b.durationMs += s.durationMs;
    } else buckets.set(endMs, { ...s, endMs });
  }
  return [...buckets.values()].sort((a, b) => a.endMs - b.endMs);
}

/** Copy samples summed per bucket: bytes transferred add up, bytes remaining are the bucket's last. */
function rollUpCopies(samples: readonly CopySample[], interval: Interval): CopySample[] {
  const bucketMs = BUCKET_MS[interval];
  if (bucketMs === null) return [];
  if (bucketMs === 0) return [...samples];
  const buckets = new Map<number, CopySample>();
  for (const s of samples) {
    const endMs = Math.ceil(s.endMs / bucketMs) * bucketMs;
    const b = buckets.get(endMs);
    if (b) {
      b.transferredBytes += s.transferredBytes;
      b.remainingBytes = s.remainingBytes;
      b.durationMs += s.durationMs;
    } else buckets.set(endMs, { ...s, endMs });
  }
  return [...buckets.values()].sort((a, b) => a.endMs - b.endMs);
}

/** performance_metrics_by_* fields of one sample: rates per second, sizes in bytes, latency in µs. */
function performance(s: IoSample): Sample {
  const seconds = s.durationMs / 1000;
  const ops = s.readOps + s.writeOps;
  const per = (n: number, d: number) => (d > 0 ? n / d : 0);
  return {
    timestamp: new Date(s.endMs).toISOString(),
    repeat_count: 1,
    read_iops: per(s.readOps, seconds),
    write_iops: per(s.writeOps, seconds),
    total_iops: per(ops, seconds),
    read_bandwidth: per(s.readBytes, seconds),
    write_bandwidth: per(s.writeBytes, seconds),
    total_bandwidth: per(s.readBytes + s.writeBytes, seconds),
    avg_read_latency: per(s.readLatencyUs, s.readOps),
    avg_write_latency: per(s.writeLatencyUs, s.writeOps),
    avg_latency: per(s.readLatencyUs + s.writeLatencyUs, ops),
    avg_read_size: per(s.readBytes, s.readOps),
    avg_write_size: per(s.writeBytes, s.writeOps),
    avg_io_size: per(s.readBytes + s.writeBytes, ops),
  };
}

// Every bound the system relies on, with its unit and the reason for its value.
// Relationships between limits are asserted at load so a bad edit fails at start, not in production.

/** The engine maps data at 4 KiB: fio and nbdcopy issue 4 KiB-aligned I/O (research/dataplane.md §4.2). */
export const BLOCK_BYTES = 4096;
/** Entries per map page: 1024 × 4 KiB = 4 MiB of address space per page, the unit of snapshot sharing. */
export const MAP_PAGE_BLOCKS = 1024;
export const MAP_PAGE_BYTES = BLOCK_BYTES * MAP_PAGE_BLOCKS;
/** A segment file is closed and a new one opened past this size; 256 MiB keeps GC copies short. */
export const SEGMENT_BYTES_MAX = 256 * 1024 * 1024;
/** PowerStore volume_create: size 1 MiB..256 TiB. */
export const VOLUME_BYTES_MIN = 1024 * 1024;
export const VOLUME_BYTES_MAX = 256 * 1024 ** 4;
/** PowerStore resource names (volume, host, group, ...): at most 128 characters. */
export const NAME_CHARS_MAX = 128;
/** PowerStore requires sizes to be a multiple of 8192; the engine needs whole blocks. */
export const VOLUME_BYTES_ALIGN = 8192;
/** NBD: requests above 32 MiB may be refused (proto.md "Size constraints"); we advertise this maximum. */
export const NBD_REQUEST_BYTES_MAX = 32 * 1024 * 1024;
/** NBD: bound on requests in flight per connection; nbdcopy uses 64, fio QD32. */
export const NBD_INFLIGHT_MAX = 128;
/** NBD: bound on option haggling before transmission, as nbdkit's MAX_NR_OPTIONS, plus NBD_OPTIONS_PER_EXPORT. */
export const NBD_OPTIONS_MAX = 32;
/**
 * NBD: options allowed beyond NBD_OPTIONS_MAX per export the server has: `nbdinfo --list` asks
 * about every export on one connection (INFO and LIST_META_CONTEXT each), and with more than about
 * 15 volumes the fixed bound dropped it.
 */
export const NBD_OPTIONS_PER_EXPORT = 4;
/** PowerStore paging: default page 100, limit clamped to 2000 (research/powerstore-api.md §2.4). */
export const POWERSTORE_PAGE_DEFAULT = 100;
export const POWERSTORE_PAGE_MAX = 2000;
/** PowerStore login_session idle_timeout in seconds (non-STIG default). */
export const POWERSTORE_IDLE_TIMEOUT_SECONDS = 3600;
/** Finished jobs are kept this long for polling clients. */
export const JOB_RETENTION_MS = 30 * 60 * 1000;
/** Bound on kept jobs, oldest finished dropped first (ETERNUS keeps at most 512). */
export const JOBS_KEPT_MAX = 512;
/** Request bodies larger than this are refused before parsing. */
export const HTTP_BODY_BYTES_MAX = 1024 * 1024;
/**
 * Request line plus headers, in bytes (Node's maxHeaderSize; its default is 16384). Kept below one
 * TLS record of 16384 bytes so that a head too large is refused within the first chunk the parser
 * sees, whose request line then tells which dialect's error shape to answer in.
 */
export const HTTP_HEADER_BYTES_MAX = 16000;
/**
 * Nesting depth of a JSON request body. The deepest body either dialect accepts is about 4 deep
 * (objects in arrays in objects); anything far deeper is refused as bad JSON before parsing, so no
 * recursive walk over it (validation, messages, job descriptions) can exhaust the stack.
 */
export const HTTP_JSON_DEPTH_MAX = 32;
/**
 * Resource metadata (host and volume `metadata`, PowerStore 3.0+): the CSI driver sets one to
 * three keys (k8s_node_name; k8s_pvol_name, k8s_claim_name, k8s_claim_namespace). Bounds keep a
 * record small.
 */
export const METADATA_ENTRIES_MAX = 32;
export const METADATA_KEY_CHARS_MAX = 128;
export const METADATA_VALUE_CHARS_MAX = 256;
/** Host I/O statistics close a sample every 20 s, PowerStore's Twenty_Sec metrics interval. */
export const IO_SAMPLE_INTERVAL_MS = 20 * 1000;
/** Samples kept per volume: 180 × 20 s = one hour, enough for Five_Mins and One_Hour roll-ups. */
export const IO_SAMPLES_KEPT = 180;
/**
 * PowerStore volume compute_differences: at most 32K chunks per call, so the bitmap is at most
 * 4 KiB (gopowerstore VolumeComputeDifferences.Length).
 */
export const DIFFERENCES_CHUNKS_MAX = 32 * 1024;
export const DIFFERENCES_BITMAP_BYTES_MAX = DIFFERENCES_CHUNKS_MAX / 8;
/**
 * Snapshot rule retention in hours (snapshot_rule_create.desired_retention): the schema's maximum
 * 613200 (70 years) is for remote snapshot rules; local ones, the only kind here, keep at most one
 * year, 365 × 24 = 8760 hours, as the schema's description says.
 */
export const SNAPSHOT_RETENTION_HOURS_MAX = 365 * 24;

function assertLimit(condition: boolean, message: string): void {
  if (!condition) throw new Error(`limits.ts: ${message}`);
}
assertLimit(HTTP_HEADER_BYTES_MAX < 16384, 'an oversized request head is refused within its first TLS record');
assertLimit(VOLUME_BYTES_ALIGN % BLOCK_BYTES === 0, 'volume alignment must be whole blocks');
assertLimit(SEGMENT_BYTES_MAX % BLOCK_BYTES === 0, 'segments hold whole blocks');
assertLimit(NBD_REQUEST_BYTES_MAX < SEGMENT_BYTES_MAX, 'one NBD write must fit in one segment');
assertLimit(NBD_REQUEST_BYTES_MAX % BLOCK_BYTES === 0, 'NBD maximum payload is whole blocks');
assertLimit((IO_SAMPLES_KEPT * IO_SAMPLE_INTERVAL_MS) % (5 * 60 * 1000) === 0, 'the I/O history holds whole five-minute buckets');
assertLimit(DIFFERENCES_BITMAP_BYTES_MAX === 4096, 'a compute_differences bitmap is at most 4 KiB');
assertLimit(POWERSTORE_PAGE_DEFAULT <= POWERSTORE_PAGE_MAX, 'default page within the maximum');

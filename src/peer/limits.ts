// Bounds of the peer link, each with its unit and the reason for its value. Relationships are
// asserted at load, as in src/limits.ts, so a bad edit fails at start rather than under load.

const KIB = 1024;
const MIB = 1024 * KIB;

/** Replication ships extents in 1–4 MiB batches; 16 MiB leaves room for a batch plus headroom. */
export const PEER_PAYLOAD_BYTES_MAX = 16 * MIB;
/** JSON params, results and error bodies are control data; 1 MiB is generous for any of them. */
export const PEER_JSON_BYTES_MAX = 1 * MIB;
/** RPC method names are short dotted identifiers (`peer.ping`, `replication.ship`). */
export const PEER_METHOD_BYTES_MAX = 128;
/** A call that has had no answer after 30 s is treated as lost: the stream is cancelled. */
export const PEER_CALL_TIMEOUT_MS_DEFAULT = 30_000;
/**
 * HTTP/2 flow-control window per stream. The default 64 KiB would stall a 4 MiB payload on one
 * round trip per 64 KiB; 8 MiB lets a whole batch travel without waiting for WINDOW_UPDATE. On
 * loopback the round trip is so short this barely shows; across sites it is what keeps a link full.
 */
export const PEER_STREAM_WINDOW_BYTES = 8 * MIB;
/** Window for the whole session: 8 streams × 8 MiB, so eight batches in flight never block. */
export const PEER_SESSION_WINDOW_BYTES = 64 * MIB;
/**
 * Largest HTTP/2 frame we accept: the protocol default. Measured on loopback, 64 KiB and 1 MiB
 * frames were no faster (TLS records stay at 16 KiB either way) and sometimes slower.
 */
export const PEER_FRAME_BYTES_MAX = 16 * KIB;
/**
 * Bytes the bulk lane may have queued on its socket before the rest of its frames wait for
 * 'drain' (lane-client.ts), written in slices of LANE_SLICE_BYTES: enough to keep the link busy,
 * little enough that the TLS layer encrypts each slice just before the kernel takes it.
 */
export const LANE_QUEUED_BYTES_MAX = 1 * MIB;
export const LANE_SLICE_BYTES = 256 * KIB;
/** Streams one session may carry at once; replication uses about 8, control calls a handful. */
export const PEER_STREAMS_MAX = 256;
/**
 * Memory nghttp2 may hold per session, in MiB (Node's `maxSessionMemory` unit). Past it the session
 * refuses new streams. It must cover the session window plus headers for every stream.
 */
export const PEER_SESSION_MEMORY_MIB = 160;
/** On close, in-flight calls get this long to finish before sessions are destroyed. */
export const PEER_CLOSE_GRACE_MS = 1000;
/** Heartbeats: one `peer.ping` per peer every 2 s. */
export const HEARTBEAT_INTERVAL_MS = 2000;
/** A ping not answered within this time counts as failed; it must end before the next one starts. */
export const HEARTBEAT_PING_TIMEOUT_MS = 1500;
/** Consecutive failed pings before a peer is declared Complete_Data_Connection_Loss (≈ 4 s). */
export const HEARTBEAT_FAILURES_MAX = 2;

function assertLimit(condition: boolean, message: string): void {
  if (!condition) throw new Error(`peer/limits.ts: ${message}`);
}
assertLimit(PEER_STREAM_WINDOW_BYTES >= 4 * MIB, 'a 4 MiB replication batch fits in one stream window');
assertLimit(PEER_SESSION_WINDOW_BYTES >= 8 * PEER_STREAM_WINDOW_BYTES, 'eight batches fit in the session window');
assertLimit(PEER_STREAM_WINDOW_BYTES <= 2 ** 31 - 1, 'HTTP/2 windows are at most 2^31 - 1');
assertLimit(PEER_SESSION_WINDOW_BYTES <= 2 ** 31 - 1, 'HTTP/2 windows are at most 2^31 - 1');
assertLimit(PEER_FRAME_BYTES_MAX >= 16 * KIB && PEER_FRAME_BYTES_MAX < 2 ** 24, 'HTTP/2 frame size range');
assertLimit(
  PEER_SESSION_MEMORY_MIB * MIB > PEER_SESSION_WINDOW_BYTES + PEER_STREAMS_MAX * 64 * KIB,
  'session memory covers the session window plus per-stream overhead',
);
assertLimit(HEARTBEAT_PING_TIMEOUT_MS < HEARTBEAT_INTERVAL_MS, 'a ping ends before the next one is due');
assertLimit(HEARTBEAT_FAILURES_MAX >= 1, 'at least one failed ping before declaring loss');

/** A delay fault above a minute would outlast every call timeout that matters; refuse it. */
export const FAULT_DELAY_MS_MAX = 60_000;
/** Faults active at once on one endpoint; the lab needs a handful, the bound keeps lists short. */
export const FAULTS_MAX = 64;
/**
 * A bandwidth fault caps between these many MiB/s: below the floor replication's batch calls
 * would time out (replication/limits.ts SHIP_RATE_FLOOR_BYTES_PER_S), above the ceiling it is no
 * cap on loopback.
 */
export const FAULT_BANDWIDTH_MIBPS_MIN = 1;
export const FAULT_BANDWIDTH_MIBPS_MAX = 100_000;
assertLimit(FAULT_DELAY_MS_MAX <= 2 * PEER_CALL_TIMEOUT_MS_DEFAULT, 'a delay fault stays within reason of the timeout');

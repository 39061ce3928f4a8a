// Bounds of the replication data path, each with its reason.

/** Bytes of extent data per RPC: large enough to amortise a stream, small enough to pipeline. */
export const SHIP_BATCH_BYTES_MAX = 4 * 1024 * 1024;
/** Extents per RPC, so a batch of many tiny zero extents stays a small JSON document. */
export const SHIP_BATCH_EXTENTS_MAX = 4096;
/**
 * Batches being read or shipped at once per cycle: keeps the link busy while the receiver writes.
 * 16 × 4 MiB fills the peer session window (PEER_SESSION_WINDOW_BYTES, 64 MiB); on the REC Stack
 * bench 16 drained a little faster than 8 (0.63-0.65× nbdcopy against 0.56-0.63×).
 */
export const SHIP_INFLIGHT_MAX = 16;
/** The slowest link bulk shipping is made to work on (a `bandwidth` fault may not go lower). */
export const SHIP_RATE_FLOOR_BYTES_PER_S = 1024 * 1024;
/**
 * Timeout of one batch call. The batches in flight share the link, so on a slow one the last
 * waits for the others: a flat 30 s would fail every cycle below ~2 MiB/s and the session would
 * never catch up. At SHIP_RATE_FLOOR_BYTES_PER_S the whole window still fits, with 30 s to spare.
 */
export const SHIP_CALL_TIMEOUT_MS = 30_000 + Math.ceil(((SHIP_INFLIGHT_MAX * SHIP_BATCH_BYTES_MAX) / SHIP_RATE_FLOOR_BYTES_PER_S) * 1000);
/**
 * A running cycle's progress is recorded at most this often: each record is a metadata
 * transaction (an fsync, ~2 ms) on the event loop; one per percent cost ~0.4 s per GiB shipped.
 */
export const PROGRESS_RECORD_INTERVAL_MS = 500;
/** A cycle runs every 80% of the RPO (PowerStoreOS 4.x, research/powerstore-api.md §4.3). */
export const CYCLE_FRACTION_OF_RPO = 0.8;
/** Timeout of one control RPC (state changes, begin/commit). */
export const CONTROL_RPC_TIMEOUT_MS = 15_000;
/** After a failed cycle (link down, peer error) the schedule retries this much later. */
export const CYCLE_RETRY_MS = 30_000;
/** ETERNUS Consistency and Stack: a cycle at most this long after the last one (sooner when it shipped data). */
export const REC_CYCLE_INTERVAL_MS = 1_000;
/**
 * An idle Consistency or Stack source looks for host writes this often. A look is a diff of the
 * volume against the base, whose cost is the map pages that differ: none while idle.
 */
export const REC_IDLE_POLL_MS = 100;
/**
 * Synchronous mode: before the final cut (taken with host writes held) the resync runs up to
 * this many extra cycles while a cycle still ships more than SYNC_FINAL_CUT_BYTES, so that host
 * writes wait for a small last cycle rather than a large one.
 */
export const SYNC_CATCH_UP_CYCLES = 4;
export const SYNC_FINAL_CUT_BYTES = 16 * 1024 * 1024;
/** How often a forced suspend the peer has not heard of is told again. */
export const SUSPEND_NOTICE_RETRY_MS = 2_000;
/** Tries of the reprotect a failover with `reverse` starts, SUSPEND_NOTICE_RETRY_MS apart, while the peer does not answer. */
export const REVERSE_REPROTECT_ATTEMPTS = 5;
/**
 * How often a source samples its REC buffers (rec-buffer-monitor.ts). The monitoring time is set
 * in minutes, so a second is fine enough; a sample is a base diff per Consistency session, and
 * none is taken while monitoring is off (the default).
 */
export const REC_BUFFER_SAMPLE_MS = 1_000;
/**
 * Scheduled cycles running at once on one system (cycle-slots.ts); the others wait their turn in
 * the order they fell due. An idle cycle costs a few ms of CPU spread over ~10-30 ms of round trips,
 * so 8 slots carry a few hundred cycles a second, well above the ~21/s that 5,000 Five_Minutes
 * sessions need (5,000 / 240 s), while a wave of due cycles puts at most 8 cycles' steps between
 * two API requests on the event loop.
 */
export const CYCLES_RUNNING_MAX = 8;
/**
 * Asynchronous (RPO) cycles fall due up to this fraction of their interval early, each session at
 * its own fixed place in that window (spreadFraction): sessions created or synced together drift
 * apart instead of coming due together every interval, and the RPO is kept (early, never late).
 * After a restart an overdue session starts within this fraction of its interval (24 s for
 * Five_Minutes), not all at once.
 */
export const CYCLE_SPREAD_FRACTION = 0.1;
/**
 * An RPO timer that fires this much after its time found the event loop stalled (a restart's
 * start-up, a burst of commits): every timer due during the stall fires at once when it ends. Such
 * a late session is moved once to its place in the spread window from now (as an overdue one is at
 * a restart) instead of starting with all the others (issue 14: after a restart under load, the
 * cycles due in its first seconds started in one burst of 2.7x the schedule's busiest second).
 */
export const CYCLE_TIMER_LATE_MS = 1_000;

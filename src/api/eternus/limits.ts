// Bounds of the ETERNUS dialect, each with its unit and the source of its value
// (research/eternus-api.md). Relationships are asserted at load, as in src/limits.ts.
import { VOLUME_BYTES_MAX, VOLUME_BYTES_MIN } from '../../limits.ts';

/** A token lasts 30 minutes from issue; using it does not extend it (§1.2). */
export const ETERNUS_TOKEN_LIFETIME_SECONDS = 1800;
/** A refresh token lasts 10 hours (§1.2). */
export const ETERNUS_REFRESH_TOKEN_LIFETIME_SECONDS = 10 * 3600;
/** Bound on live sessions; the oldest is dropped beyond it (the vendor's limit is not documented). */
export const ETERNUS_SESSIONS_MAX = 1024;
/** Session ids are 7-digit integers in the vendor's examples (1000001). */
export const ETERNUS_SESSION_ID_FIRST = 1000001;
/** Jobs are deleted 30 minutes after they finish (§1.4). */
export const ETERNUS_JOB_RETENTION_MS = 30 * 60 * 1000;
/** The job table holds at most 512 jobs; beyond that requests get 503 (§1.4). */
export const ETERNUS_JOBS_MAX = 512;
/** Job ids in the vendor's examples look like 8192001. */
export const ETERNUS_JOB_ID_FIRST = 8192001;
/** Items per list page before next_href (the vendor's page size is not documented). */
export const ETERNUS_PAGE_ITEMS_MAX = 1000;
/** Volume names: 1–32 single-byte characters (volume_create_post). */
export const ETERNUS_VOLUME_NAME_CHARS_MAX = 32;
/** Volumes created by one POST /volume with count (the vendor's bound is not documented). */
export const ETERNUS_VOLUME_COUNT_MAX = 128;
/** Digits of the serial number appended to bulk-created names. */
export const ETERNUS_NUMBER_OF_DIGITS_MAX = 10;
/** ETERNUS capacities are in MB of 1024 × 1024 bytes (40960 MB is "40 GB" in the vendor's example). */
export const ETERNUS_MB_BYTES = 1024 * 1024;
export const ETERNUS_CAPACITY_MB_MIN = VOLUME_BYTES_MIN / ETERNUS_MB_BYTES;
export const ETERNUS_CAPACITY_MB_MAX = VOLUME_BYTES_MAX / ETERNUS_MB_BYTES;
/** A request line longer than this gets 413 (§1.3 "request line too large"). */
export const ETERNUS_URL_CHARS_MAX = 8192;
/** volume_id input range of the vendor (advancedcopy_recsession_post). */
export const ETERNUS_VOLUME_ID_MAX = 6553465535;

function assertLimit(condition: boolean, message: string): void {
  if (!condition) throw new Error(`eternus/limits.ts: ${message}`);
}
assertLimit(Number.isInteger(ETERNUS_CAPACITY_MB_MIN) && ETERNUS_CAPACITY_MB_MIN >= 1, 'the smallest volume is a whole MB');
assertLimit(ETERNUS_MB_BYTES % 8192 === 0, 'every MB capacity is a valid core size (multiple of 8192 bytes)');
assertLimit(ETERNUS_REFRESH_TOKEN_LIFETIME_SECONDS > ETERNUS_TOKEN_LIFETIME_SECONDS, 'a refresh token outlives a token');
assertLimit(ETERNUS_VOLUME_COUNT_MAX <= ETERNUS_JOBS_MAX, 'bulk creation is one job');
assertLimit(String(ETERNUS_VOLUME_COUNT_MAX).length <= ETERNUS_NUMBER_OF_DIGITS_MAX, 'serial digits can hold every count');

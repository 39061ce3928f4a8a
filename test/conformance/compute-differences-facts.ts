// compute_differences as gopowerstore v1.20.1 sends it (ComputeDifferences, volume.go): POST
// /volume/{id}/compute_differences with the VolumeComputeDifferences struct marshalled as it is —
// every field present in the order base_snapshot_id, offset, length, chunk_size, null when the
// pointer is nil (no omitempty) — and, in the SDK's integration test, the header
// DELL-VISIBILITY: internal. The SDK reads chunk_bitmap and next_offset from a 2xx answer, and for
// errors only the status (APIError.NotFound() is 404). Recorded from the real SDK driving a Tandem
// lab through a logging proxy (bodies byte for byte as logged).
import type { Exchange } from './replay.ts';

const MiB = 1024 * 1024;
const INTERNAL = { 'DELL-VISIBILITY': 'internal' };

/**
 * gopowerstore inttests/volume_test.go TestComputeDifferences: a 1 MiB volume (DefaultVolSize),
 * two snapshots, snap1 compared with snap2 (taken after it) in one 1 MiB chunk (DefaultChunkSize):
 * "AA==" (one byte, a single chunk padded) and next_offset -1. Then the same SDK's other shapes.
 */
export const sdkIntegrationTest: Exchange[] = [
  { name: 'CreateVol (inttests/common.go): gopowerstore CreateVolume', on: 'a', method: 'POST', path: '/volume', body: { name: 'cd-sdk-vol', size: MiB }, status: 201, capture: { vol: 'id' } },
  { name: 'createSnapWithSuffix snapshot1: gopowerstore CreateSnapshot', on: 'a', method: 'POST', path: '/volume/${vol}/snapshot', body: { name: 'cd-sdk-volsnapshot1', description: 'just a description' }, status: 200, capture: { snap1: 'id' } },
  { name: 'createSnapWithSuffix snapshot2', on: 'a', method: 'POST', path: '/volume/${vol}/snapshot', body: { name: 'cd-sdk-volsnapshot2', description: 'just a description' }, status: 200, capture: { snap2: 'id' } },
  {
    name: 'ComputeDifferences(snap1, base snap2, offset 0, length 1 MiB, chunk 1 MiB): the test asserts "AA==" and -1',
    on: 'a', method: 'POST', path: '/volume/${snap1}/compute_differences', headers: INTERNAL,
    body: { base_snapshot_id: '${snap2}', offset: 0, length: MiB, chunk_size: MiB },
    status: 200, expect: { chunk_bitmap: 'AA==', next_offset: -1 },
  },
  {
    name: 'ComputeDifferences with BaseSnapshotID "" (the SDK unit test\'s body): allocated chunks, none yet',
    on: 'a', method: 'POST', path: '/volume/${vol}/compute_differences', headers: INTERNAL,
    body: { base_snapshot_id: '', offset: 0, length: MiB, chunk_size: MiB },
    status: 200, expect: { chunk_bitmap: 'AA==', next_offset: -1 },
  },
  {
    name: 'ComputeDifferences with nil BaseSnapshotID and Offset (sent as null): first half in 4 KiB chunks, next_offset = the second half',
    on: 'a', method: 'POST', path: '/volume/${snap1}/compute_differences', headers: INTERNAL,
    body: { base_snapshot_id: null, offset: null, length: MiB / 2, chunk_size: 4096 },
    status: 200, expect: { chunk_bitmap: 'AAAAAAAAAAAAAAAAAAAAAA==', next_offset: MiB / 2 },
  },
  {
    name: 'ComputeDifferences on an unknown id: APIError.NotFound() (404)',
    on: 'a', method: 'POST', path: '/volume/00000000-0000-0000-0000-000000000000/compute_differences', headers: INTERNAL,
    body: { base_snapshot_id: '${snap2}', offset: 0, length: MiB, chunk_size: MiB },
    status: 404, expect: { 'messages.0.code': '0xE0A07001000C', 'messages.0.message_l10n': '<nonempty>' },
  },
  {
    name: 'ComputeDifferences with a chunk_size that is not a power of 2: 400 in the error_response shape',
    on: 'a', method: 'POST', path: '/volume/${vol}/compute_differences', headers: INTERNAL,
    body: { base_snapshot_id: null, offset: null, length: MiB, chunk_size: 12288 },
    status: 400, expect: { 'messages.0.code': '0xE04040030001', 'messages.0.severity': 'Error' },
  },
  {
    name: 'ComputeDifferences with a base that is not a snapshot (the primary volume): 422',
    on: 'a', method: 'POST', path: '/volume/${snap1}/compute_differences', headers: INTERNAL,
    body: { base_snapshot_id: '${vol}', offset: null, length: MiB, chunk_size: MiB },
    status: 422, expect: { 'messages.0.code': '0xE04040040001' },
  },
  { name: 'DeleteSnapshot snap1 (nil body)', on: 'a', method: 'DELETE', path: '/volume/${snap1}', status: 204 },
  { name: 'DeleteSnapshot snap2', on: 'a', method: 'DELETE', path: '/volume/${snap2}', status: 204 },
  { name: 'DeleteVol', on: 'a', method: 'DELETE', path: '/volume/${vol}', status: 204 },
];

/** A 4 MiB volume before a host writes to it: no allocated chunk. */
export const backupBeforeWrites: Exchange[] = [
  { name: 'CreateVolume 4 MiB', on: 'a', method: 'POST', path: '/volume', body: { name: 'cd-backup', size: 4 * MiB }, status: 201, capture: { vol: 'id' } },
  {
    name: 'ComputeDifferences, no base, 4 chunks of 1 MiB: nothing allocated',
    on: 'a', method: 'POST', path: '/volume/${vol}/compute_differences',
    body: { base_snapshot_id: '', offset: 0, length: 4 * MiB, chunk_size: MiB },
    status: 200, expect: { chunk_bitmap: 'AA==', next_offset: -1 },
  },
];

/**
 * After a host wrote all 4 MiB: the gopowerstore unit test's recorded answer for this request,
 * "Dw==" (0x0f: chunks 0-3, chunk 0 in the least significant bit). Then a full backup's snapshot.
 */
export const backupAfterFullWrite: Exchange[] = [
  {
    name: 'ComputeDifferences, no base, 4 chunks of 1 MiB, all written: "Dw==" as in gopowerstore volume_test.go',
    on: 'a', method: 'POST', path: '/volume/${vol}/compute_differences',
    body: { base_snapshot_id: '', offset: 0, length: 4 * MiB, chunk_size: MiB },
    status: 200, expect: { chunk_bitmap: 'Dw==', next_offset: -1 },
  },
  { name: 'CreateSnapshot for the full backup', on: 'a', method: 'POST', path: '/volume/${vol}/snapshot', body: { name: 'cd-backup-full', description: 'just a description' }, status: 200, capture: { full: 'id' } },
];

/** After the host rewrote one 4 KiB block in the third MiB: the incremental backup reads one chunk. */
export const backupAfterOneBlock: Exchange[] = [
  { name: 'CreateSnapshot for the incremental backup', on: 'a', method: 'POST', path: '/volume/${vol}/snapshot', body: { name: 'cd-backup-incr', description: 'just a description' }, status: 200, capture: { incr: 'id' } },
  {
    name: 'ComputeDifferences(incr, base full), 4 chunks of 1 MiB: chunk 2 only (0x04)',
    on: 'a', method: 'POST', path: '/volume/${incr}/compute_differences',
    body: { base_snapshot_id: '${full}', offset: 0, length: 4 * MiB, chunk_size: MiB },
    status: 200, expect: { chunk_bitmap: 'BA==', next_offset: -1 },
  },
  {
    name: 'paged: the first 2 MiB in 64 KiB chunks has no change and points at the rest',
    on: 'a', method: 'POST', path: '/volume/${incr}/compute_differences',
    body: { base_snapshot_id: '${full}', offset: 0, length: 2 * MiB, chunk_size: 65536 },
    status: 200, expect: { chunk_bitmap: 'AAAAAA==', next_offset: 2 * MiB },
  },
  {
    name: 'paged: from next_offset, the block at 2 MiB + 4 KiB is in the first 64 KiB chunk',
    on: 'a', method: 'POST', path: '/volume/${incr}/compute_differences',
    body: { base_snapshot_id: '${full}', offset: 2 * MiB, length: 2 * MiB, chunk_size: 65536 },
    status: 200, expect: { chunk_bitmap: 'AQAAAA==', next_offset: -1 },
  },
  { name: 'DeleteSnapshot incr', on: 'a', method: 'DELETE', path: '/volume/${incr}', status: 204 },
  { name: 'DeleteSnapshot full', on: 'a', method: 'DELETE', path: '/volume/${full}', status: 204 },
  { name: 'DeleteVolume', on: 'a', method: 'DELETE', path: '/volume/${vol}', status: 204 },
];

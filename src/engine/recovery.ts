// Recovery: load the last checkpoint, replay the log after it, cut a torn tail, open a new segment.
//
// Invariants it relies on:
//  - Records are appended in seq order; a segment is fdatasync'ed before the next one is created,
//    so only the newest segment can end in a torn record.
//  - A checkpoint is committed only after fdatasync of the open segment, so every location in the
//    checkpointed maps, and the replay position, is durable.
//  - GC deletes a segment only after a checkpoint that no longer references it and whose replay
//    position is past it.
//
// Recovery cases (one row per combination; "tail" is the end of the newest segment):
//
//  | checkpoint | tail   | record kinds after the replay position     | result
//  |------------|--------|--------------------------------------------|-------------------------------------
//  | absent     | empty  | none (fresh dir)                           | empty table; segment 1 opened
//  | absent     | intact | any                                        | replay every segment from offset 0
//  | absent     | torn   | any; last one partial / bad crc / zeroed   | replay up to the torn record; truncate
//  |            |        |                                            | the file there (fsync) so later
//  |            |        |                                            | segments are never shadowed by it
//  | present    | intact | none                                       | checkpoint state as is
//  | present    | intact | WRITE/TRIM                                 | map entries repointed / cleared
//  | present    | intact | CREATE/DELETE/SNAPSHOT/RESIZE/RESTORE      | volume table changes re-applied
//  | present    | intact | RELOCATE (GC copy not yet checkpointed)    | no-op: maps still point at the old
//  |            |        |                                            | copy, whose segment still exists
//  | present    | torn   | any                                        | as intact up to the torn record,
//  |            |        |                                            | truncate there
//  | present    | -      | replay segment missing, offset 0           | nothing to replay from it (created,
//  |            |        |                                            | never written); continue
//  | any        | -      | seq not increasing                         | treated as torn (stale bytes)
//
// Unflushed writes after the last durable record may be lost (NBD allows it); a lost write never
// leaves garbage because a map entry only ever points at a record whose crc was verified or that
// was durable before the checkpoint that contains the entry. After recovery the engine always
// appends to a fresh segment; it never appends after a tail it did not write in this run.

import * as fs from 'node:fs';
import { invariant } from '../core/errors.ts';
import { applyRecord } from './apply.ts';
import type { LoadedCheckpoint } from './checkpoint-store.ts';
import { RECORD_HEADER_BYTES, decodeRecordHeader, recordCrcMatches, type RecordHeader } from './record-codec.ts';
import type { SegmentFiles } from './segment-files.ts';
import { VolumeTable } from './volume-table.ts';

export interface RecoveryResult {
  table: VolumeTable;
  lastSeq: number;
  replayedRecords: number;
  /** Where a torn tail was cut, if one was found. */
  truncatedAt: { segmentId: number; offsetBytes: number } | null;
}

export function recover(files: SegmentFiles, checkpoint: LoadedCheckpoint | null): RecoveryResult {
  const table = checkpoint?.table ?? new VolumeTable();
  const result: RecoveryResult = { table, lastSeq: checkpoint?.lastSeq ?? 0, replayedRecords: 0, truncatedAt: null };
  const from = checkpoint?.replayFrom ?? { segmentId: 0, offsetBytes: 0 };
  for (const segmentId of files.ids()) {
    if (segmentId < from.segmentId) continue;
    const startBytes = segmentId === from.segmentId ? from.offsetBytes : 0;
    const tornAtBytes = replaySegment(files, segmentId, startBytes, result);
    if (tornAtBytes !== null) {
      files.truncate(segmentId, tornAtBytes);
      result.truncatedAt = { segmentId, offsetBytes: tornAtBytes };
      break; // nothing after a torn record can have been durable before it
    }
  }
  return result;
}

/** Replays one segment from startBytes; returns the offset of a torn record, or null at a clean end. */
function replaySegment(
  files: SegmentFiles,
  segmentId: number,
  startBytes: number,
  result: RecoveryResult,
): number | null {
  const sizeBytes = files.sizesBytes.get(segmentId) ?? 0;
  invariant(startBytes <= sizeBytes, `replay position ${startBytes} past end of segment ${segmentId} (${sizeBytes})`);
  const reader = new SegmentReader(files.fd(segmentId), sizeBytes);
  let offsetBytes = startBytes;
  while (offsetBytes < sizeBytes) {
    const record = readRecord(reader, offsetBytes, result.lastSeq);
    if (record === null) return offsetBytes;
    const dataOffsetBytes = offsetBytes + RECORD_HEADER_BYTES;
    // Replay applies exactly as live did; a dropped live write is dropped again here.
    applyRecord(result.table, record.header, segmentId, dataOffsetBytes, record.payload);
    result.lastSeq = record.header.seq;
    result.replayedRecords++;
    offsetBytes = dataOffsetBytes + record.header.payloadBytes;
  }
  // After a process kill the replayed records may sit only in the page cache; the checkpoint that
  // follows recovery must not reference data a power loss could still take away.
  if (offsetBytes > startBytes) fs.fdatasyncSync(reader.fd);
  return null;
}

function readRecord(
  reader: SegmentReader,
  offsetBytes: number,
  lastSeq: number,
): { header: RecordHeader; payload: Buffer } | null {
  const headerBytes = reader.read(offsetBytes, RECORD_HEADER_BYTES);
  if (headerBytes === null) return null;
  const header = decodeRecordHeader(headerBytes, 0);
  if (header === null || header.seq <= lastSeq) return null;
  const headerCopy = Buffer.from(headerBytes); // the reader's window moves on the next read
  const payload = reader.read(offsetBytes + RECORD_HEADER_BYTES, header.payloadBytes);
  if (payload === null || !recordCrcMatches(headerCopy, 0, payload)) return null;
  return { header, payload };
}

/** Sequential reads through an 8 MiB window: two small preads per record would be slow. */
class SegmentReader {
  private window = Buffer.alloc(8 * 1024 * 1024);
  private windowStartBytes = 0;
  private windowBytes = 0;

  constructor(readonly fd: number, private readonly sizeBytes: number) {}

  /** A view of [offsetBytes, +lengthBytes), or null when the file ends first. */
  read(offsetBytes: number, lengthBytes: number): Buffer | null {
    if (offsetBytes + lengthBytes > this.sizeBytes) return null;
    const inWindow = offsetBytes >= this.windowStartBytes &&
      offsetBytes + lengthBytes <= this.windowStartBytes + this.windowBytes;
    if (!inWindow) this.fill(offsetBytes, lengthBytes);
    const start = offsetBytes - this.windowStartBytes;
    return this.window.subarray(start, start + lengthBytes);
  }

  private fill(offsetBytes: number, lengthBytes: number): void {
    if (lengthBytes > this.window.length) this.window = Buffer.alloc(lengthBytes);
    const wantBytes = Math.min(this.window.length, this.sizeBytes - offsetBytes);
    let doneBytes = 0;
    while (doneBytes < wantBytes) {
      const n = fs.readSync(this.fd, this.window, doneBytes, wantBytes - doneBytes, offsetBytes + doneBytes);
      invariant(n > 0, `segment shorter than its size at ${offsetBytes + doneBytes}`);
      doneBytes += n;
    }
    this.windowStartBytes = offsetBytes;
    this.windowBytes = doneBytes;
  }
}

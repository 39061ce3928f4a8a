// Applies one log record to the volume table. The live write path (after a batch's syscall) and
// recovery replay both call this, so a replayed log rebuilds exactly the maps the crashed process
// had. Records that no longer fit the state (a write queued before its volume was deleted or shrunk)
// are dropped identically in both paths; live callers get the returned error.

import { BLOCK_BYTES } from '../limits.ts';
import { StateError, invariant } from '../core/errors.ts';
import { encodeLocation } from './location.ts';
import { RecordType, decodeJsonPayload, type RecordHeader } from './record-codec.ts';
import type { VolumeTable } from './volume-table.ts';

/**
 * @param dataSegmentId / dataOffsetBytes where the record's payload is (WRITE data).
 * @param payload the payload bytes, needed only for metadata records (JSON).
 */
export function applyRecord(
  table: VolumeTable,
  header: RecordHeader,
  dataSegmentId: number,
  dataOffsetBytes: number,
  payload: Buffer | null,
): Error | null {
  switch (header.type) {
    case RecordType.WRITE:
    case RecordType.TRIM:
      return applyBlocks(table, header, dataSegmentId, dataOffsetBytes);
    case RecordType.RELOCATE:
      return null; // GC repoints in memory and makes it durable with its own checkpoint
    default:
      invariant(payload !== null || header.type === RecordType.DELETE, 'metadata record without payload');
      return applyMetadata(table, header, payload);
  }
}

function applyBlocks(table: VolumeTable, header: RecordHeader, segmentId: number, offsetBytes: number): Error | null {
  const volume = table.byHandle.get(header.handle);
  if (volume === undefined) return new StateError(`volume handle ${header.handle} was deleted before the I/O applied`);
  if (header.firstBlock + header.countBlocks > volume.sizeBlocks) {
    const message = `volume ${volume.volumeId} shrank below the I/O before it applied`;
    return new StateError(message, 'volume', volume.volumeId);
  }
  if (header.type === RecordType.WRITE) {
    table.mapBlocks(volume, header.firstBlock, header.countBlocks, encodeLocation(segmentId, offsetBytes));
  } else {
    table.unmapBlocks(volume, header.firstBlock, header.countBlocks);
  }
  return null;
}

function applyMetadata(table: VolumeTable, header: RecordHeader, payload: Buffer | null): Error | null {
  // Records without a payload (DELETE) come back from replay as an empty buffer, not null.
  const json = payload === null || payload.length === 0 ? {} : decodeJsonPayload(payload);
  const volume = table.byHandle.get(header.handle);
  switch (header.type) {
    case RecordType.CREATE:
      invariant(typeof json.id === 'string' && !table.byId.has(json.id), `CREATE of taken id ${String(json.id)}`);
      invariant(header.aux % BLOCK_BYTES === 0, `CREATE size ${header.aux}`);
      table.createVolume(json.id, header.handle, header.aux);
      return null;
    case RecordType.SNAPSHOT: {
      const source = table.byHandle.get(header.aux);
      invariant(source !== undefined, `SNAPSHOT of missing handle ${header.aux}`);
      invariant(typeof json.id === 'string' && !table.byId.has(json.id), `SNAPSHOT to taken id ${String(json.id)}`);
      table.snapshotVolume(source, json.id, header.handle);
      return null;
    }
    case RecordType.DELETE:
      invariant(volume !== undefined, `DELETE of missing handle ${header.handle}`);
      table.deleteVolume(volume);
      return null;
    case RecordType.RESIZE:
      invariant(volume !== undefined, `RESIZE of missing handle ${header.handle}`);
      table.resizeVolume(volume, header.aux);
      return null;
    case RecordType.RESTORE: {
      const source = table.byHandle.get(header.aux);
      invariant(volume !== undefined && source !== undefined, `RESTORE ${header.handle} from ${header.aux}`);
      table.restoreVolume(volume, source);
      return null;
    }
    default:
      throw new Error(`unknown record type ${header.type}`);
  }
}

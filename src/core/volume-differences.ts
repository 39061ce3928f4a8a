// Changed-block queries (PowerStore POST /volume/{id}/compute_differences): which chunks of a range
// of a volume or snapshot differ from a base snapshot of the same family, or, with no base, which
// chunks hold allocated data. The answer is a bitmap with one bit per chunk, computed from the
// engine's diff over that range only, so its cost is the map pages in the range that differ from
// the base (shared pages are skipped without a scan), not the range's size.
//
// The rules are those gopowerstore documents on VolumeComputeDifferences (v1.20.1 volume_types.go):
// chunk_size a power of 2; offset a multiple of it; length a multiple of it, offset + length
// within the volume; at most 32K chunks (a 4 KiB bitmap). Two observations of the SDK's own tests
// refine them: its integration test against an array asks for 1 chunk and gets one byte back
// ("AA=="), so a chunk count that is not a multiple of 8 is answered with the last byte padded by
// zero bits; and its recorded answer for 4 allocated chunks is "Dw==" (0x0f), so chunk i is bit
// i % 8 (least significant first) of byte i / 8. Tandem adds one allowance: a length that reaches
// exactly the end of the volume may end in a partial chunk, so that a volume whose size is not a
// multiple of the chunk size can be covered to its last byte.
import { DIFFERENCES_CHUNKS_MAX, VOLUME_BYTES_MAX } from '../limits.ts';
import type { CoreContext } from './context.ts';
import { NotFoundError, StateError, ValidationError } from './errors.ts';
import type { Volume } from './model.ts';

export interface DifferencesInput {
  /** A snapshot of the same family; null: report allocated chunks instead of differences. */
  baseSnapshotId: string | null;
  /** Start of the range; null: 0. */
  offsetBytes: number | null;
  lengthBytes: number;
  chunkBytes: number;
}

export interface ChunkDifferences {
  /** One bit per chunk, chunk i at bit i % 8 of byte i / 8; the last byte padded with zero bits. */
  bitmap: Uint8Array;
  chunkCount: number;
  /** Where the next call continues (offset + length); null once the range reached the volume's end. */
  nextOffsetBytes: number | null;
}

/** Validates the request fully, then reads the engine's maps in one synchronous turn. */
export function computeVolumeDifferences(ctx: CoreContext, volumeId: string, input: DifferencesInput): ChunkDifferences {
  const volume = ctx.meta.get('volume', volumeId);
  if (!volume) throw new NotFoundError('volume', volumeId);
  const sizeBytes = ctx.store.sizeBytes(volume.id);
  const chunkBytes = checkChunkBytes(input.chunkBytes);
  const offsetBytes = checkOffsetBytes(input.offsetBytes ?? 0, chunkBytes, sizeBytes);
  const lengthBytes = checkLengthBytes(input.lengthBytes, offsetBytes, chunkBytes, sizeBytes);
  const base = input.baseSnapshotId === null ? null : checkBase(ctx, volume, input.baseSnapshotId);
  const chunkCount = Math.ceil(lengthBytes / chunkBytes);
  const bitmap = new Uint8Array(Math.ceil(chunkCount / 8));
  for (const extent of ctx.store.diff(base?.id ?? null, volume.id, { offsetBytes, lengthBytes })) {
    const firstChunk = Math.floor((extent.offsetBytes - offsetBytes) / chunkBytes);
    const endChunk = Math.ceil((extent.offsetBytes + extent.lengthBytes - offsetBytes) / chunkBytes);
    for (let chunk = firstChunk; chunk < endChunk; chunk++) bitmap[chunk >> 3] |= 1 << (chunk & 7);
  }
  const endBytes = offsetBytes + lengthBytes;
  return { bitmap, chunkCount, nextOffsetBytes: endBytes >= sizeBytes ? null : endBytes };
}

function checkChunkBytes(value: number): number {
  const powerOf2 = Number.isSafeInteger(value) && value >= 1 && 2 ** Math.round(Math.log2(value)) === value;
  if (!powerOf2 || value > VOLUME_BYTES_MAX) {
    throw new ValidationError(`chunk_size must be a power of 2 between 1 and ${VOLUME_BYTES_MAX}, got ${value}.`, 'chunk_size');
  }
  return value;
}

function checkOffsetBytes(value: number, chunkBytes: number, sizeBytes: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new ValidationError(`offset must be a non-negative integer, got ${value}.`, 'offset');
  if (value % chunkBytes !== 0) throw new ValidationError(`offset ${value} is not a multiple of chunk_size ${chunkBytes}.`, 'offset');
  if (value >= sizeBytes) throw new ValidationError(`offset ${value} is not inside the volume of ${sizeBytes} bytes.`, 'offset');
  return value;
}

function checkLengthBytes(value: number, offsetBytes: number, chunkBytes: number, sizeBytes: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new ValidationError(`length must be a positive integer, got ${value}.`, 'length');
  const endBytes = offsetBytes + value;
  if (endBytes > sizeBytes) {
    throw new ValidationError(`offset ${offsetBytes} + length ${value} exceeds the size of the volume, ${sizeBytes} bytes.`, 'length');
  }
  if (value % chunkBytes !== 0 && endBytes !== sizeBytes) {
    throw new ValidationError(`length ${value} is not a multiple of chunk_size ${chunkBytes} and does not end at the end of the volume.`, 'length');
  }
  const chunkCount = Math.ceil(value / chunkBytes);
  if (chunkCount > DIFFERENCES_CHUNKS_MAX) {
    throw new ValidationError(`length ${value} / chunk_size ${chunkBytes} is ${chunkCount} chunks; at most ${DIFFERENCES_CHUNKS_MAX} are allowed.`, 'length');
  }
  return value;
}

function checkBase(ctx: CoreContext, volume: Volume, baseId: string): Volume {
  const base = ctx.meta.get('volume', baseId);
  if (!base) throw new NotFoundError('volume', baseId);
  if (base.type !== 'Snapshot') {
    throw new StateError(`The base ${base.name} is not a snapshot; base_snapshot_id must name a snapshot.`, 'volume', base.id);
  }
  if (base.familyId !== volume.familyId) {
    throw new StateError(`The base snapshot ${base.name} is not from the same volume family as ${volume.name}.`, 'volume', volume.id);
  }
  return base;
}

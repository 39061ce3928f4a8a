// Argument checks. The NBD and API layers validate first; the engine checks again (a violation
// here is a caller bug, reported as a typed DomainError rather than corrupting the maps).

import { BLOCK_BYTES, VOLUME_BYTES_MAX } from '../limits.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import type { VolumeMap } from './map.ts';
import type { VolumeTable } from './volume-table.ts';

export function requireVolume(table: VolumeTable, volumeId: string): VolumeMap {
  const volume = table.byId.get(volumeId);
  if (volume === undefined) throw new NotFoundError('volume', String(volumeId));
  return volume;
}

export function checkVolumeId(volumeId: string): void {
  if (typeof volumeId !== 'string' || volumeId.length === 0 || volumeId.length > 1024) {
    throw new ValidationError(`volume id must be a non-empty string, got ${JSON.stringify(volumeId)}`, 'id');
  }
}

export function checkSizeBytes(sizeBytes: number): void {
  if (!Number.isSafeInteger(sizeBytes) || sizeBytes <= 0 || sizeBytes > VOLUME_BYTES_MAX) {
    throw new ValidationError(`volume size must be 1..${VOLUME_BYTES_MAX} bytes, got ${sizeBytes}`, 'size');
  }
  if (sizeBytes % BLOCK_BYTES !== 0) {
    throw new ValidationError(`volume size must be a multiple of ${BLOCK_BYTES} bytes, got ${sizeBytes}`, 'size');
  }
}

/** Any alignment is accepted; the range must lie inside the volume. */
export function checkRange(volume: VolumeMap, offsetBytes: number, lengthBytes: number): void {
  if (!Number.isSafeInteger(offsetBytes) || offsetBytes < 0) {
    throw new ValidationError(`offset must be a non-negative integer, got ${offsetBytes}`, 'offset');
  }
  if (!Number.isSafeInteger(lengthBytes) || lengthBytes < 0) {
    throw new ValidationError(`length must be a non-negative integer, got ${lengthBytes}`, 'length');
  }
  if (offsetBytes + lengthBytes > volume.sizeBytes) {
    throw new ValidationError(
      `range ${offsetBytes}+${lengthBytes} ends past volume ${volume.volumeId} of ${volume.sizeBytes} bytes`,
      'offset',
    );
  }
}

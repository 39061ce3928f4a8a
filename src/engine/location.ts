// A physical block location packed into one float64 so a map page is a plain Float64Array:
// location = segmentId * 2^32 + byteOffsetOfDataInSegment. 0 means "unmapped" because segment ids
// start at 1. Offsets stay below 2^32 (SEGMENT_BYTES_MAX is asserted below that in segment-log.ts),
// and segment ids below 2^21 keep the product exact within 2^53.

export const LOCATION_UNMAPPED = 0;
const SEGMENT_STRIDE = 4294967296; // 2^32
/** Largest segment id whose locations are still exact integers in a float64 (2^53 / 2^32). */
export const SEGMENT_ID_MAX = 2 ** 21 - 1;

export function encodeLocation(segmentId: number, offsetBytes: number): number {
  return segmentId * SEGMENT_STRIDE + offsetBytes;
}

export function locationSegmentId(location: number): number {
  return Math.floor(location / SEGMENT_STRIDE);
}

export function locationOffsetBytes(location: number): number {
  return location % SEGMENT_STRIDE;
}

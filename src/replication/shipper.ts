// Ships the extents of one volume's diff to the destination's staging copy: reads changed data
// from the cycle snapshot, packs it into batches of at most SHIP_BATCH_BYTES_MAX, and keeps
// SHIP_INFLIGHT_MAX batches in flight. Returns the bytes of data shipped.
import type { BlockStore, Extent } from '../core/ports.ts';
import { SHIP_BATCH_BYTES_MAX, SHIP_BATCH_EXTENTS_MAX, SHIP_INFLIGHT_MAX, SHIP_READ_BYTES_MAX } from './limits.ts';
import type { PeerTransport } from './transport.ts';
import { RPC, type CycleExtentsParams } from './wire.ts';

export interface ShipTarget {
  transport: PeerTransport;
  peerSystemId: string;
  sessionId: string;
  cycle: number;
  remoteVolumeId: string;
}

export async function shipExtents(store: BlockStore, snapshotId: string, extents: Extent[], target: ShipTarget, onBytes: (bytes: number) => void, isCancelled: () => boolean): Promise<number> {
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  let shippedBytes = 0;
  let batch: { extents: Extent[]; buffers: Buffer[]; bytes: number } = { extents: [], buffers: [], bytes: 0 };

  const send = async (current: typeof batch) => {
    const params: CycleExtentsParams = { sessionId: target.sessionId, cycle: target.cycle, remoteVolumeId: target.remoteVolumeId, extents: current.extents };
    const payload = current.buffers.length === 0 ? undefined : current.buffers.length === 1 ? current.buffers[0] : Buffer.concat(current.buffers, current.bytes);
    await target.transport.call(target.peerSystemId, RPC.cycleExtents, params, { payload });
    onBytes(current.bytes);
  };
  const flushBatch = async () => {
    if (batch.extents.length === 0) return;
    const current = batch;
    batch = { extents: [], buffers: [], bytes: 0 };
    const p = send(current).catch((e) => {
      failure ??= e;
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    while (inFlight.size >= SHIP_INFLIGHT_MAX) await Promise.race(inFlight);
    if (failure) throw failure;
  };

  for (const extent of extents) {
    if (isCancelled()) throw new Error('cycle cancelled');
    if (extent.kind === 'zero') {
      batch.extents.push(extent);
      if (batch.extents.length >= SHIP_BATCH_EXTENTS_MAX) await flushBatch();
      continue;
    }
    for (let offset = extent.offsetBytes; offset < extent.offsetBytes + extent.lengthBytes; ) {
      const room = SHIP_BATCH_BYTES_MAX - batch.bytes;
      const length = Math.min(SHIP_READ_BYTES_MAX, room, extent.offsetBytes + extent.lengthBytes - offset);
      const data = await store.read(snapshotId, offset, length);
      batch.extents.push({ offsetBytes: offset, lengthBytes: length, kind: 'data' });
      batch.buffers.push(data);
      batch.bytes += length;
      shippedBytes += length;
      offset += length;
      if (batch.bytes >= SHIP_BATCH_BYTES_MAX || batch.extents.length >= SHIP_BATCH_EXTENTS_MAX) await flushBatch();
    }
  }
  await flushBatch();
  await Promise.all(inFlight);
  if (failure) throw failure;
  return shippedBytes;
}

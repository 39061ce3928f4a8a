// Ships the extents of one volume's diff to the destination's staging copy. The extents are cut
// into batches (planBatches: at most SHIP_BATCH_BYTES_MAX of data and SHIP_BATCH_EXTENTS_MAX
// extents each), and SHIP_INFLIGHT_MAX workers each take the next batch, read its data from the
// cycle snapshot into a buffer of their own and send it. So reads overlap each other and the sends
// of other batches, data is read straight into the payload (no copy), and a long cycle allocates
// SHIP_INFLIGHT_MAX buffers, not one per batch for the garbage collector to chase.
// Batches may arrive in any order: their extents are disjoint and staging is committed only once
// every batch has been acknowledged. Returns the bytes of data shipped.
import { invariant, StateError } from '../core/errors.ts';
import type { BlockStore, Extent } from '../core/ports.ts';
import { SHIP_BATCH_BYTES_MAX, SHIP_BATCH_EXTENTS_MAX, SHIP_CALL_TIMEOUT_MS, SHIP_INFLIGHT_MAX } from './limits.ts';
import type { PeerTransport } from './transport.ts';
import { RPC, type CycleExtentsParams } from './wire.ts';

export interface ShipTarget {
  transport: PeerTransport;
  peerSystemId: string;
  sessionId: string;
  cycle: number;
  remoteVolumeId: string;
}

export interface ShipBatch {
  /** In offset order; a data extent's bytes follow those of the data extents before it. */
  extents: Extent[];
  dataBytes: number;
}

/** Cuts extents into batches; a data extent longer than the room left is split. Pure, lazy. */
export function* planBatches(extents: Iterable<Extent>): Generator<ShipBatch> {
  let batch: ShipBatch = { extents: [], dataBytes: 0 };
  for (const extent of extents) {
    if (extent.kind === 'zero') {
      batch.extents.push(extent);
    } else {
      const endBytes = extent.offsetBytes + extent.lengthBytes;
      for (let offsetBytes = extent.offsetBytes; offsetBytes < endBytes; ) {
        const lengthBytes = Math.min(SHIP_BATCH_BYTES_MAX - batch.dataBytes, endBytes - offsetBytes);
        invariant(lengthBytes > 0, 'a batch with no room is yielded before it is filled');
        batch.extents.push({ offsetBytes, lengthBytes, kind: 'data' });
        batch.dataBytes += lengthBytes;
        offsetBytes += lengthBytes;
        if (batch.dataBytes === SHIP_BATCH_BYTES_MAX || batch.extents.length === SHIP_BATCH_EXTENTS_MAX) {
          yield batch;
          batch = { extents: [], dataBytes: 0 };
        }
      }
      continue;
    }
    if (batch.extents.length === SHIP_BATCH_EXTENTS_MAX) {
      yield batch;
      batch = { extents: [], dataBytes: 0 };
    }
  }
  if (batch.extents.length > 0) yield batch;
}

/**
 * Reads a batch's data extents, one after the other, into `buffer` (grown when too small) and
 * returns the payload: the filled part of it, or undefined when the batch has no data.
 */
async function readBatch(store: BlockStore, snapshotId: string, batch: ShipBatch, buffer: Buffer): Promise<Buffer | undefined> {
  if (batch.dataBytes === 0) return undefined;
  invariant(buffer.length >= batch.dataBytes, 'a worker buffer holds a whole batch');
  const reads: Promise<void>[] = [];
  let atBytes = 0;
  for (const e of batch.extents) {
    if (e.kind !== 'data') continue;
    reads.push(store.readInto(snapshotId, e.offsetBytes, buffer.subarray(atBytes, atBytes + e.lengthBytes)));
    atBytes += e.lengthBytes;
  }
  invariant(atBytes === batch.dataBytes, 'a batch payload holds exactly its data extents');
  await Promise.all(reads);
  return buffer.subarray(0, atBytes);
}

/**
 * `cancelled`, when given, settles as soon as the session is to stop (a pause, a suspend, a halt,
 * a deletion): the batches in flight are then not waited for. On a thin link they take as long
 * as the whole window needs to cross it (minutes at the rate floor), and a REC buffer-overload
 * halt, recorded once its cycle has ended, showed that long after it was decided (simulation v6).
 * Their late answers are dropped, and a batch that lands after the cycle was aborted is refused
 * by the destination (no open cycle), or by a later attempt of the same cycle overwritten: a new
 * attempt ships diff(base, a newer cut), which holds every block of the old one, on the same lane
 * after it.
 */
export async function shipExtents(store: BlockStore, snapshotId: string, extents: Extent[], target: ShipTarget, onBytes: (bytes: number) => void, isCancelled: () => boolean, cancelled?: Promise<void>): Promise<number> {
  const batches = planBatches(extents);
  let failure: { error: unknown } | null = null;
  let shippedBytes = 0;
  const stop = cancelled?.then(() => {
    throw cycleCancelled(target.sessionId);
  });
  stop?.catch(() => undefined);
  // Each worker reads a batch into its own buffer, sends it, and reuses the buffer for its next
  // batch: a call answered means the receiver has read the whole payload, so nothing refers to it
  // any more. (A worker whose call failed stops, so a payload still in transit is never reused.)
  // The generator hands out batches one at a time.
  const worker = async (): Promise<void> => {
    let buffer = Buffer.alloc(0);
    for (let next = batches.next(); !next.done && failure === null; next = batches.next()) {
      if (isCancelled()) throw cycleCancelled(target.sessionId);
      const batch = next.value;
      if (buffer.length < batch.dataBytes) buffer = Buffer.allocUnsafeSlow(batch.dataBytes === SHIP_BATCH_BYTES_MAX ? SHIP_BATCH_BYTES_MAX : Math.max(batch.dataBytes, buffer.length * 2));
      const payload = await readBatch(store, snapshotId, batch, buffer);
      const params: CycleExtentsParams = { sessionId: target.sessionId, cycle: target.cycle, remoteVolumeId: target.remoteVolumeId, extents: batch.extents };
      const sent = target.transport.call(target.peerSystemId, RPC.cycleExtents, params, { payload, timeoutMs: SHIP_CALL_TIMEOUT_MS, bulk: true });
      if (stop) {
        // Abandoned on a stop, its answer (or failure) arrives to no one.
        sent.catch(() => undefined);
        await Promise.race([sent, stop]);
      } else await sent;
      shippedBytes += batch.dataBytes;
      onBytes(batch.dataBytes);
    }
  };
  const workers = Array.from({ length: SHIP_INFLIGHT_MAX }, () =>
    worker().catch((error: unknown) => {
      failure ??= { error };
    }),
  );
  await Promise.all(workers);
  if (failure !== null) throw (failure as { error: unknown }).error;
  return shippedBytes;
}

/** A typed refusal: a sync waiting on this cycle answers it (a plain Error was a 500, simulation seed 371). */
function cycleCancelled(sessionId: string): StateError {
  return new StateError(`Replication session ${sessionId}: the cycle was cancelled (the session was paused, suspended, deleted or stopped meanwhile).`, 'replication_session', sessionId);
}

// Reusable buffers for WRITE payloads that straddle socket chunks (most of them: nbdcopy and qemu
// write 256 KiB–2 MiB, Node reads the socket 64 KiB at a time). A fresh buffer per request is
// external memory, and V8 answers a GiB of it with full collections: 11% of a server's CPU while
// it took in a 1 GiB Stack run (CPU profile, 2026-11-22). Buffers come in power-of-two classes;
// the connection gives a payload back once its write has completed on every side (the engine and
// a synchronous peer hold no reference after that).
const KIB = 1024;
const MIB = 1024 * KIB;
/** Smaller payloads are cheap to allocate and too many to track. */
const POOLED_BYTES_MIN = 64 * KIB;
/** Larger ones are rare (the protocol allows 32 MiB); allocated as before. */
const POOLED_BYTES_MAX = 4 * MIB;
/** Memory the pool may keep idle across all classes. */
const KEPT_BYTES_MAX = 64 * MIB;

export class PayloadPool {
  private readonly free = new Map<number, Buffer[]>();
  private readonly ours = new WeakSet<ArrayBufferLike>();
  private keptBytes = 0;

  /** A buffer of exactly `bytes`: a view of a pooled one when its size class is pooled. */
  readonly take = (bytes: number): Buffer => {
    if (bytes < POOLED_BYTES_MIN || bytes > POOLED_BYTES_MAX) return Buffer.allocUnsafe(bytes);
    const classBytes = sizeClass(bytes);
    const whole = this.free.get(classBytes)?.pop();
    if (whole) {
      this.keptBytes -= classBytes;
      return whole.subarray(0, bytes);
    }
    const fresh = Buffer.allocUnsafeSlow(classBytes);
    this.ours.add(fresh.buffer);
    return fresh.subarray(0, bytes);
  };

  /** Gives back a buffer from take(); nothing may use it afterwards. Foreign buffers are ignored. */
  give(view: Buffer): void {
    if (!this.ours.has(view.buffer)) return;
    const classBytes = view.buffer.byteLength;
    if (this.keptBytes + classBytes > KEPT_BYTES_MAX) return;
    let list = this.free.get(classBytes);
    if (!list) this.free.set(classBytes, (list = []));
    list.push(Buffer.from(view.buffer, 0, classBytes));
    this.keptBytes += classBytes;
  }

  get keptBytesNow(): number {
    return this.keptBytes;
  }
}

function sizeClass(bytes: number): number {
  let size = POOLED_BYTES_MIN;
  while (size < bytes) size *= 2;
  return size;
}

/** One pool per process: every connection's writes draw on it. */
export const payloadPool = new PayloadPool();

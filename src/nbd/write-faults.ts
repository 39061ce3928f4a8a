// Fault injection on host I/O (DESIGN §8, "fail the next N data writes"): the lab can make a
// volume's next writes fail, so that a host, a CSI driver or a runbook meets a failing disk on
// purpose. It sits between the NBD server and the volume port, so only host I/O is affected:
// replication reads and writes the engine directly. A failed write changes nothing and the host
// gets EIO (nbd/errors.ts maps any error that is not a typed domain error to EIO).
import { NotFoundError, ValidationError } from '../core/errors.ts';
import type { Extent, VolumeIo } from '../core/ports.ts';

/** At most this many write faults at once, like the peer link's FAULTS_MAX. */
export const WRITE_FAULTS_MAX = 64;
/** A fault fails at most this many writes. */
export const WRITE_FAULT_COUNT_MAX = 1_000_000;

export interface WriteFault {
  id: string;
  kind: 'write_error';
  /** The volume whose writes fail; null for every volume. */
  volumeId: string | null;
  /** Writes still to fail; the fault is removed when it reaches 0. */
  remaining: number;
}

export class InjectedWriteError extends Error {
  constructor(faultId: string) {
    super(`Write failed: fault ${faultId} injected an I/O error.`);
    this.name = 'InjectedWriteError';
  }
}

/** Host I/O with write faults applied; everything else passes straight through. */
export class WriteFaults implements VolumeIo {
  private readonly faults = new Map<string, WriteFault>();
  private nextId = 1;

  constructor(private readonly inner: VolumeIo) {}

  add(volumeId: string | null, count: number): WriteFault {
    if (!Number.isSafeInteger(count) || count < 1 || count > WRITE_FAULT_COUNT_MAX) {
      throw new ValidationError(`count must be an integer in 1..${WRITE_FAULT_COUNT_MAX}, got ${JSON.stringify(count)}.`, 'count');
    }
    if (this.faults.size >= WRITE_FAULTS_MAX) throw new ValidationError(`Cannot add a fault: ${WRITE_FAULTS_MAX} write faults are already active.`);
    const fault: WriteFault = { id: `write-fault-${this.nextId++}`, kind: 'write_error', volumeId, remaining: count };
    this.faults.set(fault.id, fault);
    return { ...fault };
  }

  has(id: string): boolean {
    return this.faults.has(id);
  }

  remove(id: string): void {
    if (!this.faults.delete(id)) throw new NotFoundError('fault', id);
  }

  list(): WriteFault[] {
    return [...this.faults.values()].map((f) => ({ ...f }));
  }

  // ---------------------------------------------------------------- VolumeIo

  sizeBytes(id: string): number {
    return this.inner.sizeBytes(id);
  }

  read(id: string, offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    return this.inner.read(id, offsetBytes, lengthBytes);
  }

  readInto(id: string, offsetBytes: number, target: Buffer): Promise<void> {
    if (this.inner.readInto) return this.inner.readInto(id, offsetBytes, target);
    return this.inner.read(id, offsetBytes, target.length).then((data) => void data.copy(target));
  }

  blockStatus(id: string, offsetBytes: number, lengthBytes: number): Extent[] {
    return this.inner.blockStatus(id, offsetBytes, lengthBytes);
  }

  write(id: string, offsetBytes: number, data: Buffer, options?: { fua?: boolean }): Promise<void> {
    const failing = this.faults.size === 0 ? undefined : this.take(id);
    if (failing) return Promise.reject(new InjectedWriteError(failing));
    return this.inner.write(id, offsetBytes, data, options);
  }

  trim(id: string, offsetBytes: number, lengthBytes: number, options?: { fua?: boolean }): Promise<void> {
    return this.inner.trim(id, offsetBytes, lengthBytes, options);
  }

  flush(): Promise<void> {
    return this.inner.flush();
  }

  /** Counts one write against the first fault that covers the volume; its id, or undefined. */
  private take(volumeId: string): string | undefined {
    for (const fault of this.faults.values()) {
      if (fault.volumeId !== null && fault.volumeId !== volumeId) continue;
      fault.remaining -= 1;
      if (fault.remaining === 0) this.faults.delete(fault.id);
      return fault.id;
    }
    return undefined;
  }
}

// An in-memory VolumeIo for NBD tests: one Buffer per volume plus a per-block allocation map, so
// blockStatus reports holes like the engine does. Counts flushes, and can hold or fail operations
// so tests can check ordering, concurrency and error mapping.

import { BLOCK_BYTES } from '../../limits.ts';
import { DomainError, NotFoundError } from '../../core/errors.ts';
import type { Extent, VolumeIo } from '../../core/ports.ts';

interface MemoryVolume {
  data: Buffer;
  /** 1 where the block is mapped (written since the last trim), 0 for a hole. */
  allocated: Uint8Array;
}

type Operation = 'read' | 'write' | 'trim' | 'flush';

export class MemoryVolumeIo implements VolumeIo {
  flushCount = 0;
  readCount = 0;
  writeCount = 0;
  trimCount = 0;
  fuaCount = 0;
  /** Largest number of read/write/trim/flush calls running at once. */
  concurrencyMax = 0;
  private running = 0;
  private readonly volumes = new Map<string, MemoryVolume>();
  private failures = new Map<Operation, unknown>();
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  createVolume(id: string, sizeBytes: number): void {
    const blocks = Math.ceil(sizeBytes / BLOCK_BYTES);
    this.volumes.set(id, { data: Buffer.alloc(sizeBytes), allocated: new Uint8Array(blocks) });
  }

  deleteVolume(id: string): void {
    this.volumes.delete(id);
  }

  /** Every later call of `operation` throws `error` until cleared with undefined. */
  failWith(operation: Operation, error: unknown): void {
    if (error === undefined) this.failures.delete(operation);
    else this.failures.set(operation, error);
  }

  /** Holds every later operation until release() is called. */
  hold(): void {
    this.gate = new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
    this.openGate = null;
  }

  /** Blocks mapped in a volume. */
  allocatedBlocks(id: string): number {
    return this.volume(id).allocated.reduce((sum, bit) => sum + bit, 0);
  }

  contents(id: string): Buffer {
    return this.volume(id).data;
  }

  sizeBytes(id: string): number {
    return this.volume(id).data.length;
  }

  async read(id: string, offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    await this.enter('read');
    try {
      const volume = this.volume(id);
      this.checkRange(volume, offsetBytes, lengthBytes);
      this.readCount += 1;
      return Buffer.from(volume.data.subarray(offsetBytes, offsetBytes + lengthBytes));
    } finally {
      this.running -= 1;
    }
  }

  async write(id: string, offsetBytes: number, data: Buffer, options?: { fua?: boolean }): Promise<void> {
    await this.enter('write');
    try {
      const volume = this.volume(id);
      this.checkRange(volume, offsetBytes, data.length);
      data.copy(volume.data, offsetBytes);
      volume.allocated.fill(1, Math.floor(offsetBytes / BLOCK_BYTES), Math.ceil((offsetBytes + data.length) / BLOCK_BYTES));
      this.writeCount += 1;
      if (options?.fua) this.fuaCount += 1;
    } finally {
      this.running -= 1;
    }
  }

  /** Whole blocks become holes; partial blocks at the edges are zeroed but stay mapped. */
  async trim(id: string, offsetBytes: number, lengthBytes: number, options?: { fua?: boolean }): Promise<void> {
    await this.enter('trim');
    try {
      const volume = this.volume(id);
      this.checkRange(volume, offsetBytes, lengthBytes);
      volume.data.fill(0, offsetBytes, offsetBytes + lengthBytes);
      const firstWhole = Math.ceil(offsetBytes / BLOCK_BYTES);
      const endWhole = Math.floor((offsetBytes + lengthBytes) / BLOCK_BYTES);
      if (endWhole > firstWhole) volume.allocated.fill(0, firstWhole, endWhole);
      this.trimCount += 1;
      if (options?.fua) this.fuaCount += 1;
    } finally {
      this.running -= 1;
    }
  }

  async flush(): Promise<void> {
    await this.enter('flush');
    this.running -= 1;
    this.flushCount += 1;
  }

  blockStatus(id: string, offsetBytes: number, lengthBytes: number): Extent[] {
    const volume = this.volume(id);
    this.checkRange(volume, offsetBytes, lengthBytes);
    const end = offsetBytes + lengthBytes;
    const extents: Extent[] = [];
    let at = offsetBytes;
    while (at < end) {
      const block = Math.floor(at / BLOCK_BYTES);
      const kind = volume.allocated[block] === 1 ? 'data' : 'zero';
      const stop = Math.min(end, (block + 1) * BLOCK_BYTES);
      const last = extents[extents.length - 1];
      if (last !== undefined && last.kind === kind) last.lengthBytes += stop - at;
      else extents.push({ offsetBytes: at, lengthBytes: stop - at, kind });
      at = stop;
    }
    return extents;
  }

  private async enter(operation: Operation): Promise<void> {
    this.running += 1;
    this.concurrencyMax = Math.max(this.concurrencyMax, this.running);
    if (this.gate !== null) await this.gate;
    const failure = this.failures.get(operation);
    if (failure !== undefined) {
      this.running -= 1;
      throw failure;
    }
  }

  private volume(id: string): MemoryVolume {
    const volume = this.volumes.get(id);
    if (volume === undefined) throw new NotFoundError('volume', id);
    return volume;
  }

  private checkRange(volume: MemoryVolume, offsetBytes: number, lengthBytes: number): void {
    if (offsetBytes < 0 || lengthBytes < 0 || offsetBytes + lengthBytes > volume.data.length) {
      throw new DomainError('INTERNAL', `range ${offsetBytes}+${lengthBytes} outside ${volume.data.length} bytes`);
    }
  }
}

/** A fixed list of exports for tests. */
export function staticExports(exports: Array<{ name: string; volumeId: string; readOnly?: boolean; description?: string }>) {
  const list = exports.map((e) => ({ name: e.name, volumeId: e.volumeId, readOnly: e.readOnly ?? false, description: e.description }));
  return {
    list: () => list,
    resolve: (name: string) => list.find((e) => e.name === name),
  };
}

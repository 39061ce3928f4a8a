// An in-memory engine behind the BlockStore port, with the crash semantics of the real one (a
// log-structured store): metadata operations are durable when they resolve, and with them every
// write before them; a write is durable after flush() or with fua; a crash keeps a prefix of the
// writes since the last durable point (the log's tail is cut somewhere). Every operation settles
// in the same turn, so the simulation stays deterministic. The disk outlives the store instance:
// a crash fences the instance (every later call on it fails) and reopening starts from the disk.
import { BLOCK_BYTES } from '../../src/limits.ts';
import type { BlockStore, ByteRange, Extent } from '../../src/core/ports.ts';
import type { Rng } from '../helpers/rng.ts';

interface Vol {
  sizeBytes: number;
  /** Block index -> BLOCK_BYTES of data. Buffers are never changed in place (shared by snapshots). */
  blocks: Map<number, Buffer>;
}

type Op = { kind: 'write'; id: string; offsetBytes: number; data: Buffer } | { kind: 'trim'; id: string; offsetBytes: number; lengthBytes: number };

export class CrashedError extends Error {
  constructor(what: string) {
    super(`engine crashed (${what})`);
  }
}

const clone = (v: Vol): Vol => ({ sizeBytes: v.sizeBytes, blocks: new Map(v.blocks) });

/** What survives a crash: the durable volumes, and the writes since the last durable point. */
export class MemoryDisk {
  durable = new Map<string, Vol>();
  journal: Op[] = [];
  live = new Map<string, Vol>();
  private instance: MemoryBlockStore | null = null;

  open(): MemoryBlockStore {
    this.instance = new MemoryBlockStore(this);
    return this.instance;
  }

  /** Power loss: the open store is fenced; the live state becomes the durable one plus a prefix of the journal. */
  crash(rng: Rng): { keptWrites: number; lostWrites: number } {
    this.instance?.fence();
    this.instance = null;
    const kept = rng.int(0, this.journal.length);
    const state = new Map([...this.durable].map(([id, v]) => [id, clone(v)]));
    for (const op of this.journal.slice(0, kept)) applyOp(state, op);
    const lost = this.journal.length - kept;
    this.durable = state;
    this.journal = [];
    this.live = new Map([...state].map(([id, v]) => [id, clone(v)]));
    return { keptWrites: kept, lostWrites: lost };
  }

  /** The first 4 bytes of every block of a live volume (0 where never written), or null if there is none. */
  firstWordsOf(id: string): number[] | null {
    const v = this.live.get(id);
    if (!v) return null;
    return Array.from({ length: Math.ceil(v.sizeBytes / BLOCK_BYTES) }, (_, k) => v.blocks.get(k)?.readUInt32BE(0) ?? 0);
  }

  /** Makes the journal durable (an fdatasync of the log). */
  sync(): void {
    for (const op of this.journal) applyOp(this.durable, op);
    this.journal = [];
  }
}

function applyOp(state: Map<string, Vol>, op: Op): void {
  const v = state.get(op.id);
  if (!v) return;
  if (op.kind === 'write') writeInto(v, op.offsetBytes, op.data);
  else trimIn(v, op.offsetBytes, op.lengthBytes);
}

function writeInto(v: Vol, offsetBytes: number, data: Buffer): void {
  let done = 0;
  while (done < data.length) {
    const at = offsetBytes + done;
    const index = Math.floor(at / BLOCK_BYTES);
    const within = at % BLOCK_BYTES;
    const n = Math.min(BLOCK_BYTES - within, data.length - done);
    const block = Buffer.alloc(BLOCK_BYTES);
    v.blocks.get(index)?.copy(block);
    data.copy(block, within, done, done + n);
    v.blocks.set(index, block);
    done += n;
  }
}

function trimIn(v: Vol, offsetBytes: number, lengthBytes: number): void {
  const end = Math.min(offsetBytes + lengthBytes, v.sizeBytes);
  for (let at = offsetBytes; at < end; ) {
    const index = Math.floor(at / BLOCK_BYTES);
    const within = at % BLOCK_BYTES;
    const n = Math.min(BLOCK_BYTES - within, end - at);
    if (n === BLOCK_BYTES) v.blocks.delete(index);
    else if (v.blocks.has(index)) {
      const block = Buffer.from(v.blocks.get(index)!);
      block.fill(0, within, within + n);
      v.blocks.set(index, block);
    }
    at += n;
  }
}

export class MemoryBlockStore implements BlockStore {
  private fenced = false;

  constructor(private readonly disk: MemoryDisk) {}

  fence(): void {
    this.fenced = true;
  }

  private check(what: string): void {
    if (this.fenced) throw new CrashedError(what);
  }

  private vol(id: string): Vol {
    const v = this.disk.live.get(id);
    if (!v) throw new Error(`volume ${id} does not exist`);
    return v;
  }

  /** A metadata operation: durable on return, with every write before it. */
  private meta(what: string, change: (state: Map<string, Vol>) => void): Promise<void> {
    try {
      this.check(what);
      change(this.disk.live);
      this.disk.sync();
      change(this.disk.durable);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private now<T>(fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  createVolume(id: string, sizeBytes: number): Promise<void> {
    if (this.disk.live.has(id)) return Promise.reject(new Error(`volume ${id} exists`));
    return this.meta('createVolume', (state) => state.set(id, { sizeBytes, blocks: new Map() }));
  }

  deleteVolume(id: string): Promise<void> {
    if (!this.fenced && !this.disk.live.has(id)) return Promise.reject(new Error(`volume ${id} does not exist`));
    return this.meta('deleteVolume', (state) => state.delete(id));
  }

  resizeVolume(id: string, sizeBytes: number): Promise<void> {
    return this.meta('resizeVolume', (state) => {
      const v = state.get(id);
      if (!v) throw new Error(`volume ${id} does not exist`);
      v.sizeBytes = sizeBytes;
      for (const index of [...v.blocks.keys()]) if (index * BLOCK_BYTES >= sizeBytes) v.blocks.delete(index);
    });
  }

  snapshotVolume(sourceId: string, newId: string): Promise<void> {
    if (!this.fenced && (!this.disk.live.has(sourceId) || this.disk.live.has(newId))) return Promise.reject(new Error(`cannot snapshot ${sourceId} as ${newId}`));
    return this.meta('snapshotVolume', (state) => state.set(newId, clone(state.get(sourceId)!)));
  }

  restoreVolume(targetId: string, sourceId: string): Promise<void> {
    if (!this.fenced && (!this.disk.live.has(sourceId) || !this.disk.live.has(targetId))) return Promise.reject(new Error(`cannot restore ${targetId} from ${sourceId}`));
    return this.meta('restoreVolume', (state) => state.set(targetId, clone(state.get(sourceId)!)));
  }

  hasVolume(id: string): boolean {
    this.check('hasVolume');
    return this.disk.live.has(id);
  }

  volumeIds(): string[] {
    this.check('volumeIds');
    return [...this.disk.live.keys()];
  }

  sizeBytes(id: string): number {
    this.check('sizeBytes');
    return this.vol(id).sizeBytes;
  }

  read(id: string, offsetBytes: number, lengthBytes: number): Promise<Buffer> {
    return this.now(() => {
      const target = Buffer.alloc(lengthBytes);
      this.readSync(id, offsetBytes, target);
      return target;
    });
  }

  readInto(id: string, offsetBytes: number, target: Buffer): Promise<void> {
    return this.now(() => this.readSync(id, offsetBytes, target));
  }

  private readSync(id: string, offsetBytes: number, target: Buffer): void {
    this.check('read');
    const v = this.vol(id);
    if (offsetBytes < 0 || offsetBytes + target.length > v.sizeBytes) throw new Error(`read past the end of ${id}`);
    target.fill(0);
    for (let done = 0; done < target.length; ) {
      const at = offsetBytes + done;
      const index = Math.floor(at / BLOCK_BYTES);
      const within = at % BLOCK_BYTES;
      const n = Math.min(BLOCK_BYTES - within, target.length - done);
      v.blocks.get(index)?.copy(target, done, within, within + n);
      done += n;
    }
  }

  write(id: string, offsetBytes: number, data: Buffer, options?: { fua?: boolean }): Promise<void> {
    return this.now(() => {
      this.check('write');
      const v = this.vol(id);
      if (offsetBytes < 0 || offsetBytes + data.length > v.sizeBytes) throw new Error(`write past the end of ${id}`);
      const copy = Buffer.from(data);
      writeInto(v, offsetBytes, copy);
      this.disk.journal.push({ kind: 'write', id, offsetBytes, data: copy });
      if (options?.fua) this.disk.sync();
    });
  }

  trim(id: string, offsetBytes: number, lengthBytes: number, options?: { fua?: boolean }): Promise<void> {
    return this.now(() => {
      this.check('trim');
      const v = this.vol(id);
      if (offsetBytes < 0 || offsetBytes + lengthBytes > v.sizeBytes) throw new Error(`trim past the end of ${id}`);
      trimIn(v, offsetBytes, lengthBytes);
      this.disk.journal.push({ kind: 'trim', id, offsetBytes, lengthBytes });
      if (options?.fua) this.disk.sync();
    });
  }

  flush(): Promise<void> {
    return this.now(() => {
      this.check('flush');
      this.disk.sync();
    });
  }

  blockStatus(id: string, offsetBytes: number, lengthBytes: number): Extent[] {
    this.check('blockStatus');
    const v = this.vol(id);
    return coalesce(blockKinds(offsetBytes, lengthBytes, (index) => (v.blocks.has(index) ? 'data' : 'zero')));
  }

  diff(baseId: string | null, targetId: string, range?: ByteRange): Extent[] {
    this.check('diff');
    const target = this.vol(targetId);
    const base = baseId === null ? null : this.vol(baseId);
    const from = range?.offsetBytes ?? 0;
    const length = range?.lengthBytes ?? target.sizeBytes - from;
    const kinds = blockKinds(from, length, (index) => {
      const t = target.blocks.get(index);
      const b = base?.blocks.get(index);
      if (t === b) return null;
      if (t && b && t.equals(b)) return null;
      if (!t && !b) return null;
      return t ? 'data' : 'zero';
    });
    return coalesce(kinds);
  }

  mappedBytes(id: string): number {
    this.check('mappedBytes');
    return this.vol(id).blocks.size * BLOCK_BYTES;
  }

  collectGarbage(): Promise<{ freedBytes: number }> {
    return Promise.resolve({ freedBytes: 0 });
  }

  checkpoint(): Promise<void> {
    return Promise.resolve();
  }

  stats(): { segmentBytes: number; liveBytes: number; volumes: number } {
    let bytes = 0;
    for (const v of this.disk.live.values()) bytes += v.blocks.size * BLOCK_BYTES;
    return { segmentBytes: bytes, liveBytes: bytes, volumes: this.disk.live.size };
  }

  freeBytes(): number {
    return 2 ** 40;
  }

  close(): Promise<void> {
    this.disk.sync();
    this.fenced = true;
    return Promise.resolve();
  }
}

/** Per-block kinds over a byte range, clipped to it; null blocks are left out. */
function blockKinds(offsetBytes: number, lengthBytes: number, kindOf: (index: number) => 'data' | 'zero' | null): Extent[] {
  const out: Extent[] = [];
  const end = offsetBytes + lengthBytes;
  for (let at = offsetBytes; at < end; ) {
    const index = Math.floor(at / BLOCK_BYTES);
    const next = Math.min((index + 1) * BLOCK_BYTES, end);
    const kind = kindOf(index);
    if (kind) out.push({ offsetBytes: at, lengthBytes: next - at, kind });
    at = next;
  }
  return out;
}

function coalesce(extents: Extent[]): Extent[] {
  const out: Extent[] = [];
  for (const e of extents) {
    const last = out[out.length - 1];
    if (last && last.kind === e.kind && last.offsetBytes + last.lengthBytes === e.offsetBytes) last.lengthBytes += e.lengthBytes;
    else out.push({ ...e });
  }
  return out;
}

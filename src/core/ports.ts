// Ports: the interfaces core declares and the adapters (engine, meta, peer) implement.
// Core depends only on these; a test can swap any of them for a fake.

/** An extent of a volume's address space as reported by diff and block status. */
export interface Extent {
  offsetBytes: number;
  lengthBytes: number;
  /** 'data': mapped blocks; 'zero': unmapped (reads as zeros, a hole). */
  kind: 'data' | 'zero';
}

/** A byte range of a volume's address space, any alignment. */
export interface ByteRange {
  offsetBytes: number;
  lengthBytes: number;
}

/**
 * The data engine: thin, redirect-on-write volumes addressed by the caller's ids (core UUIDs).
 * Snapshots and clones are engine volumes too; read-only is enforced above the engine.
 * Every metadata operation (create, delete, snapshot, clone, resize, restore) is durable when its
 * promise resolves. Writes are durable after flush() or when written with fua.
 */
export interface BlockStore {
  createVolume(id: string, sizeBytes: number): Promise<void>;
  deleteVolume(id: string): Promise<void>;
  /** Grows (or shrinks, dropping mappings past the end) the address space. */
  resizeVolume(id: string, sizeBytes: number): Promise<void>;
  /** Creates `newId` as a point-in-time copy of `sourceId` sharing all map pages: O(pages), no data copied. */
  snapshotVolume(sourceId: string, newId: string): Promise<void>;
  /** Replaces the contents (map and size) of `targetId` with those of `sourceId`, atomically. */
  restoreVolume(targetId: string, sourceId: string): Promise<void>;
  hasVolume(id: string): boolean;
  volumeIds(): string[];
  sizeBytes(id: string): number;

  read(id: string, offsetBytes: number, lengthBytes: number): Promise<Buffer>;
  /** Reads `target.length` bytes from `offsetBytes` into `target` (a reused buffer: no allocation). */
  readInto(id: string, offsetBytes: number, target: Buffer): Promise<void>;
  write(id: string, offsetBytes: number, data: Buffer, options?: { fua?: boolean }): Promise<void>;
  /** Unmaps the range: it reads as zeros afterwards and its space can be reclaimed. */
  trim(id: string, offsetBytes: number, lengthBytes: number, options?: { fua?: boolean }): Promise<void>;
  /** Makes every write acknowledged so far durable (one fdatasync shared by concurrent callers). */
  flush(): Promise<void>;

  /** Allocation of a range, as extents in order covering [offset, offset+length). */
  blockStatus(id: string, offsetBytes: number, lengthBytes: number): Extent[];
  /**
   * Extents where `targetId` differs from `baseId` (null: from an empty volume), in offset order,
   * adjacent extents of one kind coalesced. Cost is proportional to the pages that differ. With a
   * range (inside the target), only that part is compared and the extents are clipped to it.
   */
  diff(baseId: string | null, targetId: string, range?: ByteRange): Extent[];
  /** Bytes of mapped data in a volume (PowerStore logical_used). */
  mappedBytes(id: string): number;

  /** Reclaims space of segments whose data is mostly unreferenced; returns bytes given back. */
  collectGarbage(): Promise<{ freedBytes: number }>;
  /** Writes a checkpoint so that recovery replays little. */
  checkpoint(): Promise<void>;
  stats(): { segmentBytes: number; liveBytes: number; volumes: number };
  /** Bytes the engine can still grow into: free space of the file system holding its segments. */
  freeBytes(): number;
  close(): Promise<void>;
}

/**
 * Host I/O on volumes, as NBD uses it. Plain volumes pass straight to the BlockStore; replication
 * wraps this port to mirror writes (synchronous), track dirty blocks (stack) or gate writes
 * (split mode Manual with the path down). BlockStore satisfies it as it is.
 */
export interface VolumeIo {
  sizeBytes(id: string): number;
  read(id: string, offsetBytes: number, lengthBytes: number): Promise<Buffer>;
  write(id: string, offsetBytes: number, data: Buffer, options?: { fua?: boolean }): Promise<void>;
  trim(id: string, offsetBytes: number, lengthBytes: number, options?: { fua?: boolean }): Promise<void>;
  flush(): Promise<void>;
  blockStatus(id: string, offsetBytes: number, lengthBytes: number): Extent[];
}

/** What NBD may serve: export name (the volume or snapshot name) to the volume behind it. */
export interface NbdExport {
  name: string;
  volumeId: string;
  readOnly: boolean;
  description?: string;
}

export interface NbdExportResolver {
  list(): NbdExport[];
  resolve(name: string): NbdExport | undefined;
}

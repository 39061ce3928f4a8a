// A minimal NBD client for tests, written from proto.md independently of the server code: it
// speaks raw bytes so tests can send malformed and out-of-range requests real clients never send.

import { connect, type Socket } from 'node:net';

export const C = {
  IHAVEOPT: Buffer.from('IHAVEOPT', 'latin1'),
  OPT_EXPORT_NAME: 1,
  OPT_ABORT: 2,
  OPT_LIST: 3,
  OPT_STARTTLS: 5,
  OPT_INFO: 6,
  OPT_GO: 7,
  OPT_STRUCTURED_REPLY: 8,
  OPT_LIST_META_CONTEXT: 9,
  OPT_SET_META_CONTEXT: 10,
  REP_ACK: 1,
  REP_SERVER: 2,
  REP_INFO: 3,
  REP_META_CONTEXT: 4,
  REP_ERR_UNSUP: 0x80000001,
  REP_ERR_POLICY: 0x80000002,
  REP_ERR_INVALID: 0x80000003,
  REP_ERR_UNKNOWN: 0x80000006,
  CMD_READ: 0,
  CMD_WRITE: 1,
  CMD_DISC: 2,
  CMD_FLUSH: 3,
  CMD_TRIM: 4,
  CMD_CACHE: 5,
  CMD_WRITE_ZEROES: 6,
  CMD_BLOCK_STATUS: 7,
  FLAG_FUA: 1,
  FLAG_NO_HOLE: 2,
  FLAG_DF: 4,
  FLAG_REQ_ONE: 8,
  EPERM: 1,
  EIO: 5,
  EINVAL: 22,
  ENOSPC: 28,
} as const;

export interface OptionReply {
  option: number;
  type: number;
  data: Buffer;
}

export interface Chunk {
  flags: number;
  type: number;
  data: Buffer;
}

export interface Reply {
  handle: bigint;
  /** Simple reply error, or the error of a structured ERROR chunk. */
  error: number;
  /** Simple replies: the READ payload. */
  data?: Buffer;
  /** Structured replies: every chunk, the last with DONE set. */
  chunks?: Chunk[];
}

export class RawNbdClient {
  private buffered: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  ended = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.on('close', () => {
        this.ended = true;
        this.wake();
        resolve();
      }),
    );
  }

  /** Connects and reads the greeting; returns the client and the server's handshake flags. */
  static async connect(port: number): Promise<{ client: RawNbdClient; handshakeFlags: number; magic: Buffer }> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new RawNbdClient(socket);
    const greeting = await client.read(18);
    return { client, magic: greeting.subarray(0, 16), handshakeFlags: greeting.readUInt16BE(16) };
  }

  /** Connects, sends client flags FIXED_NEWSTYLE|NO_ZEROES, and (optionally) negotiates to transmission. */
  static async open(port: number, exportName: string, options: { structured?: boolean; baseAllocation?: boolean } = {}) {
    const { client } = await RawNbdClient.connect(port);
    client.write(u32(3));
    if (options.structured) {
      client.sendOption(C.OPT_STRUCTURED_REPLY, Buffer.alloc(0));
      const reply = await client.readOptionReply();
      if (reply.type !== C.REP_ACK) throw new Error(`STRUCTURED_REPLY refused: ${reply.type}`);
    }
    if (options.baseAllocation) {
      client.sendOption(C.OPT_SET_META_CONTEXT, metaContextData(exportName, ['base:allocation']));
      const replies = await client.readOptionReplies();
      if (replies.at(-1)!.type !== C.REP_ACK) throw new Error('SET_META_CONTEXT failed');
    }
    client.sendOption(C.OPT_GO, infoData(exportName, [3]));
    const replies = await client.readOptionReplies();
    const last = replies.at(-1)!;
    if (last.type !== C.REP_ACK) throw new Error(`GO failed with reply type 0x${last.type.toString(16)}`);
    const exportInfo = replies.find((r) => r.type === C.REP_INFO && r.data.readUInt16BE(0) === 0)!;
    const sizeBytes = Number(exportInfo.data.readBigUInt64BE(2));
    const transmissionFlags = exportInfo.data.readUInt16BE(10);
    return { client, sizeBytes, transmissionFlags };
  }

  write(data: Buffer): void {
    this.socket.write(data);
  }

  sendOption(option: number, data: Buffer): void {
    this.write(Buffer.concat([C.IHAVEOPT, u32(option), u32(data.length), data]));
  }

  async readOptionReply(): Promise<OptionReply> {
    const header = await this.read(20);
    if (header.readUInt32BE(0) !== 0x0003e889 || header.readUInt32BE(4) !== 0x045565a9) throw new Error('bad option reply magic');
    const length = header.readUInt32BE(16);
    return { option: header.readUInt32BE(8), type: header.readUInt32BE(12), data: await this.read(length) };
  }

  /** Reads replies up to and including the final one (ACK or an error). */
  async readOptionReplies(): Promise<OptionReply[]> {
    const replies: OptionReply[] = [];
    for (;;) {
      const reply = await this.readOptionReply();
      replies.push(reply);
      if (reply.type === C.REP_ACK || reply.type >= 0x80000000) return replies;
    }
  }

  request(type: number, handle: bigint, offsetBytes: number, lengthBytes: number, options: { flags?: number; payload?: Buffer } = {}): void {
    const header = Buffer.alloc(28);
    header.writeUInt32BE(0x25609513, 0);
    header.writeUInt16BE(options.flags ?? 0, 4);
    header.writeUInt16BE(type, 6);
    header.writeBigUInt64BE(handle, 8);
    header.writeBigUInt64BE(BigInt(offsetBytes), 16);
    header.writeUInt32BE(lengthBytes, 24);
    this.write(options.payload ? Buffer.concat([header, options.payload]) : header);
  }

  /**
   * Reads one reply. `readLengthOf` gives the READ length for a handle: simple replies carry no
   * length, so the client must remember what it asked for (0 for commands without data).
   */
  async readReply(readLengthOf: (handle: bigint) => number = () => 0): Promise<Reply> {
    const magic = (await this.peek(4)).readUInt32BE(0);
    if (magic === 0x67446698) {
      const header = await this.read(16);
      const handle = header.readBigUInt64BE(8);
      const error = header.readUInt32BE(4);
      const data = error === 0 ? await this.read(readLengthOf(handle)) : undefined;
      return { handle, error, data };
    }
    if (magic !== 0x668e33ef) throw new Error(`bad reply magic 0x${magic.toString(16)}`);
    const chunks: Chunk[] = [];
    let handle = 0n;
    let error = 0;
    for (;;) {
      const header = await this.read(20);
      if (header.readUInt32BE(0) !== 0x668e33ef) throw new Error('bad chunk magic');
      handle = header.readBigUInt64BE(8);
      const chunk = { flags: header.readUInt16BE(4), type: header.readUInt16BE(6), data: await this.read(header.readUInt32BE(16)) };
      if (chunk.type >= 0x8000) error = chunk.data.readUInt32BE(0);
      chunks.push(chunk);
      if ((chunk.flags & 1) !== 0) return { handle, error, chunks };
    }
  }

  /** Resolves true if the server closed the connection (reading whatever it still sent). */
  async waitClosed(): Promise<boolean> {
    await this.closed;
    return true;
  }

  close(): void {
    this.socket.destroy();
  }

  async read(n: number): Promise<Buffer> {
    await this.waitFor(n);
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  private async peek(n: number): Promise<Buffer> {
    await this.waitFor(n);
    return this.buffered.subarray(0, n);
  }

  private async waitFor(n: number): Promise<void> {
    while (this.buffered.length < n) {
      if (this.ended) throw new Error(`connection closed while waiting for ${n} bytes (have ${this.buffered.length})`);
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }
}

export function u32(value: number): Buffer {
  const buf = Buffer.alloc(4);
  buf.writeUInt32BE(value, 0);
  return buf;
}

export function infoData(name: string, infos: number[]): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  const buf = Buffer.alloc(4 + nameBytes.length + 2 + 2 * infos.length);
  buf.writeUInt32BE(nameBytes.length, 0);
  nameBytes.copy(buf, 4);
  buf.writeUInt16BE(infos.length, 4 + nameBytes.length);
  infos.forEach((info, i) => buf.writeUInt16BE(info, 6 + nameBytes.length + 2 * i));
  return buf;
}

export function metaContextData(name: string, queries: string[]): Buffer {
  const parts = [u32(Buffer.byteLength(name)), Buffer.from(name), u32(queries.length)];
  for (const query of queries) parts.push(u32(Buffer.byteLength(query)), Buffer.from(query));
  return Buffer.concat(parts);
}

/** Decodes base:allocation descriptors of a BLOCK_STATUS chunk. */
export function decodeBlockStatus(chunk: Chunk): { contextId: number; extents: Array<{ lengthBytes: number; flags: number }> } {
  const extents = [];
  for (let at = 4; at < chunk.data.length; at += 8) {
    extents.push({ lengthBytes: chunk.data.readUInt32BE(at), flags: chunk.data.readUInt32BE(at + 4) });
  }
  return { contextId: chunk.data.readUInt32BE(0), extents };
}

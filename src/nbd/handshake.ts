// Option negotiation (fixed newstyle, proto.md "Option haggling"). A Negotiation consumes bytes
// from the receive queue one step at a time and sends option replies through `send`; the
// connection drives it until it yields 'transmission' or 'close'. It does no socket I/O itself.

import { NBD_OPTIONS_MAX, NBD_OPTIONS_PER_EXPORT } from '../limits.ts';
import type { NbdExport, NbdExportResolver, VolumeIo } from '../core/ports.ts';
import {
  CLIENT_FLAG_NO_ZEROES,
  CLIENT_FLAGS_KNOWN,
  INFO,
  IHAVEOPT_HI,
  IHAVEOPT_LO,
  META_CONTEXT_BASE_ALLOCATION,
  META_CONTEXT_BASE_ALLOCATION_ID,
  OPT,
  OPTION_DATA_BYTES_MAX,
  OPTION_HEADER_BYTES,
  REP,
  STRING_BYTES_MAX,
  encodeExportNameReply,
  encodeInfoBlockSize,
  encodeInfoExport,
  encodeInfoString,
  encodeMetaContext,
  encodeOptionError,
  encodeOptionReply,
  encodeServerEntry,
  transmissionFlagsFor,
} from './protocol.ts';

export type NegotiationStep =
  | { kind: 'more' } // not enough bytes queued for the next step
  | { kind: 'continue' } // one step done; call step() again
  | { kind: 'close'; reason: string } // drop the connection (after sending what was sent)
  | { kind: 'transmission'; session: NegotiatedSession };

/** What transmission needs from negotiation. */
export interface NegotiatedSession {
  export: NbdExport;
  sizeBytes: number;
  transmissionFlags: number;
  structuredReplies: boolean;
  /** base:allocation was selected with SET_META_CONTEXT for this export. */
  baseAllocation: boolean;
}

interface ExportInfo {
  export: NbdExport;
  sizeBytes: number;
}

export class Negotiation {
  private clientFlagsRead = false;
  private noZeroes = false;
  private structuredReplies = false;
  private optionsCount = 0;
  /** NBD_OPTIONS_MAX and NBD_OPTIONS_PER_EXPORT per export, counted once past NBD_OPTIONS_MAX. */
  private optionsAllowed: number | null = null;
  /** Export name the last SET_META_CONTEXT applied to, and whether it selected base:allocation. */
  private metaExportName: string | null = null;
  private metaBaseAllocation = false;

  constructor(
    private readonly exports: NbdExportResolver,
    private readonly io: VolumeIo,
    private readonly send: (data: Buffer) => void,
  ) {}

  step(queue: { length: number; peek(n: number): { buf: Buffer; at: number }; take(n: number): Buffer; skip(n: number): void }): NegotiationStep {
    if (!this.clientFlagsRead) {
      if (queue.length < 4) return { kind: 'more' };
      const { buf, at } = queue.peek(4);
      const clientFlags = buf.readUInt32BE(at);
      queue.skip(4);
      // proto.md: the server MUST drop the connection on client flags it does not know.
      if ((clientFlags & ~CLIENT_FLAGS_KNOWN) !== 0) return { kind: 'close', reason: `unknown client flags 0x${clientFlags.toString(16)}` };
      this.noZeroes = (clientFlags & CLIENT_FLAG_NO_ZEROES) !== 0;
      this.clientFlagsRead = true;
      return { kind: 'continue' };
    }
    if (queue.length < OPTION_HEADER_BYTES) return { kind: 'more' };
    const { buf, at } = queue.peek(OPTION_HEADER_BYTES);
    if (buf.readUInt32BE(at) !== IHAVEOPT_HI || buf.readUInt32BE(at + 4) !== IHAVEOPT_LO) {
      return { kind: 'close', reason: 'bad option magic' };
    }
    const option = buf.readUInt32BE(at + 8);
    const dataBytes = buf.readUInt32BE(at + 12);
    if (dataBytes > OPTION_DATA_BYTES_MAX) return { kind: 'close', reason: `option ${option} data of ${dataBytes} bytes is too long` };
    if (queue.length < OPTION_HEADER_BYTES + dataBytes) return { kind: 'more' };
    queue.skip(OPTION_HEADER_BYTES);
    const data = Buffer.from(queue.take(dataBytes)); // copy: option data is small and kept briefly
    this.optionsCount += 1;
    if (this.optionsCount > NBD_OPTIONS_MAX) {
      // Counted once, when first needed: a listing of thousands of exports per option would cost O(n²).
      this.optionsAllowed ??= NBD_OPTIONS_MAX + NBD_OPTIONS_PER_EXPORT * this.exports.list().length;
      if (this.optionsCount > this.optionsAllowed) return { kind: 'close', reason: `more than ${this.optionsAllowed} options` };
    }
    return this.handleOption(option, data);
  }

  private handleOption(option: number, data: Buffer): NegotiationStep {
    switch (option) {
      case OPT.EXPORT_NAME:
        return this.exportName(data);
      case OPT.ABORT:
        this.send(encodeOptionReply(option, REP.ACK));
        return { kind: 'close', reason: 'client aborted negotiation' };
      case OPT.LIST:
        return this.list(data);
      case OPT.STARTTLS:
        // TLS is not configured yet: NOTLS mode answers ERR_POLICY (proto.md "TLS support").
        this.send(encodeOptionError(option, REP.ERR_POLICY, 'TLS is not enabled on this server'));
        return { kind: 'continue' };
      case OPT.INFO:
      case OPT.GO:
        return this.infoOrGo(option, data);
      case OPT.STRUCTURED_REPLY:
        if (data.length !== 0) return this.reject(option, REP.ERR_INVALID, 'STRUCTURED_REPLY takes no data');
        this.structuredReplies = true;
        this.send(encodeOptionReply(option, REP.ACK));
        return { kind: 'continue' };
      case OPT.LIST_META_CONTEXT:
      case OPT.SET_META_CONTEXT:
        return this.metaContext(option, data);
      default:
        return this.reject(option, REP.ERR_UNSUP, `option ${option} is not supported`);
    }
  }

  private reject(option: number, replyType: number, message: string): NegotiationStep {
    this.send(encodeOptionError(option, replyType, message));
    return { kind: 'continue' };
  }

  private lookup(name: string): ExportInfo | undefined {
    const found = this.exports.resolve(name);
    if (found === undefined) return undefined;
    try {
      return { export: found, sizeBytes: this.io.sizeBytes(found.volumeId) };
    } catch {
      return undefined; // the volume behind the export is gone
    }
  }

  private exportName(data: Buffer): NegotiationStep {
    const name = data.toString('utf8');
    const info = data.length <= STRING_BYTES_MAX ? this.lookup(name) : undefined;
    // EXPORT_NAME has no error reply: an unknown export can only be refused by disconnecting.
    if (info === undefined) return { kind: 'close', reason: `unknown export ${JSON.stringify(name)} (EXPORT_NAME)` };
    const flags = transmissionFlagsFor(info.export.readOnly);
    this.send(encodeExportNameReply(info.sizeBytes, flags, this.noZeroes));
    return { kind: 'transmission', session: this.session(info, flags) };
  }

  private list(data: Buffer): NegotiationStep {
    if (data.length !== 0) return this.reject(OPT.LIST, REP.ERR_INVALID, 'LIST takes no data');
    for (const entry of this.exports.list()) {
      this.send(encodeOptionReply(OPT.LIST, REP.SERVER, encodeServerEntry(entry.name, entry.description ?? '')));
    }
    this.send(encodeOptionReply(OPT.LIST, REP.ACK));
    return { kind: 'continue' };
  }

  private infoOrGo(option: number, data: Buffer): NegotiationStep {
    const request = parseInfoRequest(data);
    if (request === undefined) return this.reject(option, REP.ERR_INVALID, 'malformed INFO/GO request');
    const info = this.lookup(request.name);
    if (info === undefined) return this.reject(option, REP.ERR_UNKNOWN, `export ${JSON.stringify(request.name)} not found`);
    const flags = transmissionFlagsFor(info.export.readOnly);
    this.send(encodeOptionReply(option, REP.INFO, encodeInfoExport(info.sizeBytes, flags)));
    if (request.infos.includes(INFO.NAME)) {
      this.send(encodeOptionReply(option, REP.INFO, encodeInfoString(INFO.NAME, info.export.name)));
    }
    if (request.infos.includes(INFO.DESCRIPTION) && info.export.description !== undefined) {
      this.send(encodeOptionReply(option, REP.INFO, encodeInfoString(INFO.DESCRIPTION, info.export.description)));
    }
    // Sent even unasked: qemu asks for it, and min 1 constrains no client.
    this.send(encodeOptionReply(option, REP.INFO, encodeInfoBlockSize()));
    this.send(encodeOptionReply(option, REP.ACK));
    if (option === OPT.INFO) return { kind: 'continue' };
    return { kind: 'transmission', session: this.session(info, flags) };
  }

  private session(info: ExportInfo, flags: number): NegotiatedSession {
    // Meta contexts selected for another export do not carry over (proto.md SET_META_CONTEXT).
    const baseAllocation = this.metaBaseAllocation && this.metaExportName === info.export.name;
    return {
      export: info.export,
      sizeBytes: info.sizeBytes,
      transmissionFlags: flags,
      structuredReplies: this.structuredReplies,
      baseAllocation: baseAllocation && this.structuredReplies,
    };
  }

  private metaContext(option: number, data: Buffer): NegotiationStep {
    if (!this.structuredReplies) return this.reject(option, REP.ERR_INVALID, 'negotiate STRUCTURED_REPLY first');
    const request = parseMetaContextRequest(data);
    if (request === undefined) return this.reject(option, REP.ERR_INVALID, 'malformed meta context request');
    if (this.lookup(request.exportName) === undefined) {
      return this.reject(option, REP.ERR_UNKNOWN, `export ${JSON.stringify(request.exportName)} not found`);
    }
    const listing = option === OPT.LIST_META_CONTEXT;
    const matches = listing
      ? request.queries.length === 0 || request.queries.some((q) => q === 'base:' || q === META_CONTEXT_BASE_ALLOCATION)
      : request.queries.includes(META_CONTEXT_BASE_ALLOCATION);
    if (!listing) {
      this.metaExportName = request.exportName;
      this.metaBaseAllocation = matches;
    }
    if (matches) {
      const id = listing ? 0 : META_CONTEXT_BASE_ALLOCATION_ID;
      this.send(encodeOptionReply(option, REP.META_CONTEXT, encodeMetaContext(id, META_CONTEXT_BASE_ALLOCATION)));
    }
    this.send(encodeOptionReply(option, REP.ACK));
    return { kind: 'continue' };
  }
}

/** INFO/GO data: u32 name length, name, u16 count, u16 info types. */
export function parseInfoRequest(data: Buffer): { name: string; infos: number[] } | undefined {
  if (data.length < 6) return undefined;
  const nameBytes = data.readUInt32BE(0);
  if (nameBytes > STRING_BYTES_MAX || 4 + nameBytes + 2 > data.length) return undefined;
  const name = data.toString('utf8', 4, 4 + nameBytes);
  const count = data.readUInt16BE(4 + nameBytes);
  if (data.length !== 6 + nameBytes + 2 * count) return undefined;
  const infos: number[] = [];
  for (let i = 0; i < count; i++) infos.push(data.readUInt16BE(6 + nameBytes + 2 * i));
  return { name, infos };
}

/** LIST/SET_META_CONTEXT data: u32 name length, name, u32 query count, (u32 length, query)*. */
export function parseMetaContextRequest(data: Buffer): { exportName: string; queries: string[] } | undefined {
  if (data.length < 8) return undefined;
  const nameBytes = data.readUInt32BE(0);
  if (nameBytes > STRING_BYTES_MAX || 8 + nameBytes > data.length) return undefined;
  const exportName = data.toString('utf8', 4, 4 + nameBytes);
  const count = data.readUInt32BE(4 + nameBytes);
  let at = 8 + nameBytes;
  const queries: string[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 4 > data.length) return undefined;
    const queryBytes = data.readUInt32BE(at);
    if (queryBytes > STRING_BYTES_MAX || at + 4 + queryBytes > data.length) return undefined;
    queries.push(data.toString('utf8', at + 4, at + 4 + queryBytes));
    at += 4 + queryBytes;
  }
  return at === data.length ? { exportName, queries } : undefined;
}

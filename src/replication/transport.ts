// The port replication uses to reach peers. The composition root backs it with src/peer (HTTP/2
// over mutual TLS); tests may back it with an in-process pair.

import type { ConnectionState } from '../core/replication/commands.ts';
export type { ConnectionState };

export interface RpcRequest {
  params: any;
  payload: Buffer | null;
  fromSystemId: string;
}

/** What a handler answers; a mirrored write's handler answers at once (no promise) when it can. */
export type RpcAnswer = { result?: unknown; payload?: Buffer | null } | void;

/**
 * A binary form of a method's params for calls a host write waits on (the peer link's lane sends
 * it instead of JSON). encode returns null for params it cannot carry; decode returns the params
 * or a problem. Its first byte is 0 (peer/lane-wire.ts).
 */
export interface ParamsCodec {
  encode(params: unknown): Buffer | null;
  decode(bytes: Buffer): unknown | { problem: string };
}

export interface PeerTransport {
  call<T>(peerSystemId: string, method: string, params: unknown, options?: { payload?: Buffer; timeoutMs?: number; lane?: boolean; bulk?: boolean }): Promise<{ result: T; payload: Buffer | null }>;
  /** `payloadFreeOnAnswer`: the handler is done with the payload once it answers (PeerEndpoint.handle). */
  handle(method: string, handler: (request: RpcRequest) => RpcAnswer | Promise<RpcAnswer>, options?: { payloadFreeOnAnswer?: boolean }): void;
  /** Registers a binary form of a method's params (both systems register the same); optional for transports without a lane. */
  paramsCodec?(method: string, codec: ParamsCodec): void;
  connectionState(peerSystemId: string): ConnectionState;
  onStateChange(listener: (peerSystemId: string, state: ConnectionState) => void): void;
}

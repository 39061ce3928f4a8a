// The port replication uses to reach peers. The composition root backs it with src/peer (HTTP/2
// over mutual TLS); tests may back it with an in-process pair.

import type { ConnectionState } from '../core/replication/commands.ts';
export type { ConnectionState };

export interface RpcRequest {
  params: any;
  payload: Buffer | null;
  fromSystemId: string;
}

export interface PeerTransport {
  call<T>(peerSystemId: string, method: string, params: unknown, options?: { payload?: Buffer; timeoutMs?: number; lane?: boolean; bulk?: boolean }): Promise<{ result: T; payload: Buffer | null }>;
  /** `payloadFreeOnAnswer`: the handler is done with the payload once it answers (PeerEndpoint.handle). */
  handle(method: string, handler: (request: RpcRequest) => Promise<{ result?: unknown; payload?: Buffer | null } | void>, options?: { payloadFreeOnAnswer?: boolean }): void;
  connectionState(peerSystemId: string): ConnectionState;
  onStateChange(listener: (peerSystemId: string, state: ConnectionState) => void): void;
}

// The shapes both transports of the peer link share (HTTP/2 and the lane), in a file of their own so
// that the clients and servers of each transport import them without importing each other.
import type { Clock } from '../core/clock.ts';
import type { DomainError } from '../core/errors.ts';
import type { PeerConnector } from './connector.ts';
import type { FaultController } from './faults.ts';
import type { LaneCodec } from './lane-wire.ts';
import type { TrustedPeer } from './trust.ts';

export interface CallResult<T> {
  result: T;
  payload: Buffer | null;
}

/** What a PeerClient needs from its endpoint. */
export interface ClientLink {
  clock: Clock;
  faults: FaultController;
  connector: PeerConnector;
  /** Binary forms of params on the lane, by method (lane-wire.ts). */
  codecs: ReadonlyMap<string, LaneCodec>;
  /** Told about failures of the link itself (not of one call), so heartbeats can react at once. */
  reportLinkFailure(peerSystemId: string, error: DomainError): void;
}

export interface RpcRequest {
  params: unknown;
  payload: Buffer | null;
  from: TrustedPeer;
}

export interface RpcResponse {
  result?: unknown;
  payload?: Buffer | null;
}

/**
 * Answers one call. A handler that can answer at once may return the response itself: on the lane
 * it is then written back in the same turn as the request was read (no promise hops).
 */
export type RpcHandler = (request: RpcRequest) => RpcResponse | Promise<RpcResponse>;

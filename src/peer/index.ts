// The peer link's public entry: what the composition root, replication and the control API use.
export { PeerClient, type CallOptions, type CallResult } from './client.ts';
export { PeerEndpoint, type PeerEndpointOptions, type PingResult, type LinkFailureListener } from './endpoint.ts';
export { isPeerUnreachable } from './errors.ts';
export { FaultController, seededRandom, type ActiveFault, type FaultControllerOptions, type PeerFault } from './faults.ts';
export { HeartbeatMonitor, type DataConnectionState, type HeartbeatOptions, type StateChangeListener } from './heartbeat.ts';
export type { RpcHandler, RpcRequest, RpcResponse } from './server.ts';
export type { PeerLog } from './session-options.ts';
export { fingerprintOf, MemoryTrustStore, type TrustedPeer, type TrustStore } from './trust.ts';
export * from './limits.ts';

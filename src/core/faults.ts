// Faults an operator injects on the peer link (DESIGN §8): the kinds, and the port of the link's
// fault point (src/peer/faults.ts implements it) that Tandem's control API drives.

export type PeerFault = (
  | { kind: 'link_down' }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'drop'; fraction: number }
  | { kind: 'bandwidth'; mibps: number }
) & { peerSystemId?: string };

export type ActiveFault = PeerFault & { id: string };

export interface PeerFaultPoint {
  list(): ActiveFault[];
  /** Validates the fault (ValidationError) and makes it active at once. */
  add(fault: PeerFault): { id: string };
  remove(id: string): boolean;
}

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

/**
 * A fault's settings in words, as the control API lists them or an event carries them: `200 ms`,
 * `25% dropped`, `3 writes left`. The CLI's fault list and the fault events both say them so.
 */
export function faultSettings(fault: Record<string, unknown>): string[] {
  const parts: string[] = [];
  if (fault.delayMs !== undefined) parts.push(`${String(fault.delayMs)} ms`);
  if (fault.fraction !== undefined) parts.push(`${Math.round(Number(fault.fraction) * 1000) / 10}% dropped`);
  if (fault.mibps !== undefined) parts.push(`${String(fault.mibps)} MiB/s`);
  if (fault.count !== undefined) parts.push(`${String(fault.count)} writes`);
  if (fault.count_remaining !== undefined) parts.push(`${String(fault.count_remaining)} writes left`);
  if (fault.volume_id) parts.push(`volume ${String(fault.volume_id)}`);
  if (fault.peerSystemId) parts.push(`peer ${String(fault.peerSystemId)}`);
  return parts;
}

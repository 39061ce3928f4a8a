// The fault point of the peer link (DESIGN §5.5, §8). Every outgoing call and every incoming stream
// asks this controller first, so the lab can cut, delay or drop the link without touching the
// code that uses it. A fault with `peerSystemId` affects only the link to that peer; without it,
// every link of this endpoint. Faults on one endpoint act in both directions of its links.
import { ValidationError } from '../core/errors.ts';
import { FAULT_DELAY_MS_MAX, FAULTS_MAX } from './limits.ts';

export type PeerFault = (
  | { kind: 'link_down' }
  | { kind: 'delay'; delayMs: number }
  | { kind: 'drop'; fraction: number }
) & { peerSystemId?: string };

export type ActiveFault = PeerFault & { id: string };

/** What the fault point decides for one call or stream. */
export type FaultVerdict = { action: 'refuse'; reason: string } | { action: 'pass'; delayMs: number };

export interface FaultControllerOptions {
  /** Uniform in [0, 1); inject `seededRandom(seed)` in tests so drops are reproducible. */
  random?: () => number;
}

export class FaultController {
  private readonly faults = new Map<string, ActiveFault>();
  private readonly listeners = new Set<() => void>();
  private readonly random: () => number;
  private nextId = 1;

  constructor(options: FaultControllerOptions = {}) {
    this.random = options.random ?? Math.random;
  }

  add(fault: PeerFault): { id: string } {
    validateFault(fault);
    if (this.faults.size >= FAULTS_MAX) {
      throw new ValidationError(`Cannot add a fault: ${FAULTS_MAX} faults are already active.`);
    }
    const id = `fault-${this.nextId++}`;
    this.faults.set(id, { ...fault, id });
    this.notify();
    return { id };
  }

  remove(id: string): boolean {
    const removed = this.faults.delete(id);
    if (removed) this.notify();
    return removed;
  }

  list(): ActiveFault[] {
    return [...this.faults.values()].map((fault) => ({ ...fault }));
  }

  /** True when a link_down fault covers this peer (or, with no peer given, every peer). */
  isLinkDown(peerSystemId: string | undefined): boolean {
    for (const fault of this.faults.values()) {
      if (fault.kind === 'link_down' && appliesTo(fault, peerSystemId)) return true;
    }
    return false;
  }

  /** Decides one call or stream: refused (link down, dropped) or passed with the total delay. */
  decide(peerSystemId: string | undefined): FaultVerdict {
    if (this.isLinkDown(peerSystemId)) return { action: 'refuse', reason: 'link down (fault injected)' };
    let delayMs = 0;
    for (const fault of this.faults.values()) {
      if (!appliesTo(fault, peerSystemId)) continue;
      if (fault.kind === 'drop' && this.random() < fault.fraction) {
        return { action: 'refuse', reason: 'message dropped (fault injected)' };
      }
      if (fault.kind === 'delay') delayMs += fault.delayMs;
    }
    return { action: 'pass', delayMs };
  }

  /** Called after every add and remove; the endpoint uses it to cut sessions when a link goes down. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

function appliesTo(fault: ActiveFault, peerSystemId: string | undefined): boolean {
  return fault.peerSystemId === undefined || fault.peerSystemId === peerSystemId;
}

function validateFault(fault: PeerFault): void {
  if (fault.kind === 'delay') {
    if (!Number.isInteger(fault.delayMs) || fault.delayMs < 0 || fault.delayMs > FAULT_DELAY_MS_MAX) {
      const message = `delayMs must be an integer in 0..${FAULT_DELAY_MS_MAX}, got ${fault.delayMs}.`;
      throw new ValidationError(message, 'delayMs');
    }
  } else if (fault.kind === 'drop') {
    if (!(fault.fraction >= 0 && fault.fraction <= 1)) {
      throw new ValidationError(`fraction must be in 0..1, got ${fault.fraction}.`, 'fraction');
    }
  } else if (fault.kind !== 'link_down') {
    throw new ValidationError(`Unknown fault kind ${JSON.stringify((fault as { kind: unknown }).kind)}.`, 'kind');
  }
}

/** Waits for a delay fault. A real timer on purpose: this is injected latency, not a schedule. */
export function faultDelay(delayMs: number): Promise<void> {
  if (delayMs <= 0) return Promise.resolve();
  return new Promise((resolve) => setTimeout(resolve, delayMs));
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1), for reproducible drop faults in tests. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

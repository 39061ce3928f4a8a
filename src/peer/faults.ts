// The fault point of the peer link (DESIGN §5.5, §8). Every outgoing call and every incoming stream
// asks this controller first, so the lab can cut, delay or drop the link without touching the
// code that uses it. A fault with `peerSystemId` affects only the link to that peer; without it,
// every link of this endpoint. Faults on one endpoint act in both directions of its links, but
// for `bandwidth`, which caps what this endpoint sends (call payloads: replication data and
// mirrored writes), like the uplink of a slow WAN; cap the other way on the other system.
import { systemClock, type Clock } from '../core/clock.ts';
import { ValidationError } from '../core/errors.ts';
import type { ActiveFault, PeerFault } from '../core/faults.ts';
import { FAULT_BANDWIDTH_MIBPS_MAX, FAULT_BANDWIDTH_MIBPS_MIN, FAULT_DELAY_MS_MAX, FAULTS_MAX } from './limits.ts';

export type { ActiveFault, PeerFault } from '../core/faults.ts';

/** What the fault point decides for one call or stream. */
export type FaultVerdict = { action: 'refuse'; reason: string } | { action: 'pass'; delayMs: number };

export interface FaultControllerOptions {
  /** Uniform in [0, 1); inject `seededRandom(seed)` in tests so drops are reproducible. */
  random?: () => number;
  /**
   * Milliseconds of a monotonic clock for bandwidth caps. Real time by default, like delay
   * faults: this is injected latency, not a schedule; tests inject their own.
   */
  nowMs?: () => number;
  /**
   * The clock a delay fault waits on: real time by default (the wire's latency is real, and a
   * test's manual clock does not move while a call waits); the deterministic simulation has its
   * own network and does not use it.
   */
  wallClock?: Clock;
}

const MIB = 1024 * 1024;

export class FaultController {
  private readonly faults = new Map<string, ActiveFault>();
  private readonly listeners = new Set<() => void>();
  private readonly random: () => number;
  private readonly nowMs: () => number;
  private readonly wallClock: Clock;
  /** Per bandwidth fault: when the bytes already let through will have left at the capped rate. */
  private readonly sendFreeAtMs = new Map<string, number>();
  private nextId = 1;

  constructor(options: FaultControllerOptions = {}) {
    this.random = options.random ?? Math.random;
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.wallClock = options.wallClock ?? systemClock;
  }

  /** Waits out a delay fault's latency (decide()'s delayMs) on the wall clock. */
  delay(delayMs: number): Promise<void> {
    if (delayMs <= 0) return Promise.resolve();
    return new Promise((resolve) => this.wallClock.setTimer(delayMs, resolve));
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
    this.sendFreeAtMs.delete(id);
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

  /**
   * Decides one call or stream: refused (link down, dropped) or passed with the total delay.
   * `sentBytes` is the payload this endpoint is about to send (0 for what it receives): under a
   * bandwidth cap it waits until the bytes sent before it have left at the capped rate.
   */
  decide(peerSystemId: string | undefined, sentBytes = 0): FaultVerdict {
    if (this.isLinkDown(peerSystemId)) return { action: 'refuse', reason: 'link down (fault injected)' };
    let delayMs = 0;
    for (const fault of this.faults.values()) {
      if (!appliesTo(fault, peerSystemId)) continue;
      if (fault.kind === 'drop' && this.random() < fault.fraction) {
        return { action: 'refuse', reason: 'message dropped (fault injected)' };
      }
      if (fault.kind === 'delay') delayMs += fault.delayMs;
      if (fault.kind === 'bandwidth' && sentBytes > 0) delayMs += this.throttle(fault.id, fault.mibps, sentBytes);
    }
    return { action: 'pass', delayMs };
  }

  /** A token bucket of no depth: the payload leaves once the ones before it have, at `mibps`. */
  private throttle(faultId: string, mibps: number, sentBytes: number): number {
    const nowMs = this.nowMs();
    const startMs = Math.max(nowMs, this.sendFreeAtMs.get(faultId) ?? nowMs);
    this.sendFreeAtMs.set(faultId, startMs + (sentBytes / (mibps * MIB)) * 1000);
    return Math.round(startMs - nowMs);
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
  } else if (fault.kind === 'bandwidth') {
    if (!(fault.mibps >= FAULT_BANDWIDTH_MIBPS_MIN && fault.mibps <= FAULT_BANDWIDTH_MIBPS_MAX)) {
      throw new ValidationError(`mibps must be in ${FAULT_BANDWIDTH_MIBPS_MIN}..${FAULT_BANDWIDTH_MIBPS_MAX}, got ${fault.mibps}.`, 'mibps');
    }
  } else if (fault.kind !== 'link_down') {
    throw new ValidationError(`Unknown fault kind ${JSON.stringify((fault as { kind: unknown }).kind)}.`, 'kind');
  }
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

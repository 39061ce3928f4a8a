// The seeded generator (mulberry32) behind every test that draws at random: the simulation (every
// choice of workload, delays, drops, crashes and ids) and the conformance fuzz test. One seed is
// one run, exactly, and a failure is replayed from its printed seed.
import type { IdSource } from '../../src/core/context.ts';

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** mulberry32: uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from nothing');
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** A child generator: a part of the simulation draws from its own stream, so adding draws in one part does not shift another's. */
  fork(): Rng {
    return new Rng(Math.floor(this.next() * 2 ** 32));
  }

  hex(bytes: number): string {
    let out = '';
    for (let i = 0; i < bytes; i++) out += Math.floor(this.next() * 256).toString(16).padStart(2, '0');
    return out;
  }
}

/** Ids (UUIDs, WWNs) drawn from the seed instead of crypto. */
export function seededIds(rng: Rng): IdSource {
  return {
    uuid: () => {
      const h = rng.hex(16);
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
    },
    hex: (bytes) => rng.hex(bytes),
  };
}

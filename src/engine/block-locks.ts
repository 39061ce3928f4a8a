// Serializes read-modify-write of partial blocks: two unaligned writes into the same 4 KiB block
// must not both read the old block and each write back only their own bytes (a lost update).
// Each key holds the promise of the last holder; a new holder waits for all its keys' predecessors.
// All keys of one holder are registered in one synchronous step, so there is no lock-order deadlock.

export class BlockLocks {
  private readonly tails = new Map<string, Promise<void>>();

  async withLocks<T>(keys: string[], body: () => Promise<T>): Promise<T> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const predecessors: Promise<void>[] = [];
    for (const key of keys) {
      const previous = this.tails.get(key);
      if (previous !== undefined) predecessors.push(previous);
      this.tails.set(key, held);
    }
    try {
      await Promise.all(predecessors);
      return await body();
    } finally {
      for (const key of keys) if (this.tails.get(key) === held) this.tails.delete(key);
      release();
    }
  }

  get heldKeys(): number {
    return this.tails.size;
  }
}

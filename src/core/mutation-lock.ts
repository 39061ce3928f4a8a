// Management mutations on one system run one at a time. A mutation validates, performs engine
// work (async) and commits metadata; serializing them means two concurrent requests can never
// both pass a uniqueness or state check before either commits. Reads are never blocked.

export class MutationLock {
  private tail: Promise<unknown> = Promise.resolve();
  private depth = 0;

  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const next = this.tail.then(
      () => this.enter(fn),
      () => this.enter(fn),
    );
    this.tail = next.catch(() => undefined);
    return next;
  }

  /** True while a mutation runs: used by assertions that require the lock to be held. */
  isHeld(): boolean {
    return this.depth > 0;
  }

  private async enter<T>(fn: () => Promise<T> | T): Promise<T> {
    this.depth += 1;
    try {
      return await fn();
    } finally {
      this.depth -= 1;
    }
  }
}

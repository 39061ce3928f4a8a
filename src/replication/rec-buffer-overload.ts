// When a REC buffer's high-load state has lasted long enough to halt its sessions. Pure: the
// caller samples the backlog and passes the time, so the rule is tested without timers.

export class OverloadTracker {
  /** Per buffer: when the current unbroken high-load state began. */
  private readonly sinceMs = new Map<string, number>();

  /**
   * Records one sample of a buffer and answers whether its sessions must halt now. The buffer is
   * in high load when the backlog fills it (ETERNUS SF Express: a Rate of 100% is high load); a
   * sample below the size ends the state, so the monitoring time starts again at the next one.
   * A monitoring time of 0 means no monitoring (ETERNUS Web GUI A.7): it never halts.
   */
  update(buffer: string, backlogBytes: number, sizeBytes: number, monitoringMs: number, nowMs: number): boolean {
    if (monitoringMs <= 0 || backlogBytes < sizeBytes) {
      this.sinceMs.delete(buffer);
      return false;
    }
    const since = this.sinceMs.get(buffer) ?? nowMs;
    this.sinceMs.set(buffer, since);
    return nowMs - since >= monitoringMs;
  }

  /** When the buffer's high-load state began, or null when it is not in one. */
  overloadedSinceMs(buffer: string): number | null {
    return this.sinceMs.get(buffer) ?? null;
  }

  forget(buffer: string): void {
    this.sinceMs.delete(buffer);
  }

  /** Buffers in a high-load state now. */
  buffers(): string[] {
    return [...this.sinceMs.keys()];
  }

  clear(): void {
    this.sinceMs.clear();
  }
}

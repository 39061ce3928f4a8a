// Keeps the event loop turning (setImmediate, so epoll is polled with a zero timeout) while at least
// one holder waits on the latency lane, and for a short linger after the last one. Measured on the
// 2-vCPU VMs this runs on, whose guest kernel does not poll before halting a vCPU
// (haltpoll guest_halt_poll_ns=0): a Node process that sleeps in epoll_wait for a loopback reply
// wakes ~65 µs later than one that polls (TCP 4 KiB ping-pong p50 97 µs sleeping vs 30 µs polling).
// A synchronous write waits on the peer once per host write, so that wake-up alone would be twice
// the write itself. Polling costs a core only while lane calls are outstanding or just finished.

/**
 * How long the loop keeps polling after the last lane call ended: a host writing at QD1 sends its
 * next write a few tens of µs after the last reply, and finds the loop still awake. The same
 * window the kernel's haltpoll governor uses by default (200 µs) when the hypervisor lets it.
 */
export const LANE_POLL_LINGER_MS = 0.2;

export class BusyPoll {
  private holders = 0;
  private spinning = false;
  private lingerUntilMs = 0;

  hold(): void {
    this.holders += 1;
    if (!this.spinning) {
      this.spinning = true;
      setImmediate(this.spin);
    }
  }

  release(): void {
    if (this.holders > 0) this.holders -= 1;
    if (this.holders === 0) this.lingerUntilMs = performance.now() + LANE_POLL_LINGER_MS;
  }

  private readonly spin = (): void => {
    if (this.holders > 0 || performance.now() < this.lingerUntilMs) setImmediate(this.spin);
    else this.spinning = false;
  };
}

// Keeps the event loop turning (setImmediate, so epoll is polled with a zero timeout) while at least
// one holder waits on the latency lane. Measured on the 2-vCPU VMs this runs on, whose guest kernel
// does not poll before halting a vCPU (haltpoll guest_halt_poll_ns=0): a Node process that sleeps in
// epoll_wait for a loopback reply wakes ~65 µs later than one that polls (TCP 4 KiB ping-pong p50
// 97 µs sleeping vs 30 µs polling). A synchronous write waits on the peer once per host write, so
// that wake-up alone would be twice the write itself. Polling stops as soon as nothing is
// outstanding: a linger after the last call was tried, and on two vCPUs it starved the host's own
// client (fio) of a CPU to wake on, which cost more than it saved.
export class BusyPoll {
  private holders = 0;
  private spinning = false;

  hold(): void {
    this.holders += 1;
    if (!this.spinning) {
      this.spinning = true;
      setImmediate(this.spin);
    }
  }

  release(): void {
    if (this.holders > 0) this.holders -= 1;
  }

  private readonly spin = (): void => {
    if (this.holders > 0) setImmediate(this.spin);
    else this.spinning = false;
  };
}

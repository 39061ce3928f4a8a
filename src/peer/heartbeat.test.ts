// Goal: heartbeats move each peer through Initializing, OK and Complete_Data_Connection_Loss as
// pings succeed and fail, at once on a link failure, and only for monitored peers. Method: real
// endpoints on 127.0.0.1 and a ManualClock; after each advanceMs the test awaits idle() for the
// real network round trip instead of sleeping.
import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { HeartbeatMonitor, type DataConnectionState } from './heartbeat.ts';
import { HEARTBEAT_INTERVAL_MS, HEARTBEAT_PING_TIMEOUT_MS } from './limits.ts';
import { trustEachOther, usePair } from './testing/pair.ts';

describe('heartbeat', () => {
  let monitor: HeartbeatMonitor;
  let changes: [string, DataConnectionState][];

  // Registered before the pair's hooks, so the monitor stops before the systems close.
  afterEach(() => monitor.stop());
  const pair = usePair();

  beforeEach(() => {
    monitor = new HeartbeatMonitor({ endpoint: pair.a.endpoint, trust: pair.a.trust, clock: pair.clock, failuresMax: 2 });
    changes = [];
    monitor.onStateChange((peerSystemId, state) => changes.push([peerSystemId, state]));
    monitor.start();
  });

  async function interval(): Promise<void> {
    pair.clock.advanceMs(HEARTBEAT_INTERVAL_MS);
    await monitor.idle();
  }

  it('is Initializing until the first ping, then OK', async () => {
    assert.equal(monitor.connectionState('sys-b'), 'Initializing');
    pair.clock.advanceMs(HEARTBEAT_INTERVAL_MS - 1);
    await monitor.idle();
    assert.equal(monitor.connectionState('sys-b'), 'Initializing');
    pair.clock.advanceMs(1);
    await monitor.idle();
    assert.equal(monitor.connectionState('sys-b'), 'OK');
    assert.deepEqual(changes, [['sys-b', 'OK']]);
  });

  it('declares loss after two consecutive failed pings and OK again after one success', async () => {
    await interval();
    const { id } = pair.b.endpoint.faults.add({ kind: 'drop', fraction: 1 });
    await interval();
    assert.equal(monitor.connectionState('sys-b'), 'OK', 'one failed ping is not yet a loss');
    await interval();
    assert.equal(monitor.connectionState('sys-b'), 'Complete_Data_Connection_Loss');
    pair.b.endpoint.faults.remove(id);
    await interval();
    assert.equal(monitor.connectionState('sys-b'), 'OK');
    assert.deepEqual(changes, [['sys-b', 'OK'], ['sys-b', 'Complete_Data_Connection_Loss'], ['sys-b', 'OK']]);
  });

  it('declares loss at once when a call fails because the link failed', async () => {
    await interval();
    pair.a.endpoint.faults.add({ kind: 'link_down', peerSystemId: 'sys-b' });
    await assert.rejects(pair.a.endpoint.peer('sys-b').call('peer.ping', {}));
    assert.equal(monitor.connectionState('sys-b'), 'Complete_Data_Connection_Loss');
  });

  it('counts a ping that gets no answer within its timeout as failed', async () => {
    await interval();
    pair.b.endpoint.faults.add({ kind: 'delay', delayMs: 200 }); // real latency, far beyond the manual clock
    pair.clock.advanceMs(HEARTBEAT_INTERVAL_MS); // a round starts
    pair.clock.advanceMs(HEARTBEAT_PING_TIMEOUT_MS); // its ping times out before the answer comes
    await monitor.idle();
    assert.equal(monitor.connectionState('sys-b'), 'OK', 'one timed-out ping is not yet a loss');
    pair.clock.advanceMs(HEARTBEAT_INTERVAL_MS - HEARTBEAT_PING_TIMEOUT_MS);
    pair.clock.advanceMs(HEARTBEAT_PING_TIMEOUT_MS);
    await monitor.idle();
    assert.equal(monitor.connectionState('sys-b'), 'Complete_Data_Connection_Loss');
  });

  it('declares loss when the peer is gone, and pingNow recovers once it is back', async () => {
    await monitor.pingNow('sys-b');
    assert.equal(monitor.connectionState('sys-b'), 'OK');
    await pair.b.endpoint.close();
    await monitor.pingNow('sys-b');
    assert.equal(monitor.connectionState('sys-b'), 'Complete_Data_Connection_Loss');
    const restarted = await pair.start('sys-b', { port: pair.b.port });
    trustEachOther(pair.a, restarted);
    await monitor.pingNow('sys-b');
    assert.equal(monitor.connectionState('sys-b'), 'OK');
  });

  it('watches only the peers marked as remote systems, and stop() cancels its timer', async () => {
    monitor.stop();
    const only = new HeartbeatMonitor({ endpoint: pair.a.endpoint, trust: pair.a.trust, clock: pair.clock, isRemoteSystem: () => false });
    only.start();
    pair.clock.advanceMs(HEARTBEAT_INTERVAL_MS);
    await only.idle();
    assert.equal(only.connectionState('sys-b'), undefined);
    only.stop();
    assert.equal(pair.clock.pendingTimers(), 0);
  });
});

// Two systems in one process, paired through the PowerStore API as Ansible does it:
// x509_certificate/exchange, then remote_system on one side (created on both).
import assert from 'node:assert/strict';
import { ManualClock, type Clock } from '../../src/core/clock.ts';
import { ADMIN_PASSWORD, startTestSystem, type TestSystem } from './system.ts';

export interface Pair {
  a: TestSystem;
  b: TestSystem;
  clockA: ManualClock;
  clockB: ManualClock;
  /** What site-a's delay faults wait on, if not real time (startPair's option; a restart keeps it). */
  peerFaultClockA?: Clock;
  /** A's remote_system id for B, and B's for A. */
  rsOnA: string;
  rsOnB: string;
  close(): Promise<void>;
}

/** `peerFaultClockA`: what site-a's delay faults wait on (real time by default; SystemConfig.peerFaultClock). */
export async function startPair(options: { peerFaultClockA?: Clock } = {}): Promise<Pair> {
  const clockA = new ManualClock();
  const clockB = new ManualClock();
  const a = await startTestSystem({ name: 'site-a', clock: clockA, peerFaultClock: options.peerFaultClockA });
  const b = await startTestSystem({ name: 'site-b', clock: clockB });
  const exchange = await a.ps('POST', '/x509_certificate/exchange', { service: 'Replication_HTTP', address: '127.0.0.1', port: b.system.ports.https, username: 'admin', password: ADMIN_PASSWORD });
  assert.equal(exchange.status, 204, JSON.stringify(exchange.body));
  const rs = await a.ps('POST', '/remote_system', { management_address: '127.0.0.1', management_port: b.system.ports.https, type: 'PowerStore', data_network_latency: 'Low' });
  assert.equal(rs.status, 201, JSON.stringify(rs.body));
  const onB = await b.ps('GET', '/remote_system?select=id,name');
  assert.equal(onB.body.length, 1);
  await heartbeats({ a, b } as Pair);
  const pair: Pair = {
    a,
    b,
    clockA,
    clockB,
    peerFaultClockA: options.peerFaultClockA,
    rsOnA: rs.body.id,
    rsOnB: onB.body[0].id,
    // The systems the pair has now (restart() replaces one).
    close: async () => {
      await pair.a.close();
      await pair.b.close();
    },
  };
  return pair;
}

/**
 * Stops one system of the pair and starts it again from its data directory, on the same ports
 * (its peer finds it again) and with the same clock, as after a crash of the process: what was
 * not in its records is gone. The link comes back with the next heartbeats.
 */
export async function restart(pair: Pair, side: 'a' | 'b'): Promise<TestSystem> {
  const old = pair[side];
  await old.system.close();
  const again = await startTestSystem({ name: side === 'a' ? 'site-a' : 'site-b', clock: side === 'a' ? pair.clockA : pair.clockB, peerFaultClock: side === 'a' ? pair.peerFaultClockA : undefined, dataDir: old.dataDir, ports: old.system.ports });
  pair[side] = again;
  return again;
}

/** One heartbeat round on both sides (pings go over the real link). */
export async function heartbeats(pair: Pick<Pair, 'a' | 'b'>): Promise<void> {
  await pair.a.system.services.heartbeat.tick();
  await pair.b.system.services.heartbeat.tick();
}

/** Waits for background work a test started (jobs, queued cycles) without sleeping on time. */
export async function settle(pair: Pick<Pair, 'a' | 'b'>): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await pair.a.system.services.jobs.drain();
    await pair.b.system.services.jobs.drain();
    await new Promise((r) => setImmediate(r));
    await pair.a.system.services.replication.idle();
    await pair.b.system.services.replication.idle();
  }
}

/** Creates a volume through ETERNUS `POST /api/v1/volume` and waits for its job. */
export async function makeEternusVolume(t: TestSystem, name: string, mb: number): Promise<{ id: string; number: number }> {
  const r = await t.et('POST', '/volume', { name, capacity: mb, tpp_id: 0 });
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await t.system.services.jobs.drain();
  const v = t.system.services.ctx.meta.listShared('volume').find((x) => x.name === name)!;
  return { id: v.id, number: v.number };
}

/** Waits for the job an ETERNUS 202 answer names, and returns it. */
export async function eternusJob(pair: Pick<Pair, 'a' | 'b'>, t: TestSystem, r: { status: number; body: any }): Promise<any> {
  assert.equal(r.status, 202, JSON.stringify(r.body));
  await settle(pair);
  const job = await t.et('GET', `/job/${r.body.job_id}`);
  assert.equal(job.status, 200);
  return job.body;
}

/** Advances both systems' clocks, then waits for what that started. */
export async function tickBoth(pair: Pair, ms = 1000): Promise<void> {
  pair.clockA.advanceMs(ms);
  pair.clockB.advanceMs(ms);
  await settle(pair);
}

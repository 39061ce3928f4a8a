// Goal: REC buffer overload detection driven by the injected clock, never by sleeping. A buffer
// (one per remote system) is in high load while the backlog of its in-step Consistency sources
// fills it; it halts them when that lasts the monitoring time, a sample below the size starts the
// time again, 0 minutes means no monitoring, and what the array copies from its bitmap (initial
// copy, the differences after a resume or a halt) is not buffer traffic.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../core/clock.ts';
import { newSession, type ReplicationSession } from '../core/replication/model.ts';
import { REC_BUFFER_MB_BYTES, type RecBufferSetting } from '../core/replication/rec-buffer.ts';
import { REC_BUFFER_SAMPLE_MS } from './limits.ts';
import { RecBufferMonitor } from './rec-buffer-monitor.ts';

const MB = REC_BUFFER_MB_BYTES;

function session(id: string, changes: Partial<ReplicationSession> = {}): ReplicationSession {
  return {
    ...newSession({
      id,
      role: 'Source',
      resourceType: 'volume',
      localResourceId: `vol-${id}`,
      remoteResourceId: `remote-${id}`,
      remoteSystemId: 'rs-b',
      peerSystemId: 'peer-b',
      replicationRuleId: null,
      transferMode: 'Consistency',
      splitMode: 'Manual',
      recoveryMode: 'Automatic',
      number: 1,
      remoteNumber: 1,
      remoteVolume: null,
      rpoSeconds: 0,
      elementPairs: [],
      createdAtMs: 0,
    }),
    state: 'OK',
    baseCycle: 5,
    ...changes,
  };
}

function rig(setting: RecBufferSetting, sessions: ReplicationSession[]) {
  const clock = new ManualClock();
  const backlog = new Map<string, number>();
  const halted: { id: string; sinceMs: number; atMs: number }[] = [];
  const suspending = new Set<string>();
  const host = {
    clock,
    setting: () => setting,
    sessions: () => sessions,
    backlogBytes: (s: ReplicationSession) => backlog.get(s.id) ?? 0,
    isSuspending: (id: string) => suspending.has(id),
    halt: (id: string, sinceMs: number) => void halted.push({ id, sinceMs, atMs: clock.nowMs() }),
    log: () => undefined,
  };
  const monitor = new RecBufferMonitor(host);
  monitor.start();
  const startMs = clock.nowMs();
  /** Advances the clock to `seconds` after the start, one sample per second. */
  const at = (seconds: number) => clock.advanceMs(startMs + seconds * 1000 - clock.nowMs());
    /** The halts asked for so far (a call, so that an assertion on it narrows nothing). */
  const halts = () => [...halted];
  return { clock, backlog, halts, suspending, monitor, at, startMs, setting };
}

test('crossing the size starts the monitoring time; the sessions halt when it has passed, not a sample earlier', () => {
  const r = rig({ sizeMb: 4, monitoringTimeMinutes: 1 }, [session('s1')]);
  r.backlog.set('s1', 4 * MB - 1);
  r.at(10);
  assert.equal(r.monitor.overloadedSinceMs('peer-b'), null, 'below the size: no high load');
  r.backlog.set('s1', 4 * MB); // full (a Rate of 100%) is high load
  r.at(11);
  assert.equal(r.monitor.overloadedSinceMs('peer-b'), r.startMs + 11_000);
  r.backlog.set('s1', 9 * MB);
  r.at(70);
  assert.deepEqual(r.halts(), [], 'one second short of the monitoring time');
  r.at(71);
  assert.deepEqual(r.halts(), [{ id: 's1', sinceMs: r.startMs + 11_000, atMs: r.startMs + 71_000 }]);
  assert.equal(r.monitor.overloadedSinceMs('peer-b'), null, 'the halt ends the high-load state');
});

test('one sample below the size resets the monitoring time', () => {
  const r = rig({ sizeMb: 1, monitoringTimeMinutes: 2 }, [session('s1')]);
  r.backlog.set('s1', 2 * MB);
  r.at(1);
  r.at(100);
  r.backlog.set('s1', MB / 2); // the link caught up for a moment
  r.at(101);
  assert.equal(r.monitor.overloadedSinceMs('peer-b'), null);
  r.backlog.set('s1', 2 * MB);
  r.at(121); // two minutes after the first crossing, but only twenty seconds after the second
  assert.deepEqual(r.halts(), []);
  r.at(221);
  assert.deepEqual(r.halts(), [], 'one second short of two minutes since the second crossing');
  r.at(222);
  assert.deepEqual(r.halts().map((h) => [h.id, h.sinceMs]), [['s1', r.startMs + 102_000]]);
});

test('monitoring time 0 turns monitoring off: a full buffer never halts and no timer runs', () => {
  const r = rig({ sizeMb: 1, monitoringTimeMinutes: 0 }, [session('s1')]);
  r.backlog.set('s1', 1000 * MB);
  assert.equal(r.clock.pendingTimers(), 0, 'no sampling while monitoring is off');
  r.at(16 * 60);
  r.monitor.sample(); // even a sample forced by hand does not halt
  assert.deepEqual(r.halts(), []);
});

test('turning monitoring on starts sampling; turning it off stops it and forgets the high-load state', () => {
  const r = rig({ sizeMb: 1, monitoringTimeMinutes: 0 }, [session('s1')]);
  r.backlog.set('s1', 2 * MB);
  r.setting.monitoringTimeMinutes = 1;
  r.monitor.reconfigure();
  assert.equal(r.clock.pendingTimers(), 1);
  r.at(30);
  assert.equal(r.monitor.overloadedSinceMs('peer-b'), r.startMs + REC_BUFFER_SAMPLE_MS);
  r.setting.monitoringTimeMinutes = 0;
  r.monitor.reconfigure();
  assert.equal(r.monitor.overloadedSinceMs('peer-b'), null);
  r.at(300);
  assert.equal(r.clock.pendingTimers(), 0);
  assert.deepEqual(r.halts(), []);
});

test('sessions to one remote system share its buffer and halt together; another remote system is not affected', () => {
  const toC = session('s3', { peerSystemId: 'peer-c' });
  const r = rig({ sizeMb: 4, monitoringTimeMinutes: 1 }, [session('s1'), session('s2'), toC]);
  r.backlog.set('s1', 2 * MB);
  r.backlog.set('s2', 2 * MB); // 4 MB together: full
  r.backlog.set('s3', 3 * MB); // its own buffer: not full
  r.at(1);
  r.at(61);
  assert.deepEqual(r.halts().map((h) => h.id).sort(), ['s1', 's2']);
});

test('only in-step Consistency sources count: not Stack, PowerStore RPO, destinations, the initial copy, a suspend in progress', () => {
  const sessions = [
    session('stack', { transferMode: 'Stack' }),
    session('rpo', { transferMode: 'Asynchronous' }),
    session('dest', { role: 'Destination' }),
    session('initial', { state: 'Initializing', baseCycle: 0 }),
    session('halted', { state: 'System_Paused', errorCode: 'PEER_UNREACHABLE' }),
    session('suspending'),
  ];
  const r = rig({ sizeMb: 1, monitoringTimeMinutes: 1 }, sessions);
  for (const s of sessions) r.backlog.set(s.id, 100 * MB);
  r.suspending.add('suspending');
  r.at(10 * 60);
  assert.deepEqual(r.halts(), []);
  assert.equal(r.monitor.overloadedSinceMs('peer-b'), null);
});

test('the differences sent after a stop are not buffer traffic: watching starts again with the next committed cycle', () => {
  const s1 = session('s1', { state: 'Suspended', baseCycle: 7 });
  const sessions = [s1];
  const r = rig({ sizeMb: 1, monitoringTimeMinutes: 1 }, sessions);
  r.monitor.observe(s1); // the service reports every record it writes
  r.backlog.set('s1', 50 * MB); // tracked while suspended
  // Resumed: in step again as far as the state goes, but still copying the differences.
  sessions[0] = { ...s1, state: 'OK' };
  r.monitor.observe(sessions[0]);
  r.at(5 * 60);
  assert.deepEqual(r.halts(), [], 'the resync is not counted, however long it takes');
  // The resync committed: from now on new writes are what the buffer carries.
  sessions[0] = { ...s1, state: 'OK', baseCycle: 8 };
  r.monitor.observe(sessions[0]);
  r.at(5 * 60 + 1);
  r.at(6 * 60 + 1);
  assert.deepEqual(r.halts().map((h) => h.id), ['s1']);
});

test('a sample that throws is logged and sampling goes on', () => {
  const r = rig({ sizeMb: 1, monitoringTimeMinutes: 1 }, [session('s1')]);
  let fail = true;
  const original = r.backlog.get.bind(r.backlog);
  r.backlog.get = (id: string) => {
    if (fail) throw new Error('volume gone');
    return original(id);
  };
  r.backlog.set('s1', 2 * MB);
  r.at(1);
  assert.equal(r.clock.pendingTimers(), 1, 're-armed after the failure');
  fail = false;
  r.at(2);
  r.at(62);
  assert.deepEqual(r.halts().map((h) => h.id), ['s1']);
});

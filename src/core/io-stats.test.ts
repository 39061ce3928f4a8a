// Goal: IoStats turns cumulative host I/O counters (the NBD server's) into one sample per closed
// interval on the injected clock, keeps a bounded history, and forgets volumes idle for the whole
// history and volumes whose counters are gone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IO_SAMPLE_INTERVAL_MS, IO_SAMPLES_KEPT } from '../limits.ts';
import { ManualClock } from './clock.ts';
import { IoStats, type IoCounters } from './io-stats.ts';

class Counters {
  readonly byVolume = new Map<string, IoCounters>();
  add(id: string, kind: 'read' | 'write', bytes: number, latencyUs: number): void {
    const c = this.byVolume.get(id) ?? { readOps: 0, writeOps: 0, readBytes: 0, writeBytes: 0, readLatencyUs: 0, writeLatencyUs: 0 };
    if (kind === 'read') Object.assign(c, { readOps: c.readOps + 1, readBytes: c.readBytes + bytes, readLatencyUs: c.readLatencyUs + latencyUs });
    else Object.assign(c, { writeOps: c.writeOps + 1, writeBytes: c.writeBytes + bytes, writeLatencyUs: c.writeLatencyUs + latencyUs });
    this.byVolume.set(id, c);
  }
}

test('reads and writes since the last close become one sample per interval, with their latency', () => {
  const clock = new ManualClock();
  const counters = new Counters();
  const stats = new IoStats(clock, () => counters.byVolume);
  stats.start();
  counters.add('v1', 'write', 4096, 50);
  counters.add('v1', 'write', 8192, 50);
  counters.add('v1', 'read', 4096, 50);
  counters.add('v2', 'read', 512, 50);
  assert.deepEqual(stats.samples('v1'), [], 'nothing before the interval closes');
  clock.advanceMs(IO_SAMPLE_INTERVAL_MS);
  const [s] = stats.samples('v1');
  assert.deepEqual({ ...s }, { readOps: 1, writeOps: 2, readBytes: 4096, writeBytes: 12288, readLatencyUs: 50, writeLatencyUs: 100, endMs: clock.nowMs(), durationMs: IO_SAMPLE_INTERVAL_MS });
  assert.equal(stats.totals()[0]!.readOps, 2, 'totals sum the volumes');
  counters.add('v1', 'read', 4096, 70);
  clock.advanceMs(IO_SAMPLE_INTERVAL_MS);
  assert.deepEqual({ ...stats.samples('v1')[1]!, endMs: 0 }, { readOps: 1, writeOps: 0, readBytes: 4096, writeBytes: 0, readLatencyUs: 70, writeLatencyUs: 0, endMs: 0, durationMs: IO_SAMPLE_INTERVAL_MS }, 'the second sample holds only what came after the first');
  clock.advanceMs(IO_SAMPLE_INTERVAL_MS);
  assert.equal(stats.samples('v1').length, 3, 'an idle interval is a sample of zeros');
  assert.equal(stats.samples('v1')[2]!.readOps, 0);
  stats.stop();
});

test('history is bounded, and a volume idle for the whole history is forgotten', () => {
  const clock = new ManualClock();
  const counters = new Counters();
  const stats = new IoStats(clock, () => counters.byVolume);
  stats.start();
  counters.add('v1', 'write', 4096, 0);
  clock.advanceMs(IO_SAMPLE_INTERVAL_MS * (IO_SAMPLES_KEPT - 1));
  assert.equal(stats.samples('v1').length, IO_SAMPLES_KEPT - 1);
  assert.equal(stats.samples('v1')[0]!.writeOps, 1);
  clock.advanceMs(IO_SAMPLE_INTERVAL_MS);
  assert.equal(stats.samples('v1').length, IO_SAMPLES_KEPT, 'at most IO_SAMPLES_KEPT');
  clock.advanceMs(IO_SAMPLE_INTERVAL_MS);
  assert.deepEqual(stats.samples('v1'), [], 'the write fell out of the history: forgotten');
  assert.deepEqual(stats.totals(), []);
  stats.stop();
});

// Goal: IoStats turns counted host I/O into one sample per closed interval on the injected clock,
// keeps a bounded history, and forgets volumes idle for the whole history; CountingIo counts what
// passes through it, with the latency its microsecond clock measured.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IO_SAMPLE_INTERVAL_MS, IO_SAMPLES_KEPT } from '../limits.ts';
import { ManualClock } from './clock.ts';
import { CountingIo, IoStats } from './io-stats.ts';
import type { VolumeIo } from './ports.ts';

const fakeIo: VolumeIo = {
  sizeBytes: () => 1 << 20,
  read: async (_id, _o, length) => Buffer.alloc(length),
  write: async () => undefined,
  trim: async () => undefined,
  flush: async () => undefined,
  blockStatus: () => [],
};

test('reads and writes are counted per volume with their latency, one sample per interval', async () => {
  const clock = new ManualClock();
  const stats = new IoStats(clock);
  let us = 0;
  const io = new CountingIo(fakeIo, stats, () => (us += 50)); // each request measures 50 µs
  stats.start();
  await io.write('v1', 0, Buffer.alloc(4096));
  await io.write('v1', 4096, Buffer.alloc(8192));
  await io.read('v1', 0, 4096);
  await io.read('v2', 0, 512);
  assert.deepEqual(stats.samples('v1'), [], 'nothing before the interval closes');
  clock.advanceMs(IO_SAMPLE_INTERVAL_MS);
  const [s] = stats.samples('v1');
  assert.deepEqual({ ...s }, { readOps: 1, writeOps: 2, readBytes: 4096, writeBytes: 12288, readLatencyUs: 50, writeLatencyUs: 100, endMs: clock.nowMs(), durationMs: IO_SAMPLE_INTERVAL_MS });
  assert.equal(stats.totals()[0]!.readOps, 2, 'totals sum the volumes');
  clock.advanceMs(IO_SAMPLE_INTERVAL_MS);
  assert.equal(stats.samples('v1').length, 2, 'an idle interval is a sample of zeros');
  assert.equal(stats.samples('v1')[1]!.writeOps, 0);
  stats.stop();
});

test('history is bounded, and a volume idle for the whole history is forgotten', async () => {
  const clock = new ManualClock();
  const stats = new IoStats(clock);
  const io = new CountingIo(fakeIo, stats, () => 0);
  stats.start();
  await io.write('v1', 0, Buffer.alloc(4096));
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

// Goal: the console's own logic reads right: state → tone and words, lag, size, rate and time
// formatting, sizes typed by a person, and server-sent events split across chunks.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatRate, formatRelative, formatRpo, formatSeconds, liveLag, parseSize, sizeText, stateLabel, stateTone } from './format.ts';
import { SseParser } from './sse.ts';

test('states read green in step, amber moving, red halted or failed, grey idle', () => {
  assert.equal(stateTone('OK'), 'ok');
  assert.equal(stateTone('Equivalent'), 'ok');
  assert.equal(stateTone('Initializing'), 'busy');
  assert.equal(stateTone('Synchronizing'), 'busy');
  assert.equal(stateTone('Copying'), 'busy');
  assert.equal(stateTone('System_Paused'), 'bad');
  assert.equal(stateTone('Error'), 'bad');
  assert.equal(stateTone('Halt'), 'bad');
  assert.equal(stateTone('lost'), 'bad');
  assert.equal(stateTone('Paused'), 'idle');
  assert.equal(stateTone('Failed_Over'), 'idle');
  assert.equal(stateTone('Something_New'), 'idle');
  assert.equal(stateTone(null), 'idle');
  assert.equal(stateLabel('System_Paused'), 'System Paused');
  assert.equal(stateLabel('Failing_Over_For_DR'), 'Failing Over For DR');
  assert.equal(stateLabel(null), '—');
});

test('lag and time left are written in seconds, minutes, hours and days', () => {
  assert.equal(formatSeconds(0), '0s');
  assert.equal(formatSeconds(4.9), '4s');
  assert.equal(formatSeconds(59), '59s');
  assert.equal(formatSeconds(60), '1m00s');
  assert.equal(formatSeconds(185), '3m05s');
  assert.equal(formatSeconds(3600 * 2 + 7 * 60 + 30), '2h07m');
  assert.equal(formatSeconds(86_400 * 3 + 3600 * 4), '3d04h');
  assert.equal(formatSeconds(null), '—');
  assert.equal(formatSeconds(Number.NaN), '—');
  assert.equal(formatSeconds(-5), '0s');
  assert.equal(formatRpo(300, 'Asynchronous'), '5m00s');
  assert.equal(formatRpo(null, 'Synchronous'), 'sync');
});

test('sizes and rates use binary units with three figures', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1536), '1.50 KiB');
  assert.equal(formatBytes(10 * 1024 ** 2), '10.0 MiB');
  assert.equal(formatBytes(120 * 1024 ** 2), '120 MiB');
  assert.equal(formatBytes(1024 ** 3), '1.00 GiB');
  assert.equal(formatBytes(null), '—');
  assert.equal(formatRate(12 * 1024 ** 2), '12.0 MiB/s');
  assert.equal(formatRate(null), '—');
});

test('relative times, typed sizes and the live lag', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  assert.equal(formatRelative('2026-01-01T00:09:48Z', now), '12s ago');
  assert.equal(formatRelative('2026-01-01T00:14:10Z', now), 'in 4m10s');
  assert.equal(formatRelative(null, now), '—');
  assert.equal(formatRelative('2026-01-01T00:10:00.400Z', now), 'just now');
  assert.equal(parseSize('10G'), 10 * 1024 ** 3);
  assert.equal(parseSize('512 MiB'), 512 * 1024 ** 2);
  assert.equal(parseSize('1.5t'), 1.5 * 1024 ** 4);
  assert.equal(parseSize('4096'), 4096);
  assert.equal(parseSize('ten'), null);
  assert.equal(parseSize('0'), null);
  assert.equal(sizeText(2 * 1024 ** 3), '2G');
  assert.equal(sizeText(1.5 * 1024 ** 2), '1.5M');
  assert.equal(parseSize(sizeText(3 * 1024 ** 3)), 3 * 1024 ** 3);
  assert.equal(liveLag(10, now - 3000, now, false), 13);
  assert.equal(liveLag(0, now - 3000, now, true), 0);
  assert.equal(liveLag(null, now, now, false), null);
});

test('server-sent events are parsed across chunk boundaries', () => {
  const p = new SseParser();
  assert.deepEqual(p.push('event: over'), []);
  assert.deepEqual(p.push('view\ndata: {"a":1}\n'), []);
  assert.deepEqual(p.push('\nevent: change\r\ndata: {"kind":"fault"}\r\n\r\n: comment\n\ndata: x\n\n'), [
    { event: 'overview', data: '{"a":1}' },
    { event: 'change', data: '{"kind":"fault"}' },
    { event: 'message', data: 'x' },
  ]);
});

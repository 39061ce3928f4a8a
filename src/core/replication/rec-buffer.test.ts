// Goal: the REC buffer setting is validated as a whole (a refused one changes nothing and tells no
// listener), is kept in the meta settings so a new instance reads it back, and defaults to
// monitoring off.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '../errors.ts';
import { REC_BUFFER_DEFAULT, REC_BUFFER_SIZE_MB_MAX, RecBufferSettings, isBufferOverloadHalt, REC_BUFFER_OVERLOAD } from './rec-buffer.ts';

function memoryMeta() {
  const settings = new Map<string, string>();
  return { settings, getSetting: (k: string) => settings.get(k), setSetting: (k: string, v: string) => void settings.set(k, v) };
}

test('defaults never halt; a valid setting is stored and read back by the next instance', () => {
  const meta = memoryMeta();
  const first = new RecBufferSettings(meta);
  assert.deepEqual(first.get(), REC_BUFFER_DEFAULT);
  assert.equal(REC_BUFFER_DEFAULT.monitoringTimeMinutes, 0, 'monitoring off');
  let changes = 0;
  first.onChange(() => changes++);
  assert.deepEqual(first.set({ size_mb: 128, monitoring_time_minutes: 5 }), { sizeMb: 128, monitoringTimeMinutes: 5 });
  assert.equal(changes, 1);
  assert.deepEqual(new RecBufferSettings(meta).get(), { sizeMb: 128, monitoringTimeMinutes: 5 });
});

test('bad input is refused with the field named, and nothing changes', () => {
  const meta = memoryMeta();
  const s = new RecBufferSettings(meta);
  s.set({ size_mb: 256, monitoring_time_minutes: 3 });
  let changes = 0;
  s.onChange(() => changes++);
  const refused: [unknown, string, RegExp][] = [
    [null, 'VALIDATION_FAILED', /size_mb/],
    [[1, 2], 'VALIDATION_FAILED', /size_mb/],
    [{ monitoring_time_minutes: 1 }, 'VALIDATION_FAILED', /size_mb is required/],
    [{ size_mb: 1 }, 'VALIDATION_FAILED', /monitoring_time_minutes is required/],
    [{ size_mb: 0, monitoring_time_minutes: 1 }, 'VALIDATION_FAILED', /size_mb must be an integer in 1\.\./],
    [{ size_mb: 1.5, monitoring_time_minutes: 1 }, 'VALIDATION_FAILED', /size_mb/],
    [{ size_mb: '64', monitoring_time_minutes: 1 }, 'VALIDATION_FAILED', /size_mb/],
    [{ size_mb: REC_BUFFER_SIZE_MB_MAX + 1, monitoring_time_minutes: 1 }, 'VALIDATION_FAILED', /size_mb/],
    [{ size_mb: 64, monitoring_time_minutes: 16 }, 'VALIDATION_FAILED', /monitoring_time_minutes must be an integer in 0\.\.15/],
    [{ size_mb: 64, monitoring_time_minutes: -1 }, 'VALIDATION_FAILED', /monitoring_time_minutes/],
    [{ size_mb: 64, monitoring_time_minutes: 1, halt_wait_timer_seconds: 5 }, 'UNKNOWN_PROPERTY', /halt_wait_timer_seconds/],
  ];
  for (const [body, code, message] of refused) {
    assert.throws(() => s.set(body), (e: unknown) => e instanceof DomainError && e.code === code && message.test(e.message), JSON.stringify(body));
  }
  assert.deepEqual(s.get(), { sizeMb: 256, monitoringTimeMinutes: 3 });
  assert.deepEqual(new RecBufferSettings(meta).get(), { sizeMb: 256, monitoringTimeMinutes: 3 });
  assert.equal(changes, 0);
});

test('an unreadable stored setting falls back to the defaults (which never halt)', () => {
  const meta = memoryMeta();
  meta.settings.set('rec_buffer', '{"sizeMb":-3}');
  assert.deepEqual(new RecBufferSettings(meta).get(), REC_BUFFER_DEFAULT);
  meta.settings.set('rec_buffer', 'not json');
  assert.deepEqual(new RecBufferSettings(meta).get(), REC_BUFFER_DEFAULT);
});

test('a buffer-overload halt is a System_Paused session with that error code only', () => {
  assert.equal(isBufferOverloadHalt({ state: 'System_Paused', errorCode: REC_BUFFER_OVERLOAD }), true);
  assert.equal(isBufferOverloadHalt({ state: 'System_Paused', errorCode: 'PEER_UNREACHABLE' }), false);
  assert.equal(isBufferOverloadHalt({ state: 'Paused', errorCode: REC_BUFFER_OVERLOAD }), false, 'paused by an operator: no longer the halt');
});

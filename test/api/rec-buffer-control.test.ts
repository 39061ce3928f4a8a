// Goal: GET and PUT /tandem/v1/rec_buffer as an administrator uses them: defaults that never halt,
// admin only, a bad PUT is 400 with a clear message and changes nothing, and the setting survives
// a restart of the system.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { basic, startTestSystem } from '../helpers/system.ts';

test('rec_buffer: defaults, admin only, validation without side effects, kept across a restart', async () => {
  let t = await startTestSystem({ name: 'rec-buffer', keepData: true });
  const dataDir = t.dataDir;
  try {
    const got = await t.control('GET', '/rec_buffer');
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, { size_mb: 2048, monitoring_time_minutes: 0 }, 'monitoring off: nothing ever halts');

    assert.equal((await t.control('POST', '/users', { name: 'op', password: 'password-123', role: 'Operator' })).status, 201);
    assert.equal((await t.control('GET', '/rec_buffer', undefined, { authorization: basic('op', 'password-123') })).status, 403);
    assert.equal((await t.control('PUT', '/rec_buffer', { size_mb: 1, monitoring_time_minutes: 1 }, { authorization: basic('op', 'password-123') })).status, 403);
    assert.equal((await t.control('GET', '/rec_buffer', undefined, { authorization: '' })).status, 401);

    const bad: [unknown, RegExp][] = [
      [{ size_mb: 0, monitoring_time_minutes: 5 }, /size_mb must be an integer in 1\.\./],
      [{ size_mb: 64, monitoring_time_minutes: 16 }, /monitoring_time_minutes must be an integer in 0\.\.15/],
      [{ size_mb: 64 }, /monitoring_time_minutes is required/],
      [{ size_mb: '64', monitoring_time_minutes: 5 }, /size_mb/],
      [{ size_mb: 64, monitoring_time_minutes: 5, halt_wait_timer_seconds: 15 }, /halt_wait_timer_seconds/],
      [[64, 5], /size_mb/],
      ['{"size_mb": 64,', /JSON/i],
    ];
    for (const [body, message] of bad) {
      const r = await t.control('PUT', '/rec_buffer', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.match(r.body.message, message);
    }
    assert.deepEqual((await t.control('GET', '/rec_buffer')).body, { size_mb: 2048, monitoring_time_minutes: 0 }, 'nothing changed');

    const put = await t.control('PUT', '/rec_buffer', { size_mb: 512, monitoring_time_minutes: 5 });
    assert.equal(put.status, 200);
    assert.deepEqual(put.body, { size_mb: 512, monitoring_time_minutes: 5 });

    await t.close();
    t = await startTestSystem({ name: 'rec-buffer', dataDir, keepData: true });
    assert.deepEqual((await t.control('GET', '/rec_buffer')).body, { size_mb: 512, monitoring_time_minutes: 5 }, 'kept across a restart');
  } finally {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

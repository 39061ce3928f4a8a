// Goal: the log is bounded, keeps secrets out, and reads well on a terminal. Method: a logger on a
// temp directory with tiny file limits; lines written past several rotations; the files counted
// and read back; the terminal formatter fed JSON lines.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { EventHub } from './events.ts';
import { logEvents } from './log-events.ts';
import { createLogger } from './logger.ts';
import { formatPretty } from './pretty.ts';

test('the log directory never holds more than filesMax files of bytesMax', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-log-'));
  try {
    const { logger, close } = createLogger({ level: 'info', system: 's', terminal: 'off', fileDir: dir, fileBytesMax: 4096, filesMax: 3 });
    for (let i = 0; i < 500; i++) logger.info({ i }, `line ${i} ${'x'.repeat(40)}`);
    close();
    const files = readdirSync(dir).sort();
    assert.deepEqual(files, ['tandem.log', 'tandem.log.1', 'tandem.log.2']);
    for (const f of files) assert.ok(statSync(join(dir, f)).size <= 4096, `${f} is ${statSync(join(dir, f)).size} bytes`);
    const newest = readFileSync(join(dir, 'tandem.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(newest.at(-1).i, 499, 'the newest lines are in tandem.log');
    const rotated = readFileSync(join(dir, 'tandem.log.1'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(rotated.at(-1).i + 1, newest[0].i, 'no line lost between files');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('secrets are censored and a mutation line says who, what and the result', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-log-'));
  try {
    const { logger, close } = createLogger({ level: 'info', system: 's', terminal: 'off', fileDir: dir });
    logger.info({ password: 'hunter2', body: { token: 'abc', authorization: 'Basic eA==' } }, 'with secrets');
    const hub = new EventHub();
    logEvents(hub, logger);
    hub.emit({ kind: 'mutation', dialect: 'powerstore', requestId: 'req-1', user: 'admin', method: 'POST', route: '/api/rest/volume', resourceId: null, status: 422, durationMs: 3.21, error: 'A volume with name v already exists.' });
    close();
    const text = readFileSync(join(dir, 'tandem.log'), 'utf8');
    assert.ok(!text.includes('hunter2') && !text.includes('abc') && !text.includes('eA=='), text);
    const [, mutation] = text.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(mutation.level, 40, 'a refused mutation is a warning');
    assert.equal(mutation.msg, 'admin POST /api/rest/volume → 422: A volume with name v already exists. (3.2 ms)');
    assert.equal(mutation.user, 'admin');
    assert.equal(mutation.status, 422);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('terminal lines: time, level, message, and only the fields the message does not already say', () => {
  const line = JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 1, 12, 3, 4, 120), system: 's', msg: 'peer link to site-b: OK', peerName: 'site-b', state: 'OK', extra: 'x y' });
  assert.equal(formatPretty(line, false), '12:03:04.120 INFO  peer link to site-b: OK  extra="x y"\n');
  const error = JSON.stringify({ level: 50, time: 0, msg: 'start failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n at x' } });
  assert.equal(formatPretty(error, false), '00:00:00.000 ERROR start failed  err="boom"\n', 'no stack on the terminal');
});

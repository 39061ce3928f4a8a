// Goal: a full stderr pipe neither throws into the caller nor splits a line; whole lines are
// dropped while the reader lags, and the next line written says how many were lost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stderrWriter } from './stderr-writer.ts';

const eagain = () => Object.assign(new Error('EAGAIN: resource temporarily unavailable, write'), { code: 'EAGAIN' });

test('lines that find the pipe full are dropped, counted, and reported with the next line that fits', () => {
  const out: string[] = [];
  let full = false;
  const writer = stderrWriter((buffer, offset) => {
    if (full) throw eagain();
    out.push(buffer.subarray(offset).toString());
    return buffer.length - offset;
  });
  writer.write('one\n');
  full = true;
  writer.write('two\n');
  writer.write('three\n');
  assert.equal(writer.droppedLines, 2);
  full = false;
  writer.write('four\n');
  assert.equal(out[0], 'one\n');
  assert.match(out[1]!, /"2 log lines were not written to stderr/);
  assert.equal(out[2], 'four\n');
});

test('a line partly written is finished once the reader drains, never interleaved with the next', () => {
  const out: string[] = [];
  let calls = 0;
  const writer = stderrWriter((buffer, offset) => {
    calls += 1;
    if (calls === 1) {
      out.push(buffer.subarray(offset, offset + 3).toString());
      return 3; // a short write
    }
    if (calls <= 3) throw eagain(); // then the pipe is full for a moment
    out.push(buffer.subarray(offset).toString());
    return buffer.length - offset;
  });
  writer.write('abcdef\n');
  writer.write('next\n');
  assert.equal(out.join(''), 'abcdef\nnext\n');
  assert.equal(writer.droppedLines, 0);
});

test('other write errors are thrown', () => {
  const writer = stderrWriter(() => {
    throw Object.assign(new Error('EBADF'), { code: 'EBADF' });
  });
  assert.throws(() => writer.write('x\n'), /EBADF/);
});

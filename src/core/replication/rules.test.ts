// REC mode coupling (seed 003): split_mode only for synchronous; synchronous → asynchronous forces
// Manual, which stays on the way back unless split_mode is given.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextRecModes } from './rules.ts';

test('synchronous to asynchronous forces split mode Manual; back to synchronous keeps it unless given', () => {
  const sync = { transferMode: 'Synchronous' as const, splitMode: 'Automatic' as const, recoveryMode: 'Automatic' as const };
  const async = nextRecModes(sync, { transferMode: 'Consistency' });
  assert.deepEqual(async, { transferMode: 'Consistency', splitMode: 'Manual', recoveryMode: 'Automatic' });
  assert.equal(nextRecModes(async, { transferMode: 'Synchronous' }).splitMode, 'Manual');
  assert.equal(nextRecModes(async, { transferMode: 'Synchronous', splitMode: 'Automatic' }).splitMode, 'Automatic');
  assert.equal(nextRecModes(sync, { splitMode: 'Manual' }).splitMode, 'Manual');
});

test('split_mode with an asynchronous result is refused; recovery mode changes alone', () => {
  const consistency = { transferMode: 'Consistency' as const, splitMode: 'Manual' as const, recoveryMode: 'Automatic' as const };
  assert.throws(() => nextRecModes(consistency, { splitMode: 'Automatic' }), /split_mode applies to synchronous/);
  assert.throws(() => nextRecModes(consistency, { transferMode: 'Stack', splitMode: 'Manual' }), /split_mode/);
  const sync = { transferMode: 'Synchronous' as const, splitMode: 'Automatic' as const, recoveryMode: 'Automatic' as const };
  assert.throws(() => nextRecModes(sync, { transferMode: 'Stack', splitMode: 'Automatic' }), /split_mode/);
  assert.deepEqual(nextRecModes(consistency, { recoveryMode: 'Manual' }), { ...consistency, recoveryMode: 'Manual' });
});

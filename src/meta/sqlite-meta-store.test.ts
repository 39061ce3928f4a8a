// Goal: the metadata store commits all-or-nothing and survives a reopen.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteMetaStore } from './sqlite-meta-store.ts';

const host = (id: string, name: string) => ({
  id,
  name,
  description: null,
  osType: 'Linux',
  initiators: [],
  hostConnectivity: 'Local_Only',
});

test('a failed transaction leaves nothing behind', () => {
  const meta = new SqliteMetaStore(':memory:');
  meta.put('host', host('h1', 'one'));
  assert.throws(() =>
    meta.transaction(() => {
      meta.put('host', host('h2', 'two'));
      meta.delete('host', 'h1');
      assert.equal(meta.get('host', 'h2')?.name, 'two', 'own writes visible inside');
      throw new Error('boom');
    }),
  );
  assert.equal(meta.get('host', 'h2'), undefined);
  assert.equal(meta.get('host', 'h1')?.name, 'one');
  assert.equal(meta.list('host').length, 1);
});

test('documents survive a reopen and are copies', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'meta-')), 'meta.db');
  const meta = new SqliteMetaStore(path);
  meta.put('host', host('h1', 'one'));
  const copy = meta.get('host', 'h1')!;
  copy.name = 'changed';
  assert.equal(meta.get('host', 'h1')?.name, 'one');
  meta.setSetting('k', 'v');
  meta.close();
  const again = new SqliteMetaStore(path);
  assert.equal(again.get('host', 'h1')?.name, 'one');
  assert.equal(again.getSetting('k'), 'v');
  again.close();
});

// A volume record with only what the indexes read set meaningfully.
const volume = (id: string, name: string, number: number, sourceId: string | null = null) =>
  ({ id, name, number, sourceId }) as unknown as import('../core/model.ts').Volume;

test('an index finds records by key, follows renames and deletes, and survives a reopen', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'meta-')), 'meta.db');
  const meta = new SqliteMetaStore(path);
  meta.put('volume', volume('v1', 'one', 1));
  meta.put('volume', volume('s1', 'snap', 2, 'v1'));
  assert.deepEqual(meta.findShared('volumeByName', 'one').map((v) => v.id), ['v1']);
  assert.deepEqual(meta.findShared('volumeBySource', 'v1').map((v) => v.id), ['s1']);
  assert.deepEqual(meta.findShared('volumeByNumber', '2').map((v) => v.id), ['s1']);
  meta.put('volume', volume('v1', 'renamed', 1));
  assert.deepEqual(meta.findShared('volumeByName', 'one'), [], 'the old key is gone');
  assert.deepEqual(meta.findShared('volumeByName', 'renamed').map((v) => v.id), ['v1']);
  meta.delete('volume', 's1');
  assert.deepEqual(meta.findShared('volumeBySource', 'v1'), []);
  meta.close();
  const again = new SqliteMetaStore(path);
  assert.deepEqual(again.findShared('volumeByName', 'renamed').map((v) => v.id), ['v1'], 'rebuilt on load');
  assert.deepEqual(again.findShared('volumeByName', 'one'), []);
  again.close();
});

test('an index sees the open transaction, and nothing of a failed one', () => {
  const meta = new SqliteMetaStore(':memory:');
  meta.put('volume', volume('v1', 'one', 1));
  assert.throws(() =>
    meta.transaction(() => {
      meta.put('volume', volume('v2', 'two', 2));
      meta.put('volume', volume('v1', 'uno', 1));
      assert.deepEqual(meta.findShared('volumeByName', 'two').map((v) => v.id), ['v2'], 'a staged create');
      assert.deepEqual(meta.findShared('volumeByName', 'one'), [], 'a staged rename hides the old key');
      assert.deepEqual(meta.findShared('volumeByName', 'uno').map((v) => v.id), ['v1']);
      meta.delete('volume', 'v1');
      assert.deepEqual(meta.findShared('volumeByName', 'uno'), [], 'a staged delete');
      throw new Error('boom');
    }),
  );
  assert.deepEqual(meta.findShared('volumeByName', 'one').map((v) => v.id), ['v1']);
  assert.deepEqual(meta.findShared('volumeByName', 'two'), []);
  assert.deepEqual(meta.findShared('volumeByName', 'uno'), []);
});

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

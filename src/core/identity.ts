// The identity of one system, made once at first start and kept in its metadata.
import type { IdSource } from './context.ts';
import type { MetaStore } from './meta-store.ts';
import type { SystemIdentity } from './model.ts';

export const SOFTWARE_VERSION = '4.1.0.0';

export function loadOrCreateIdentity(meta: MetaStore, ids: IdSource, name: string, nowMs: number): SystemIdentity {
  const stored = meta.getSetting('identity');
  if (stored) {
    const identity = JSON.parse(stored) as SystemIdentity;
    if (identity.name !== name) {
      identity.name = name;
      meta.setSetting('identity', JSON.stringify(identity));
    }
    return identity;
  }
  const serial = ids.hex(6).toUpperCase();
  const identity: SystemIdentity = {
    id: ids.uuid(),
    name,
    globalId: `PS${serial}`,
    serialNumber: `PS${serial}`,
    // ETERNUS Box ID: 40 characters, model and serial padded with '#' as the arrays print it.
    boxId: `00ETERNUSDXM##ET503S20A####TD${serial}##`.slice(0, 40).padEnd(40, '#'),
    softwareVersion: SOFTWARE_VERSION,
    createdAtMs: nowMs,
  };
  meta.setSetting('identity', JSON.stringify(identity));
  return identity;
}

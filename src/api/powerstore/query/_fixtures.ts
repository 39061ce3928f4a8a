// A fake resource registry for the query tests. Rows are deliberately not PowerStore JSON: each
// schema's fields() maps a small domain object to PowerStore names, as the routes layer will.
import type { ResourceRegistry, Row } from './types.ts';

export interface FakeVolume {
  id: string;
  name: string;
  sizeBytes: number;
  kind: 'Primary' | 'Clone' | 'Snapshot';
  isDestination: boolean;
  applianceId: string | null;
  groupIds: string[];
  policyId: string | null;
  sourceId: string | null;
  createdAt: string;
  description: string | null;
  tags: string[];
}

export interface FakeWorld {
  volumes: FakeVolume[];
  appliances: { id: string; name: string; model: string }[];
  groups: { id: string; name: string; policyId: string | null }[];
  policies: { id: string; name: string; type: string; replicationRuleIds: string[]; snapshotRuleIds: string[] }[];
  replicationRules: { id: string; name: string; rpo: string; remoteSystemId: string }[];
  snapshotRules: { id: string; name: string; intervalName: string }[];
  remoteSystems: { id: string; name: string; address: string; destinations: { id: string; containerId: string }[] }[];
  containers: { id: string; name: string }[];
  hosts: { id: string; name: string; initiators: { port_name: string; port_type: string }[] }[];
  ports: { id: string; name: string; up: boolean; speeds: string[] }[];
}

export function volume(partial: Partial<FakeVolume> & { id: string }): FakeVolume {
  return {
    name: partial.id,
    sizeBytes: 1073741824,
    kind: 'Primary',
    isDestination: false,
    applianceId: 'A1',
    groupIds: [],
    policyId: null,
    sourceId: null,
    createdAt: '2024-01-01T00:00:00.000Z',
    description: null,
    tags: [],
    ...partial,
  };
}

export function emptyWorld(): FakeWorld {
  return {
    volumes: [], appliances: [], groups: [], policies: [], replicationRules: [],
    snapshotRules: [], remoteSystems: [], containers: [], hosts: [], ports: [],
  };
}

function byId<T extends { id: string }>(list: T[], id: string | null): T | null {
  return id === null ? null : list.find((x) => x.id === id) ?? null;
}

export function registryFor(world: FakeWorld): ResourceRegistry {
  const v = (row: Row) => row as FakeVolume;
  const p = (row: Row) => row as FakeWorld['policies'][number];
  const rr = (row: Row) => row as FakeWorld['replicationRules'][number];
  const rs = (row: Row) => row as FakeWorld['remoteSystems'][number];
  const plain = (name: string) => ({ name, fields: (row: Row) => ({ ...(row as Record<string, unknown>) }) });
  return {
    volume: {
      name: 'volume',
      fields: (row) => volumeFields(v(row)),
      associations: {
        appliance: { resource: 'appliance', cardinality: 'one', resolve: (row) => byId(world.appliances, v(row).applianceId) },
        volume_groups: {
          resource: 'volume_group', cardinality: 'many',
          resolve: (row) => world.groups.filter((g) => v(row).groupIds.includes(g.id)),
        },
        protection_policy: { resource: 'policy', cardinality: 'one', resolve: (row) => byId(world.policies, v(row).policyId) },
      },
    },
    appliance: plain('appliance'),
    volume_group: {
      name: 'volume_group',
      fields: (row) => {
        const g = row as FakeWorld['groups'][number];
        return { id: g.id, name: g.name, protection_policy_id: g.policyId };
      },
    },
    policy: {
      name: 'policy',
      fields: (row) => ({ id: p(row).id, name: p(row).name, type: p(row).type }),
      associations: {
        replication_rules: {
          resource: 'replication_rule', cardinality: 'many',
          resolve: (row) => world.replicationRules.filter((r) => p(row).replicationRuleIds.includes(r.id)),
        },
        snapshot_rules: {
          resource: 'snapshot_rule', cardinality: 'many',
          resolve: (row) => world.snapshotRules.filter((r) => p(row).snapshotRuleIds.includes(r.id)),
        },
      },
    },
    replication_rule: {
      name: 'replication_rule',
      fields: (row) => ({ id: rr(row).id, name: rr(row).name, rpo: rr(row).rpo, remote_system_id: rr(row).remoteSystemId }),
      associations: {
        policies: {
          resource: 'policy', cardinality: 'many',
          resolve: (row) => world.policies.filter((x) => x.replicationRuleIds.includes(rr(row).id)),
        },
        remote_system: { resource: 'remote_system', cardinality: 'one', resolve: (row) => byId(world.remoteSystems, rr(row).remoteSystemId) },
      },
    },
    snapshot_rule: {
      name: 'snapshot_rule',
      fields: (row) => {
        const r = row as FakeWorld['snapshotRules'][number];
        return { id: r.id, name: r.name, interval: r.intervalName };
      },
    },
    remote_system: {
      name: 'remote_system',
      fields: (row) => ({ id: rs(row).id, name: rs(row).name, management_address: rs(row).address }),
      associations: {
        storage_container_destinations: {
          resource: 'storage_container_destination', cardinality: 'many',
          resolve: (row) => rs(row).destinations.map((d) => ({ ...d, remoteSystemId: rs(row).id })),
        },
      },
    },
    storage_container_destination: {
      name: 'storage_container_destination',
      fields: (row) => {
        const d = row as { id: string; containerId: string; remoteSystemId: string };
        return { id: d.id, storage_container_id: d.containerId, remote_system_id: d.remoteSystemId, remote_storage_container_id: null };
      },
      associations: {
        storage_container: {
          resource: 'storage_container', cardinality: 'one',
          resolve: (row) => byId(world.containers, (row as { containerId: string }).containerId),
        },
      },
    },
    storage_container: plain('storage_container'),
    host: {
      name: 'host',
      fields: (row) => {
        const h = row as FakeWorld['hosts'][number];
        return { id: h.id, name: h.name, host_initiators: h.initiators };
      },
    },
    fc_port: {
      name: 'fc_port',
      fields: (row) => {
        const f = row as FakeWorld['ports'][number];
        return { id: f.id, name: f.name, is_link_up: f.up, supported_speeds: f.speeds };
      },
    },
  };
}

export function volumeFields(vol: FakeVolume): Record<string, unknown> {
  return {
    id: vol.id,
    name: vol.name,
    description: vol.description,
    type: vol.kind,
    size: vol.sizeBytes,
    appliance_id: vol.applianceId,
    creation_timestamp: vol.createdAt,
    protection_policy_id: vol.policyId,
    is_replication_destination: vol.isDestination,
    protection_data: vol.sourceId === null ? null : { source_id: vol.sourceId, family_id: vol.sourceId, creator_type: 'User' },
    tags: vol.tags,
  };
}

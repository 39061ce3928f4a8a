// What the fuzzer puts into requests: hostile values of every JSON type, malformed raw bodies,
// mutated path ids and query strings, odd headers. Each generator draws only from the Rng.
import type { Rng } from '../../helpers/rng.ts';

/** Body property names of both dialects (their readBody specs) plus a few that exist nowhere. */
export const FIELD_NAMES = [
  'name', 'size', 'description', 'protection_policy_id', 'performance_policy_id', 'volume_group_id', 'host_id',
  'host_group_id', 'logical_unit_number', 'volume_id', 'volume_ids', 'is_write_order_consistent', 'initiators',
  'add_initiators', 'remove_initiators', 'modify_initiators', 'os_type', 'host_connectivity', 'port_name', 'port_type',
  'rpo', 'remote_system_id', 'alert_threshold', 'interval', 'time_of_day', 'days_of_week', 'desired_retention',
  'timezone', 'snapshot_rule_ids', 'replication_rule_ids', 'add_snapshot_rule_ids', 'remove_snapshot_rule_ids',
  'add_replication_rule_ids', 'remove_replication_rule_ids', 'service', 'address', 'port', 'username', 'password',
  'timeout', 'management_address', 'management_port', 'type', 'data_network_latency', 'is_planned', 'reverse', 'force',
  'metadata', 'expiration_timestamp', 'create_backup_snap', 'backup_snap_profile', 'delete_members', 'delete_snaps',
  'is_secure', 'role', 'auto_failover_state', 'update_transport', 'use_test_copy', 'failover_snapshot_id',
  'snapshot_id', 'create_end_of_test_snapshot', 'discard_changes_after_failover', 'force_internal', 'from_object_id',
  'user_name', 'grant_type', 'refresh_token', 'is_refresh_token_required', 'capacity', 'tpp_id', 'raidgroup_id',
  'count', 'start_number', 'number_of_digits', 'is_copy_protection_enabled', 'source_volume_id',
  'destination_volume_id', 'source_boxid', 'destination_boxid', 'transfer_mode', 'split_mode', 'recovery_mode',
  'is_forced', 'copysession_id_list', 'nope', '__proto__', 'constructor', 'prototype', '', ' ', '名前', 'a.b',
];

const ENUM_WORDS = [
  'Five_Minutes', 'One_Day', 'Linux', 'Windows', 'iSCSI', 'NVMe', 'Synchronous', 'Consistency', 'Stack', 'Through',
  'Automatic', 'Manual', 'Replication_HTTP', 'VASA_HTTP', 'PowerStore', 'Low', 'High', 'password', 'refresh_token',
  'Monday', 'Metro_Preferred', 'Primary', 'Snapshot',
];

/** Nested `depth` deep, as arrays or objects. */
export function deepJson(depth: number, asObject: boolean): string {
  return asObject ? `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}` : `${'['.repeat(depth)}${']'.repeat(depth)}`;
}

/** A hostile JSON value: wrong type, extreme number, NaN-like string, unicode, huge, nested, or a near-valid word. */
export function hostileValue(rng: Rng, liveIds: readonly string[]): unknown {
  switch (rng.int(0, 11)) {
    case 0:
      return rng.pick([null, true, false, 0, -0, -1, 1, 2, 1.5, -0.0001]);
    case 1:
      return rng.pick([2 ** 31, 2 ** 32 + 1, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, 1e30, -1e30, 1e308, -1e308, 5e-324, 65536, 268435457, 6553465536]);
    case 2:
      return rng.pick(['', ' ', 'NaN', 'Infinity', '-Infinity', '1e999', '0x10', '-1', '1.0', 'null', 'true', '[]', '{}', '0']);
    case 3:
      return rng.pick(['名前', '🙂'.repeat(rng.int(1, 80)), 'a\u0000b', '\u202eevil', 'e\u0301', '\ud800', 'tab\tand\nnewline', '../../etc/passwd', "'; DROP TABLE volume; --", '<script>', '${x}', '%s%n']);
    case 4:
      return 'x'.repeat(rng.pick([33, 64, 128, 129, 256, 513, 4096, 100_000]));
    case 5:
      return rng.pick([[], [1, 2], ['a'], [null], [{}], [[[]]], Array.from({ length: rng.int(100, 3000) }, (_, i) => i)]);
    case 6:
      return JSON.parse(rng.pick(['{}', '{"a":1}', '{"name":"x"}', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}'])) as unknown;
    case 7:
      return JSON.parse(deepJson(rng.int(2, 30), rng.chance(0.5)));
    case 8:
      return rng.pick(ENUM_WORDS);
    case 9:
      return liveIds.length > 0 ? rng.pick(liveIds) : 'no-id';
    case 10:
      return liveIds.length > 0 ? [rng.pick(liveIds)] : [];
    default:
      return rng.int(-5, 70000);
  }
}

/** Raw bodies no JSON value can express: malformed, extreme literals, nested thousands deep, over 1 MiB. */
export function rawBody(rng: Rng): string {
  switch (rng.int(0, 6)) {
    case 0:
      return rng.pick(['', ' ', 'null', '[]', '"x"', '1', 'true', '{', '{"a":', '{"a":1}}', '\u0000', 'nope', '{"a":1,}', "{'a':1}"]);
    case 1:
      return rng.pick(['{"size":1e400}', '{"capacity":-1e400}', '{"size":-0}', '{"capacity":1.0}', '{"size":123456789012345678901234567890}', '{"port":1e30}', '{"name":"\\ud800"}']);
    case 2:
      return deepJson(rng.pick([33, 100, 1000, 5000, 20000]), rng.chance(0.5));
    case 3:
      return `{"name":${deepJson(rng.pick([40, 5000]), rng.chance(0.5))}}`;
    case 4:
      return JSON.stringify({ name: 'x'.repeat(rng.pick([1_000_000, 1_100_000])) });
    case 5:
      return `{${Array.from({ length: rng.int(100, 5000) }, (_, i) => `"k${i}":${i}`).join(',')}}`;
    default:
      return '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}';
  }
}

/** A path id: mostly hostile, already percent-encoded where it matters. */
export function hostileId(rng: Rng): string {
  switch (rng.int(0, 5)) {
    case 0:
      return rng.pick(['x', '0', '-1', '1e30', 'NaN', '99999999999999999999', '6553465536', '2147483648', '1.5', ' 1', 'null', 'undefined']);
    case 1:
      return rng.pick(['name:', 'name:nope', 'name:%F0%9F%99%82', '%E5%90%8D%E5%89%8D', '%00', '%2e%2e', '%2F', '%20', '__proto__', 'constructor', 'hasOwnProperty']);
    case 2:
      return 'a'.repeat(rng.pick([128, 511, 512, 513, 1000, 5000]));
    case 3:
      return rng.pick(['%zz', '%', '%E0%A4%A', '%C0%AF']);
    case 4:
      return `${rng.int(0, 0xffffffff).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
    default:
      return encodeURIComponent(rng.pick(['a b', 'a/b', 'a?b', 'a#b', '名前', '🙂', 'a\u0000b']));
  }
}

/** A hostile query value (raw or encoded). */
export function hostileQueryValue(rng: Rng): string {
  if (rng.chance(0.3)) return rng.pick(['%zz', '%', '', '&', '==', '%00', '(', ')', '((((', 'a'.repeat(rng.pick([100, 5000, 9000]))]);
  const v = hostileValue(rng, []);
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? 'x');
  // A lone surrogate cannot be percent-encoded as UTF-8; send its replacement character instead.
  return encodeURIComponent(text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'));
}

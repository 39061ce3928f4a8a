// The overview as GET /tandem/v1/overview and the stream give it (src/api/console/overview.ts).

export interface SessionRow {
  id: string;
  resource_name: string;
  resource_type: 'volume' | 'volume_group';
  resource_id: string;
  role: 'Source' | 'Destination';
  source_system: string;
  destination_system: string;
  remote_system: string;
  transfer_mode: string;
  split_mode: string;
  recovery_mode: string;
  rpo_seconds: number | null;
  rule_name: string | null;
  state: string;
  powerstore_state: string;
  eternus_status: string;
  eternus_phase: string;
  copysession_id: number | null;
  lag_seconds: number | null;
  rpo_compliant: boolean;
  last_sync: string | null;
  next_sync: string | null;
  failover_test: boolean;
  error_code: string | null;
  progress: { percent: number | null; remaining_bytes: number | null; rate_bytes_per_second: number | null; seconds_left: number | null } | null;
  history: { lag: Array<[number, number]>; throughput: Array<[number, number]> };
}

export interface RemoteRow {
  id: string;
  name: string;
  peer_system_id: string;
  box_id: string;
  console_url: string;
  data_connection_state: string;
  link: 'connected' | 'degraded' | 'lost' | 'initializing';
  round_trip_ms: number | null;
  faults: string[];
}

export interface Overview {
  now: string;
  user: { name: string; role: string; tenant: string | null; may_act: boolean; is_admin: boolean };
  system: { id: string; name: string; version: string; box_id: string; nbd_url: string; volumes: number; used_bytes: number; stored_bytes: number; free_bytes: number };
  remotes: RemoteRow[];
  sessions: SessionRow[];
  visible_ids: string[] | null;
  last_event_id: string | null;
  active_alerts: number;
}

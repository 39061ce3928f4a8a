// Replays the HTTP behaviour of two real PowerStore clients against a running system, over real
// HTTPS, as research/powerstore-api.md describes them:
//
// - PyPowerStoreClient: PyPowerStore 3.4 (§1.6, §5.1, §5.2). Login is GET /login_session with its
//   select and Basic auth; every later request carries `Cookie: auth_cookie=…` and
//   `DELL-EMC-TOKEN` and no Authorization; `content-type: application/json` on every request;
//   a non-empty payload (None values omitted) is sent as JSON and the query string is dropped
//   (except a literal `?is_async=true` in the URL); an empty payload sends no body; the
//   software_installed probe runs before the calls that make it; `all_pages` follows a 206 with
//   Range requests `{i}-{i+2000}` for i = 100, 2100, …; querystrings are encoded like Python
//   requests (quote_plus: `,` → %2C, `(` → %28, space → +); DELL-VISIBILITY: internal for the
//   URLs PyPowerStore adds it to.
// - GoPowerStoreClient: gopowerstore (§1.7, §2.4): Basic auth on every request plus the
//   DELL-EMC-TOKEN once known (refreshed from any 2xx), a cookie jar for auth_cookie, no Accept
//   and no Content-Type, and `order=name&offset=N&limit=L` paging that follows 206 +
//   Content-Range until the next offset reaches the total (416 ends it too).
//
// Every request is recorded in `transcript`, so tests can check the traffic itself.
import { request } from 'node:https';

export interface Exchange {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  status: number;
  responseHeaders: Record<string, string | string[] | undefined>;
}

export class PowerStoreHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: any,
    what: string,
  ) {
    super(`${what}: HTTP ${status} ${typeof body === 'string' ? body : JSON.stringify(body)}`);
  }
  get code(): string | undefined {
    return this.body?.messages?.[0]?.code;
  }
}

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

function send(url: URL, method: string, headers: Record<string, string>, body: string | null, transcript: Exchange[]): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const reply = { status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') };
        transcript.push({ method, url: url.pathname + url.search, headers, body, status: reply.status, responseHeaders: res.headers });
        resolve(reply);
      });
    });
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout ${method} ${url}`)));
    if (body !== null) req.write(body);
    req.end();
  });
}

/** Python's urllib.parse.quote_plus, which requests uses for `params`. */
export function quotePlus(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

function encodeQuery(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`)
    .join('&');
}

function cookieFrom(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  for (const c of list) {
    const m = new RegExp(`(?:^|;\\s*)${name}=([^;]*)`).exec(c);
    if (m) return m[1]!;
  }
  return null;
}

function headerString(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

/** Drops keys whose value is None (undefined or null), as PyPowerStore's helpers do. */
function withoutNone(payload: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined && v !== null));
}

// ------------------------------------------------------------------------------ select lists §5.2

export const LOGIN_SELECT = 'id,user,role_ids,is_password_change_required,is_built_in_user,idle_timeout';
export const SESSION_DETAILS_SELECT_3X =
  'id,state,role,resource_type,last_sync_timestamp,local_resource_id,remote_resource_id,remote_system_id,progress_percentage,estimated_completion_timestamp,replication_rule_id,storage_element_pairs,state_l10n,role_l10n,resource_type_l10n,remote_system(id,name),migration_session(id,name),replication_rule(id,name),data_transfer_state,type,last_sync_duration,type_l10n,next_sync_timestamp,failover_test_in_progress,error_code,data_connection_state,parent_replication_session_id,local_resource_state,data_transfer_state_l10n,data_connection_state_l10n,local_resource_state_l10n';
export const SESSION_DETAILS_SELECT_OLD = SESSION_DETAILS_SELECT_3X.split(',replication_rule(id,name)')[0] + ',replication_rule(id,name)';
export const RULE_DETAILS_SELECT = 'id,name,rpo,remote_system_id,is_replica,alert_threshold,policies(id,name)';
export const POLICY_DETAILS_SELECT = 'id,name,description,type,replication_rules(id,name),snapshot_rules(id,name)';
export const RS_SELECT =
  'id,name,description,serial_number,version,management_address,management_port,type,user_name,state,data_connection_type,data_connection_state,iscsi_addresses,fc_target_wwns,discovery_chap_mode,session_chap_mode,data_network_latency,data_connections,capabilities,file_connection_address,file_connection_state,vnx_file_username,import_sessions,appliance_details,type_l10n,replication_sessions,state_l10n,data_connection_type_l10n,file_connection_state_l10n,data_connection_state_l10n,discovery_chap_mode_l10n,session_chap_mode_l10n,data_network_latency_l10n,capabilities_l10n,storage_container_destinations(id,storage_container_id,remote_system_id,remote_storage_container_id,storage_container(id,name))';
export const VOLUME_SELECT_4X =
  'id,name,description,type,wwn,nsid,nguid,appliance_id,state,size,logical_used,node_affinity,creation_timestamp,protection_policy_id,performance_policy_id,qos_performance_policy_id,is_replication_destination,migration_session_id,metro_replication_session_id,is_host_access_available,protection_data,location_history,app_type,app_type_other,type_l10n,state_l10n,node_affinity_l10n,app_type_l10n,volume_groups(name,id), protection_policy(name,id)';
export const VOLUME_SELECT_3X =
  'id,name,description,type,wwn,appliance_id,state,size,creation_timestamp,protection_policy_id,performance_policy_id,protection_policy(name,id),performance_policy(name,id),is_replication_destination,logical_used,protection_data,location_history,type_l10n,state_l10n,host_group(name,id),volume_groups(name,id),mapped_volumes(id,logical_unit_number),nsid,nguid,node_affinity,node_affinity_l10n,metro_replication_session_id,is_host_access_available,app_type,app_type_other,app_type_l10n,migration_session_id';
export const HVM_SELECT = 'id, host_id, host_group_id,logical_unit_number';
export const JOB_SELECT =
  'id,resource_action,resource_type,resource_id,resource_name,description_l10n,state,start_time,phase,end_time,estimated_completion_time,progress_percentage,parent_id,root_id,user,response_body,response_status,step_order,resource_action_l10n,resource_type_l10n,state_l10n,phase_l10n,response_status_l10n';

/** PyPowerStore adds DELL-VISIBILITY: internal for these URL parts (§1.2). */
const INTERNAL_VISIBILITY = ['remote_system', 'volume_group', 'node', 'remote_support'];

// ------------------------------------------------------------------------------ PyPowerStore

export class PyPowerStoreClient {
  readonly transcript: Exchange[] = [];
  private token: string | null = null;
  private cookie: string | null = null;
  private idleTimeoutS = 0;
  private loginAtMs = 0;

  constructor(
    private readonly username: string,
    private readonly password: string,
    private readonly serverIp: string,
    private readonly portNo = 443,
    private readonly applicationType: string | null = null,
  ) {}

  private base(): string {
    return `https://${this.serverIp}:${this.portNo}/api/rest`;
  }

  private commonHeaders(): Record<string, string> {
    return {
      Accept: 'application/json',
      'Accept-Language': 'en-US',
      'content-type': 'application/json',
      ...(this.applicationType ? { 'Application-Type': this.applicationType } : {}),
    };
  }

  /** AuthenticationManager.login(). */
  private async login(): Promise<void> {
    const url = new URL(`${this.base()}/login_session?${encodeQuery({ select: LOGIN_SELECT })}`);
    const reply = await send(url, 'GET', { ...this.commonHeaders(), authorization: `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}` }, null, this.transcript);
    this.token = headerString(reply.headers, 'DELL-EMC-TOKEN');
    this.cookie = cookieFrom(reply.headers, 'auth_cookie');
    if (reply.status === 200) {
      try {
        const body = JSON.parse(reply.text);
        if (Array.isArray(body)) {
          this.idleTimeoutS = Number(body[0]?.idle_timeout ?? 0);
          this.loginAtMs = Date.now();
        }
      } catch {
        /* PyPowerStore ignores a body it cannot read here */
      }
    }
  }

  private needsLogin(): boolean {
    return !this.token || !this.cookie || !this.idleTimeoutS || Date.now() - this.loginAtMs >= this.idleTimeoutS * 1000;
  }

  /**
   * client.request(): `path` may carry a literal `?is_async=true`; `params` is the querystring
   * dict; `payload` the body dict. Returns the parsed body, or null for 204 / empty 201.
   */
  async request(method: string, path: string, options: { params?: Record<string, string>; payload?: Record<string, unknown> | null; headers?: Record<string, string> } = {}): Promise<{ status: number; body: any; headers: Record<string, string | string[] | undefined> }> {
    if (this.needsLogin()) await this.login();
    const headers: Record<string, string> = {
      ...this.commonHeaders(),
      'DELL-EMC-TOKEN': this.token ?? 'None',
      Cookie: `auth_cookie=${this.cookie ?? 'None'}`,
      ...(INTERNAL_VISIBILITY.some((part) => path.includes(part)) ? { 'DELL-VISIBILITY': 'internal' } : {}),
      ...options.headers,
    };
    const payload = options.payload ? withoutNone(options.payload) : null;
    let body: string | null = null;
    let query = '';
    if (payload && Object.keys(payload).length > 0) {
      body = JSON.stringify(payload); // querystring dropped
    } else {
      if (options.params && Object.keys(options.params).length > 0) query = encodeQuery(options.params);
      if (method !== 'GET') body = ''; // requests sends Content-Length: 0
    }
    if (body !== null) headers['Content-Length'] = String(Buffer.byteLength(body));
    const sep = path.includes('?') ? '&' : '?';
    const url = new URL(`${this.base()}${path}${query ? sep + query : ''}`);
    const reply = await send(url, method, headers, body, this.transcript);
    if (reply.status === 401) throw new PowerStoreHttpError(401, 'Access forbidden: Authentication required.', `${method} ${path}`);
    if ([200, 201, 202, 204, 206, 207].includes(reply.status)) {
      if (reply.status === 204) return { status: 204, body: null, headers: reply.headers };
      if (reply.status === 201 && reply.text === '') return { status: 201, body: null, headers: reply.headers };
      let parsed: unknown;
      try {
        parsed = JSON.parse(reply.text);
      } catch {
        throw new PowerStoreHttpError(reply.status, reply.text, `${method} ${path}: a ${reply.status} body that is not JSON`);
      }
      return { status: reply.status, body: parsed, headers: reply.headers };
    }
    let errorBody: unknown;
    try {
      errorBody = JSON.parse(reply.text);
    } catch {
      throw new PowerStoreHttpError(reply.status, reply.text, `${method} ${path}: an error body that is not JSON`);
    }
    throw new PowerStoreHttpError(reply.status, errorBody, `${method} ${path}`);
  }

  /** GET with `all_pages`: follows a 206 + content-range with Range requests of 2001 rows. */
  async get(path: string, params: Record<string, string> = {}, allPages = false, headers: Record<string, string> = {}): Promise<any> {
    const first = await this.request('GET', path, { params, headers });
    if (!allPages || first.status !== 206) return first.body;
    const range = headerString(first.headers, 'content-range');
    if (!range) return first.body;
    const total = Number(range.split('/')[1]);
    const rows = [...first.body];
    for (let i = 100; i < total; i += 2000) {
      const page = await this.request('GET', path, { params, headers: { ...headers, Range: `${i}-${i + 2000}` } });
      rows.push(...page.body);
    }
    return rows;
  }

  async arrayVersion(): Promise<string> {
    const sw = await this.get('/software_installed', { select: 'release_version' });
    return String(sw[0].release_version);
  }

  private async versionAtLeast(v: string): Promise<boolean> {
    const current = (await this.arrayVersion()).slice(0, 7);
    return current.localeCompare(v, undefined, { numeric: true }) >= 0;
  }

  // ---------------------------------------------------------------- configuration

  exchangeCertificate(body: { service: string; address: string; port?: number; username: string; password: string }) {
    return this.request('POST', '/x509_certificate/exchange', { payload: { ...body, port: body.port ?? 443 } });
  }

  // ---------------------------------------------------------------- protection

  async getRemoteSystemDetails(id: string) {
    await this.arrayVersion();
    return this.get(`/remote_system/${id}`, { select: RS_SELECT });
  }

  async createRemoteSystem(payload: Record<string, unknown>) {
    const created = await this.request('POST', '/remote_system', { payload });
    return this.getRemoteSystemDetails(created.body.id);
  }

  getRemoteSystems(filter: Record<string, string> = {}, allPages = false) {
    return this.get('/remote_system', { select: 'id,name', ...filter }, allPages);
  }

  async deleteRemoteSystem(id: string) {
    return (await this.request('DELETE', `/remote_system/${id}?is_async=true`)).body;
  }

  getReplicationRuleDetails(id: string) {
    return this.get(`/replication_rule/${id}`, { select: RULE_DETAILS_SELECT });
  }

  async createReplicationRule(args: { name: string; rpo: string; remote_system_id: string; alert_threshold?: number | null }) {
    const created = await this.request('POST', '/replication_rule', { payload: args });
    return this.getReplicationRuleDetails(created.body.id);
  }

  async deleteReplicationRule(id: string) {
    return (await this.request('DELETE', `/replication_rule/${id}`)).body;
  }

  getProtectionPolicyDetails(id: string) {
    return this.get(`/policy/${id}`, { select: POLICY_DETAILS_SELECT });
  }

  getProtectionPolicies(filter: Record<string, string> = {}, allPages = false) {
    return this.get('/policy', { type: 'eq.Protection', select: 'id,name', ...filter }, allPages);
  }

  async createProtectionPolicy(args: { name: string; description?: string | null; snapshot_rule_ids?: string[] | null; replication_rule_ids?: string[] | null }) {
    const created = await this.request('POST', '/policy', { payload: args });
    return this.getProtectionPolicyDetails(created.body.id);
  }

  async deleteProtectionPolicy(id: string) {
    return (await this.request('DELETE', `/policy/${id}`)).body;
  }

  getReplicationSessions(filter: Record<string, string> = {}, allPages = false) {
    return this.get('/replication_session', { select: 'id', ...filter }, allPages);
  }

  async getReplicationSessionDetails(id: string) {
    const select = (await this.versionAtLeast('3.0.0.0')) ? SESSION_DETAILS_SELECT_3X : SESSION_DETAILS_SELECT_OLD;
    return this.get(`/replication_session/${id}`, { select });
  }

  async syncReplicationSession(id: string) {
    return (await this.request('POST', `/replication_session/${id}/sync`)).body;
  }

  async pauseReplicationSession(id: string) {
    return (await this.request('POST', `/replication_session/${id}/pause`)).body;
  }

  async resumeReplicationSession(id: string) {
    return (await this.request('POST', `/replication_session/${id}/resume`)).body;
  }

  async failoverReplicationSession(id: string, isPlanned: boolean | null = null, reverse: boolean | null = null) {
    return (await this.request('POST', `/replication_session/${id}/failover`, { payload: { is_planned: isPlanned, reverse } })).body;
  }

  async reprotectReplicationSession(id: string) {
    return (await this.request('POST', `/replication_session/${id}/reprotect`)).body;
  }

  // ---------------------------------------------------------------- provisioning

  async createVolume(name: string, size: number, options: { description?: string; protection_policy_id?: string } = {}): Promise<null> {
    await this.request('POST', '/volume', { payload: { name, size, description: options.description, protection_policy_id: options.protection_policy_id } });
    return null; // PyPowerStore returns None: callers look the volume up by name
  }

  private async volumeSelect(): Promise<string> {
    // get_volume_by_name probes the version more than once (SW ×1–3).
    if (await this.versionAtLeast('4.0.0.0')) return VOLUME_SELECT_4X;
    await this.arrayVersion();
    return VOLUME_SELECT_3X;
  }

  async getVolumeByName(name: string): Promise<any[]> {
    const select = await this.volumeSelect();
    const volumes = await this.get('/volume', { select, name: `eq.${name}` });
    for (const v of volumes) v.hlu_details = await this.get('/host_volume_mapping', { select: HVM_SELECT, volume_id: `eq.${v.id}` });
    return volumes;
  }

  async getVolumeDetails(id: string) {
    const select = await this.volumeSelect();
    const v = await this.get(`/volume/${id}`, { select });
    v.hlu_details = await this.get('/host_volume_mapping', { select: HVM_SELECT, volume_id: `eq.${id}` });
    return v;
  }

  getVolumes(filter: Record<string, string> = {}, allPages = false) {
    return this.get('/volume', { select: 'id,name', ...filter }, allPages);
  }

  async removeProtectionPolicyForVolume(volumeId: string) {
    return (await this.request('PATCH', `/volume/${volumeId}`, { payload: { protection_policy_id: '' } })).body;
  }

  async deleteVolume(id: string) {
    return (await this.request('DELETE', `/volume/${id}`)).body;
  }

  async getJobDetails(id: string) {
    await this.arrayVersion();
    return this.get(`/job/${id}`, { select: JOB_SELECT });
  }
}

// ------------------------------------------------------------------------------ gopowerstore

export class GoPowerStoreClient {
  readonly transcript: Exchange[] = [];
  private token: string | null = null;
  private readonly jar = new Map<string, string>();

  constructor(
    private readonly apiUrl: string,
    private readonly username: string,
    private readonly password: string,
  ) {}

  private async send(method: string, pathAndQuery: string, body: unknown = undefined, retried = false): Promise<RawReply> {
    const headers: Record<string, string> = { Authorization: `Basic ${Buffer.from(`${this.username}:${this.password}`).toString('base64')}` };
    if (this.token) headers['DELL-EMC-TOKEN'] = this.token;
    if (this.jar.size > 0) headers.Cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const payload = body === undefined ? null : JSON.stringify(body);
    if (payload !== null) headers['Content-Length'] = String(Buffer.byteLength(payload));
    const reply = await send(new URL(`${this.apiUrl}${pathAndQuery}`), method, headers, payload, this.transcript);
    const cookie = cookieFrom(reply.headers, 'auth_cookie');
    if (cookie) this.jar.set('auth_cookie', cookie);
    if (reply.status >= 200 && reply.status < 300) {
      const token = headerString(reply.headers, 'DELL-EMC-TOKEN');
      if (token) this.token = token;
    }
    if (reply.status === 403 && !retried) {
      await this.login();
      return this.send(method, pathAndQuery, body, true);
    }
    return reply;
  }

  /** api.New() → login(): GET login_session with Basic auth and no select. */
  async login(): Promise<void> {
    const reply = await this.send('GET', '/login_session', undefined, true);
    if (reply.status !== 200) throw new PowerStoreHttpError(reply.status, reply.text, 'gopowerstore login');
    const body = JSON.parse(reply.text) as { id: string }[];
    if (!Array.isArray(body) || typeof body[0]?.id !== 'string') throw new Error(`gopowerstore login: unexpected body ${reply.text}`);
  }

  async query(method: string, pathAndQuery: string, body?: unknown): Promise<{ status: number; body: any; headers: RawReply['headers'] }> {
    const reply = await this.send(method, pathAndQuery, body);
    const parsed = reply.text ? JSON.parse(reply.text) : null;
    if (reply.status >= 400) throw new PowerStoreHttpError(reply.status, parsed, `${method} ${pathAndQuery}`);
    return { status: reply.status, body: parsed, headers: reply.headers };
  }

  /** readPaginatedData: order=name&offset=N&limit=L, next offset = last + 1 while 206. */
  async readPaginated(path: string, query: string, limit = 1000): Promise<{ rows: any[]; pages: number }> {
    const rows: any[] = [];
    let offset = 0;
    let pages = 0;
    for (;;) {
      const reply = await this.send('GET', `${path}?${query}&order=name&offset=${offset}&limit=${limit}`);
      if (reply.status === 416 && pages > 0) break;
      if (reply.status >= 400) throw new PowerStoreHttpError(reply.status, reply.text, `GET ${path} page at ${offset}`);
      pages++;
      rows.push(...(JSON.parse(reply.text) as unknown[]));
      if (reply.status !== 206) break;
      const m = /^(\d+)-(\d+)\/(\d+)$/.exec(headerString(reply.headers, 'content-range') ?? '');
      if (!m) break;
      offset = Number(m[2]) + 1;
      if (offset >= Number(m[3])) break;
    }
    return { rows, pages };
  }
}

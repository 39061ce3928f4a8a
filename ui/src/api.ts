// The console's calls: the same APIs automation uses, with the signed-in user's Basic credentials
// (kept for the tab in sessionStorage). PowerStore at /api/rest, ETERNUS at /api/v1 (a token from
// POST /api/v1/session), Tandem's own at /tandem/v1. A refusal throws ApiError carrying the
// dialect's own message, which the console shows as it is.

export interface Credentials {
  user: string;
  password: string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const STORAGE_KEY = 'tandem.console.credentials';

export function savedCredentials(): Credentials | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Credentials) : null;
  } catch {
    return null;
  }
}

export function saveCredentials(c: Credentials | null): void {
  if (c) sessionStorage.setItem(STORAGE_KEY, JSON.stringify(c));
  else sessionStorage.removeItem(STORAGE_KEY);
}

/** The message of an error answer in either dialect's shape or the control API's. */
export function dialectMessage(status: number, body: unknown, text: string): string {
  const b = body as { messages?: Array<{ message_l10n?: string; code?: string }>; message?: string; error?: string; error_code?: string } | undefined;
  const first = b?.messages?.[0];
  if (first?.message_l10n) return `${first.message_l10n} (${status}${first.code ? ` ${first.code}` : ''})`;
  if (b?.message) return `${b.message} (${status}${b.error_code ? ` ${b.error_code}` : b.error ? ` ${b.error}` : ''})`;
  return `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
}

export class Api {
  private eternusToken: string | null = null;

  constructor(readonly credentials: Credentials) {}

  get authorization(): string {
    return `Basic ${btoa(unescape(encodeURIComponent(`${this.credentials.user}:${this.credentials.password}`)))}`;
  }

  ps<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    return this.call(method, `/api/rest${path}`, body, this.authorization);
  }

  control<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    return this.call(method, `/tandem/v1${path}`, body, this.authorization);
  }

  /**
   * Signs in: opens an ETERNUS session (POST /api/v1/session, which the system records as an
   * Authentication audit event, so sign-ins show on the events page) and reads the overview.
   */
  async signIn(): Promise<void> {
    await this.openEternusSession();
    await this.control('GET', '/overview');
  }

  private async openEternusSession(): Promise<void> {
    const session = await this.call<{ token: string }>('POST', '/api/v1/session', { user_name: this.credentials.user, password: this.credentials.password }, null);
    this.eternusToken = session.token;
  }

  async et<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    if (!this.eternusToken) await this.openEternusSession();
    try {
      return await this.call(method, `/api/v1${path}`, body, `Bearer ${this.eternusToken}`);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) this.eternusToken = null;
      throw error;
    }
  }

  /** Follows an ETERNUS 202 job to its end (bounded); a failed job throws its message. */
  async etJob(answer: { job_id?: number | string }, timeoutMs = 15_000): Promise<void> {
    if (answer?.job_id === undefined) return;
    const untilMs = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.et<any>('GET', `/job/${answer.job_id}`);
      const state = String(job.status ?? job.state ?? '');
      if (/^(Success|Completed|COMPLETED)$/i.test(state)) return;
      if (/error|fail/i.test(state)) throw new ApiError(job.failed_resource_info_list?.[0]?.message ?? job.message ?? `job ${answer.job_id} ended with ${state}`, 422);
      if (Date.now() > untilMs) return;
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  private async call<T>(method: string, path: string, body: unknown, authorization: string | null): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (authorization) headers.authorization = authorization;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) throw new ApiError(dialectMessage(response.status, parsed, text), response.status);
    return parsed as T;
  }
}

// HTTPS calls of the operator commands: the PowerStore dialect (/api/rest) and the control API
// (/tandem/v1) of one system, with Basic auth. Certificates are self-signed, so they are not
// verified (as with curl -k). A refusal becomes a Refusal carrying the dialect's own message.
import { request } from 'node:https';
import type { Target } from './target.ts';

/** Seconds a call may take before the CLI gives up on the system. */
const CALL_TIMEOUT_MS = 120_000;

export class Refusal extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

export interface Answer {
  status: number;
  body: any;
  text: string;
}

export class TandemClient {
  constructor(readonly target: Target) {}

  /** PowerStore request; throws Refusal with the dialect's message on 4xx/5xx. */
  async ps(method: string, path: string, body?: unknown): Promise<any> {
    return this.ok(await this.call(method, `/api/rest${path}`, body));
  }

  async control(method: string, path: string, body?: unknown): Promise<any> {
    return this.ok(await this.call(method, `/tandem/v1${path}`, body));
  }

  async metricsText(): Promise<string | null> {
    const answer = await this.call('GET', '/metrics').catch(() => null);
    return answer && answer.status === 200 ? answer.text : null;
  }

  call(method: string, path: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(path, this.target.url);
    const authorization = `Basic ${Buffer.from(`${this.target.user}:${this.target.password}`).toString('base64')}`;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          rejectUnauthorized: false,
          timeout: CALL_TIMEOUT_MS,
          headers: { authorization, accept: 'application/json', ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = undefined;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              parsed = undefined;
            }
            resolve({ status: res.statusCode ?? 0, body: parsed, text });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${CALL_TIMEOUT_MS / 1000} s`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        const why = error.code === 'ECONNREFUSED' ? 'nothing listens there (is the lab running?)' : error.message;
        reject(new Refusal(`${this.target.name} (${this.target.url}) is not reachable: ${why}`, 0, null));
      });
      req.end(payload);
    });
  }

  private ok(answer: Answer): any {
    if (answer.status < 400) return answer.body;
    throw new Refusal(`${this.target.name}: ${dialectMessage(answer)}`, answer.status, answer.body);
  }
}

/** The message of an error answer in either dialect's shape, or the status line. */
export function dialectMessage(answer: Answer): string {
  const body = answer.body as { messages?: Array<{ message_l10n?: string; code?: string }>; message?: string; error?: string } | undefined;
  const first = body?.messages?.[0];
  if (first?.message_l10n) return `${first.message_l10n} (${answer.status}${first.code ? ` ${first.code}` : ''})`;
  if (body?.message) return `${body.message} (${answer.status}${body.error ? ` ${body.error}` : ''})`;
  return `HTTP ${answer.status}${answer.text ? `: ${answer.text.slice(0, 200)}` : ''}`;
}

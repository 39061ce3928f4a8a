// What every ETERNUS route needs: the services, the session table, the job table, the
// authenticated user of a request, and volume lookup by integer volume_id within what the user
// may see (a tenant user sees only the volumes of the tenant).
import type { FastifyRequest } from 'fastify';
import { NotFoundError, ValidationError, quote } from '../../core/errors.ts';
import type { User, Volume } from '../../core/model.ts';
import type { EternusServices } from './ports.ts';
import type { EternusSession, EternusSessions } from './auth.ts';
import type { EternusJobs, JobStep } from './jobs.ts';
import { ETERNUS_VOLUME_ID_MAX } from './limits.ts';
import { API_PREFIX } from './format.ts';

declare module 'fastify' {
  interface FastifyRequest {
    eternusUser?: User;
    eternusSession?: EternusSession;
  }
}

export class EternusApi {
  constructor(
    readonly services: EternusServices,
    readonly sessions: EternusSessions,
    readonly jobs: EternusJobs,
  ) {}

  user(request: FastifyRequest): User {
    return request.eternusUser!;
  }

  /** Volumes the user may see, in volume_id order. */
  visibleVolumes(user: User): Volume[] {
    const all = this.services.records.listShared('volume');
    return all.filter((v) => user.tenant === null || v.tenant === user.tenant);
  }

  /** Resolves a path volume_id; 400 if it is not an integer, 404 if absent or not visible. */
  volume(user: User, raw: string): Volume {
    const number = parseIntegerId('volume_id', raw, ETERNUS_VOLUME_ID_MAX);
    const volume = this.services.records.findShared('volumeByNumber', String(number))[0];
    if (!volume || (user.tenant !== null && volume.tenant !== user.tenant)) throw new NotFoundError('volume', raw);
    return volume;
  }

  /** Registers a job for the request (202 body); everything was checked by the caller. */
  submit(request: FastifyRequest, spec: { resourceType: string; action: string; resourceName?: string | null; continueOnError?: boolean; steps: JobStep[]; progressHrefs?: string[] }) {
    return this.jobs.submit({
      user: this.user(request),
      description: describe(request),
      resourceType: spec.resourceType,
      action: spec.action,
      resourceName: spec.resourceName ?? null,
      continueOnError: spec.continueOnError ?? false,
      steps: spec.steps,
      progressHrefs: spec.progressHrefs,
    });
  }
}

export function parseIntegerId(field: string, raw: string, max: number): number {
  if (!/^\d{1,15}$/.test(raw) || Number(raw) > max) throw new ValidationError(`${field} must be an integer in 0..${max}, got ${quote(raw)}`, field);
  return Number(raw);
}

/** The job description: request line plus body (§1.4), without secrets (no route here takes any). */
function describe(request: FastifyRequest): string {
  const body = request.body === undefined ? '' : ` ${JSON.stringify(request.body)}`;
  return `${request.method} ${request.url.startsWith(API_PREFIX) ? request.url : API_PREFIX + request.url}${body}`;
}

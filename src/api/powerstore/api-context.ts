// What every PowerStore route needs: the services, the resource registry, and the three response
// shapes (collection, instance, mutation) implemented once, so routes only translate fields.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError, type ResourceKind } from '../../core/errors.ts';
import type { Kind, User } from '../../core/model.ts';
import type { PowerStoreServices } from './ports.ts';
import type { LoginSession } from './auth.ts';
import { checkRoleMayMutate } from './auth.ts';
import { executeCollectionQuery, parseQuery, projectInstance, type ParsedQuery, type ResourceRegistry, type Row } from './query/index.ts';

declare module 'fastify' {
  interface FastifyRequest {
    powerstoreUser?: User;
    powerstoreSession?: LoginSession;
  }
}

export type MutationResult = { status: 201 | 200; body: Record<string, unknown> } | { status: 204 };

export interface MutationSpec {
  resourceType: string;
  action: string;
  resourceId?: string | null;
  resourceName?: string | null;
  area?: 'storage' | 'security';
}

export class PowerStoreApi {
  constructor(
    readonly services: PowerStoreServices,
    readonly registry: ResourceRegistry,
  ) {}

  query(request: FastifyRequest): ParsedQuery {
    const raw = request.url.includes('?') ? request.url.slice(request.url.indexOf('?') + 1) : '';
    const range = request.headers.range;
    return parseQuery(raw, { rangeHeader: typeof range === 'string' ? range : undefined });
  }

  list(request: FastifyRequest, reply: FastifyReply, resource: string, rows: readonly Row[]): unknown {
    const result = executeCollectionQuery(rows, resource, this.registry, this.query(request));
    reply.code(result.status);
    if (result.contentRange) reply.header('content-range', result.contentRange);
    return result.body;
  }

  instance(request: FastifyRequest, resource: string, row: Row): unknown {
    return projectInstance(row, resource, this.registry, this.query(request));
  }

  /** Resolves a path id, accepting the `name:<name>` form the spec allows. */
  resolveId(kind: Kind & ResourceKind, raw: string): string {
    if (raw.startsWith('name:')) {
      const name = raw.slice(5);
      const found = this.services.records.list(kind).find((o) => (o as { name?: string }).name === name);
      if (!found) throw new NotFoundError(kind, raw);
      return found.id;
    }
    if (!this.services.records.get(kind, raw)) throw new NotFoundError(kind, raw);
    return raw;
  }

  /**
   * Runs a state change. With is_async=true it becomes a job and answers 202 {id}; input was
   * already checked by the caller, so what can still fail shows in the job's outcome.
   */
  async mutate(request: FastifyRequest, reply: FastifyReply, spec: MutationSpec, work: () => Promise<MutationResult>): Promise<unknown> {
    const user = request.powerstoreUser!;
    checkRoleMayMutate(user, spec.area ?? 'storage');
    if (this.query(request).isAsync) {
      const job = this.services.jobs.submit(
        {
          resourceType: spec.resourceType,
          resourceAction: spec.action,
          resourceId: spec.resourceId ?? null,
          resourceName: spec.resourceName ?? null,
          description: `${spec.action} ${spec.resourceType}${spec.resourceName ? ` ${spec.resourceName}` : ''}`,
          user: user.name,
        },
        async () => {
          const result = await work();
          return result.status === 204 ? null : result.body;
        },
      );
      reply.code(202);
      return { id: job.id };
    }
    const result = await work();
    reply.code(result.status);
    return result.status === 204 ? reply.send() : result.body;
  }
}

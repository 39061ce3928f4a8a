// /job: the user's own jobs (research/eternus-api.md §1.4).
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../../core/errors.ts';
import type { EternusApi } from '../api-context.ts';
import { parseIntegerId } from '../api-context.ts';
import { readBody } from '../body.ts';
import { listEnvelope, parseListQuery, project } from '../query.ts';

type Id = { Params: { id: string } };

export function registerJobRoutes(app: FastifyInstance, api: EternusApi): void {
  app.get('/job', async (request) => {
    const query = parseListQuery(request.url);
    return listEnvelope(request.url, 'job', 'job_id', api.jobs.list(api.user(request)), query);
  });

  app.get<Id>('/job/:id', async (request) => {
    const query = parseListQuery(request.url, ['fields']);
    const number = parseIntegerId('job_id', request.params.id, Number.MAX_SAFE_INTEGER);
    const job = api.jobs.get(api.user(request), number);
    if (!job) throw new NotFoundError('job', request.params.id);
    return project(job, 'job_id', query.fields);
  });

  // The manual tells clients to delete finished jobs when the table is full; this is synchronous
  // (a job to delete a job would need room in the full table).
  app.delete<Id>('/job/:id', async (request, reply) => {
    readBody(request.body, {});
    const number = parseIntegerId('job_id', request.params.id, Number.MAX_SAFE_INTEGER);
    const removed = api.jobs.delete(api.user(request), number, (coreId) => api.services.jobs.forget(coreId));
    if (!removed) throw new NotFoundError('job', request.params.id);
    return reply.code(200).send();
  });
}

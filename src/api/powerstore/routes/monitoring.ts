// PowerStore's monitoring resources: alert (list, get, acknowledge), event and audit_event (list,
// get), with the query language like every collection. The records come from the system's event
// store (observe/event-store.ts), which the console's timeline reads too.
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../../../core/errors.ts';
import type { PowerStoreApi } from '../api-context.ts';
import { readBody } from '../body.ts';

type Id = { Params: { id: string } };

export function registerMonitoringRoutes(app: FastifyInstance, api: PowerStoreApi): void {
  const store = api.services.observe.events;
  app.get('/alert', async (request, reply) => api.list(request, reply, 'alert', store.listAlerts()));
  app.get<Id>('/alert/:id', async (request) => {
    const alert = store.alert(request.params.id);
    if (!alert) throw new NotFoundError('alert', request.params.id);
    return api.instance(request, 'alert', alert);
  });
  app.patch<Id>('/alert/:id', async (request, reply) => {
    const body = readBody(request.body, { is_acknowledged: 'boolean', acknowledged_severity: 'string?' }, ['is_acknowledged']);
    if (!store.alert(request.params.id)) throw new NotFoundError('alert', request.params.id);
    return api.mutate(request, reply, { resourceType: 'alert', action: 'modify', resourceId: request.params.id }, async () => {
      store.acknowledge(request.params.id, body.is_acknowledged);
      return { status: 204 };
    });
  });
  app.get('/event', async (request, reply) => api.list(request, reply, 'event', store.listEvents()));
  app.get<Id>('/event/:id', async (request) => {
    const event = store.listEvents().find((e) => e.id === request.params.id);
    if (!event) throw new NotFoundError('event', request.params.id);
    return api.instance(request, 'event', event);
  });
  app.get('/audit_event', async (request, reply) => api.list(request, reply, 'audit_event', store.listAudit()));
}

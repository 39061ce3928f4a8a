// Control API for ETERNUS tenants (admin only): PUT /volumes/{id}/tenant {"tenant": name|null}.
// The id is either dialect's: a PowerStore volume UUID or an ETERNUS integer volume_id.
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { ControlServices } from './ports.ts';
import type { ControlExtension } from './extension.ts';
import { controlRoute, SCHEMAS } from './schemas.ts';

export function tenantControl(): ControlExtension {
  return {
    registerRoutes(app, { services, requireAdmin }) {
      app.put<{ Params: { id: string } }>('/volumes/:id/tenant', controlRoute('admin', SCHEMAS.setTenant), async (request) => {
        requireAdmin(request);
        const body = request.body;
        if (typeof body !== 'object' || body === null || Array.isArray(body) || !Object.hasOwn(body, 'tenant')) {
          throw new ValidationError('The body is {"tenant": "<name>"} or {"tenant": null}.', 'tenant');
        }
        const extra = Object.keys(body).filter((k) => k !== 'tenant');
        if (extra.length > 0) throw new ValidationError(`Unknown properties: ${extra.join(', ')}.`, extra[0]);
        const volume = await services.volumes.setTenant(resolveVolumeId(services, request.params.id), (body as { tenant: unknown }).tenant);
        return { id: volume.id, volume_id: volume.number, name: volume.name, tenant: volume.tenant };
      });
    },
  };
}

/** A PowerStore UUID, or an ETERNUS volume_id (all digits). */
export function resolveVolumeId(services: Pick<ControlServices, 'records' | 'volumes'>, raw: string): string {
  if (/^\d+$/.test(raw)) {
    const found = services.records.listShared('volume').find((v) => v.number === Number(raw));
    if (!found) throw new NotFoundError('volume', raw);
    return found.id;
  }
  return services.volumes.get(raw).id;
}

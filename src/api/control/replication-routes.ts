// Control API for replication: the peer half of certificate exchange, and fault injection
// (DESIGN.md §8): faults on the peer link, and failing host writes. Admin only.
import { DomainError, NotFoundError } from '../../core/errors.ts';
import type { PeerFault } from '../../core/faults.ts';
import type { ExchangeOffer } from '../../core/replication/commands.ts';
import type { ControlExtension } from './extension.ts';
import type { ControlReplication } from './ports.ts';
import { controlRoute, SCHEMAS } from './schemas.ts';
import { resolveVolumeId } from './tenant-routes.ts';

export function replicationControl({ remotes, peerFaults: faults, writeFaults, stopAbruptly }: ControlReplication): ControlExtension {
  return {
    registerRoutes(app, { requireAdmin, services }) {
      app.post('/peer/exchange', controlRoute('admin', SCHEMAS.peerExchange), async (request) => {
        requireAdmin(request);
        return remotes.acceptExchange(request.body as ExchangeOffer);
      });
      app.get('/faults', controlRoute('admin', SCHEMAS.listFaults), async (request) => {
        requireAdmin(request);
        const writes = writeFaults.list().map((f) => ({ id: f.id, kind: f.kind, volume_id: f.volumeId, count_remaining: f.remaining }));
        return [...faults.list(), ...writes];
      });
      app.post('/faults', controlRoute('admin', SCHEMAS.addFault), async (request, reply) => {
        requireAdmin(request);
        const body = (request.body ?? {}) as Record<string, unknown>;
        if (body.kind === 'stop') {
          // The system stops as a site failure would, once this answer has left.
          if (!stopAbruptly) throw new DomainError('VALIDATION_FAILED', 'This system does not run in a process of its own (it was started inside another program), so a stop fault cannot stop it.');
          services.observe.hub.emit({ kind: 'fault', action: 'added', id: 'stop', fault: { kind: 'stop' } });
          reply.raw.once('finish', () => setImmediate(stopAbruptly));
          return reply.code(202).send({ kind: 'stop' });
        }
        if (body.kind === 'write_error') {
          // The next `count` host writes (NBD WRITE) to the volume, or to any volume, fail with EIO.
          if (body.volume_id !== undefined && typeof body.volume_id !== 'string' && typeof body.volume_id !== 'number') throw new DomainError('VALIDATION_FAILED', 'volume_id is a volume id (PowerStore) or volume_id (ETERNUS).');
          const volumeId = body.volume_id === undefined ? null : resolveVolumeId(services, String(body.volume_id));
          const added = writeFaults.add(volumeId, typeof body.count === 'number' ? body.count : Number.NaN);
          services.observe.hub.emit({ kind: 'fault', action: 'added', id: added.id, fault: { kind: 'write_error', volume_id: volumeId, count: added.remaining } });
          return reply.code(201).send({ id: added.id });
        }
        let fault: PeerFault;
        if (body.kind === 'link_down') fault = { kind: 'link_down' };
        else if (body.kind === 'delay' && typeof body.delay_ms === 'number' && body.delay_ms > 0) fault = { kind: 'delay', delayMs: body.delay_ms };
        else if (body.kind === 'drop' && typeof body.fraction === 'number' && body.fraction > 0 && body.fraction <= 1) fault = { kind: 'drop', fraction: body.fraction };
        else if (body.kind === 'bandwidth' && typeof body.mibps === 'number') fault = { kind: 'bandwidth', mibps: body.mibps };
        else throw new DomainError('VALIDATION_FAILED', 'A fault is {"kind":"link_down"}, {"kind":"delay","delay_ms":N}, {"kind":"drop","fraction":0..1}, {"kind":"bandwidth","mibps":N}, {"kind":"write_error","count":N,"volume_id":V} or {"kind":"stop"}.');
        if (typeof body.peer_system_id === 'string') fault.peerSystemId = body.peer_system_id;
        const { id } = faults.add(fault);
        services.observe.hub.emit({ kind: 'fault', action: 'added', id, fault: { ...fault } });
        return reply.code(201).send({ id });
      });
      app.delete<{ Params: { id: string } }>('/faults/:id', controlRoute('admin', SCHEMAS.removeFault), async (request, reply) => {
        requireAdmin(request);
        const id = request.params.id;
        const removed: Record<string, unknown> | undefined = faults.list().find((f) => f.id === id) ?? (writeFaults.has(id) ? { kind: 'write_error' } : undefined);
        if (writeFaults.has(id)) writeFaults.remove(id);
        else if (!faults.remove(id)) throw new NotFoundError('fault', id);
        services.observe.hub.emit({ kind: 'fault', action: 'removed', id, fault: { ...removed } });
        return reply.code(204).send();
      });
    },
  };
}

// Control API for replication: the peer half of certificate exchange, and fault injection
// (DESIGN.md §8). Admin only.
import { DomainError, NotFoundError } from '../../core/errors.ts';
import type { FaultController, PeerFault } from '../../peer/faults.ts';
import type { RemoteSystemService } from '../../replication/remote-systems.ts';
import type { ExchangeOffer } from '../../replication/pairing-client.ts';
import type { ControlExtension } from './plugin.ts';

export function replicationControl(remotes: RemoteSystemService, faults: FaultController): ControlExtension {
  return {
    registerRoutes(app, { requireAdmin }) {
      app.post('/peer/exchange', async (request) => {
        requireAdmin(request);
        return remotes.acceptExchange(request.body as ExchangeOffer);
      });
      app.get('/faults', async (request) => {
        requireAdmin(request);
        return faults.list();
      });
      app.post('/faults', async (request, reply) => {
        requireAdmin(request);
        const body = (request.body ?? {}) as Record<string, unknown>;
        let fault: PeerFault;
        if (body.kind === 'link_down') fault = { kind: 'link_down' };
        else if (body.kind === 'delay' && typeof body.delay_ms === 'number' && body.delay_ms > 0) fault = { kind: 'delay', delayMs: body.delay_ms };
        else if (body.kind === 'drop' && typeof body.fraction === 'number' && body.fraction > 0 && body.fraction <= 1) fault = { kind: 'drop', fraction: body.fraction };
        else if (body.kind === 'bandwidth' && typeof body.mibps === 'number') fault = { kind: 'bandwidth', mibps: body.mibps };
        else throw new DomainError('VALIDATION_FAILED', 'A fault is {"kind":"link_down"}, {"kind":"delay","delay_ms":N}, {"kind":"drop","fraction":0..1} or {"kind":"bandwidth","mibps":N}.');
        if (typeof body.peer_system_id === 'string') fault.peerSystemId = body.peer_system_id;
        const { id } = faults.add(fault);
        return reply.code(201).send({ id });
      });
      app.delete<{ Params: { id: string } }>('/faults/:id', async (request, reply) => {
        requireAdmin(request);
        if (!faults.remove(request.params.id)) throw new NotFoundError('fault', request.params.id);
        return reply.code(204).send();
      });
    },
  };
}

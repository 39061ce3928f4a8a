// /storagesystem (Box ID, firmware, remote copy licence) and /tpp (Tandem's one thin pool).
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../../core/errors.ts';
import type { EternusApi } from '../api-context.ts';
import { parseIntegerId } from '../api-context.ts';
import { API_PREFIX, capacityMb, formatStorageSystem, TPP_ID, TPP_NAME } from '../format.ts';
import { listEnvelope, parseListQuery, project } from '../query.ts';

type Id = { Params: { id: string } };

export function registerSystemRoutes(app: FastifyInstance, api: EternusApi): void {
  app.get('/storagesystem', async (request) => {
    const query = parseListQuery(request.url, ['fields']);
    return project(formatStorageSystem(api.services.identity), 'boxid', query.fields);
  });

  const tpp = () => {
    const volumes = api.services.records.listShared('volume');
    return {
      tpp_id: TPP_ID,
      tpp_href: `${API_PREFIX}/tpp/${TPP_ID}`,
      name: TPP_NAME,
      status: 'Available',
      provisioned_capacity: capacityMb(volumes.reduce((sum, v) => sum + v.sizeBytes, 0)),
      used_capacity: capacityMb(api.services.engine.stats().liveBytes),
    };
  };
  app.get('/tpp', async (request) => listEnvelope(request.url, 'tpp', 'tpp_id', [tpp()], parseListQuery(request.url)));
  app.get<Id>('/tpp/:id', async (request) => {
    const query = parseListQuery(request.url, ['fields']);
    if (parseIntegerId('tpp_id', request.params.id, Number.MAX_SAFE_INTEGER) !== TPP_ID) throw new DomainError('NOT_FOUND', `tpp_id ${request.params.id} does not exist`);
    return project(tpp(), 'tpp_id', query.fields);
  });
}

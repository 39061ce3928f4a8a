// /copysession, /copysession/rec and the REC actions (research/eternus-api.md §2, seed 003), and
// the volume views of copy relations (§2.3), over the core's replication sessions. Registered as
// an EternusExtension by the composition root.
//
// Order of a mutation: policy and tenant (403), body and path (400/404), room in the job table
// (503), then the core operation itself, whose refusals (409 state, 400 modes, 503 peer) are only
// known by attempting it and leave nothing changed; only then is a job registered (202). The job
// records the operation; a normal suspend of a Consistency session goes on after its job, which
// names the session in progress_href_list (§2.6), so the source box first makes sure the remote
// box answers: a suspend that cannot ship its last cycle is refused instead of "succeeding".
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ForbiddenError, StateError, ValidationError, quote } from '../../../core/errors.ts';
import type { User } from '../../../core/model.ts';
import type { RecoveryMode, SplitMode, TransferMode } from '../../../core/replication/model.ts';
import { checkRecAction } from '../../../core/replication/rules.ts';
import { checkEnum } from '../../../core/validate.ts';
import type { EternusApi } from '../api-context.ts';
import { parseIntegerId } from '../api-context.ts';
import type { EternusRouteConfig } from '../auth.ts';
import { readBody } from '../body.ts';
import { copySessionByNumber, copySessionHref, copySessions, formatCopySession, formatVolumeCopySession, type CopySession } from '../copysession-format.ts';
import { ETERNUS_VOLUME_ID_MAX } from '../limits.ts';
import { listEnvelope, parseListQuery, project } from '../query.ts';
import type { EternusExtension } from '../plugin.ts';

type Id = { Params: { id: string } };

const TRANSFER_MODES = ['Synchronous', 'Stack', 'Consistency', 'Through'] as const;
const SPLIT_MODES = ['Automatic', 'Manual'] as const;
const RECOVERY_MODES = ['Automatic', 'Manual'] as const;
/** Copy session ids (the vendor's range is not documented). */
const COPYSESSION_ID_MAX = 2 ** 31 - 1;
/** Every REC mutation needs this policy, checked by the plugin's hook before anything else (403). */
const COPY_SESSION_ROUTE = { config: { policy: 'Copy_Session_Management' } satisfies EternusRouteConfig };

export function copySessionExtension(): EternusExtension {
  return { registerRoutes: (app, api) => registerCopySessionRoutes(app, api) };
}

export function registerCopySessionRoutes(app: FastifyInstance, api: EternusApi): void {
  const { services } = api;
  const { replication } = services;

  const byNumber = (raw: string): CopySession => {
    const number = parseIntegerId('copysession_id', raw, COPYSESSION_ID_MAX);
    const c = copySessionByNumber(services, number);
    if (!c) throw new DomainError('NOT_FOUND', `copysession_id ${raw} does not exist`, { kind: 'replication_session', id: raw });
    return c;
  };
  /** Tenant users act only on sessions whose volume on this box belongs to their tenant (for a group member: every member's). */
  const requireLocalTenant = (user: User, c: CopySession) => {
    if (user.tenant === null) return;
    for (const volumeId of c.member ? c.session.elementPairs.map((p) => p.localVolumeId) : [c.localVolumeId]) {
      const v = services.records.get('volume', volumeId);
      if (v?.tenant !== user.tenant) throw new ForbiddenError(`copy session ${c.number}: ${c.member ? `volume ${v?.name ?? volumeId} of its volume group` : 'the local volume'} does not belong to tenant ${user.tenant}`);
    }
  };
  /**
   * A group member is suspended and resumed with its whole group; everything else about the group
   * (modes, direction, deletion) is the PowerStore dialect's, where the group is one session.
   */
  const requireVolumeSession = (c: CopySession, action: string) => {
    if (!c.member) return;
    const group = services.records.get('volume_group', c.session.localResourceId);
    throw new StateError(
      `Cannot ${action} copy session ${c.number}: it is a member of the replication session of volume group ${group?.name ?? c.session.localResourceId}, which is managed through the PowerStore dialect (replication_session ${c.session.id}); suspend and resume act on all its members`,
      'replication_session',
      c.session.id,
    );
  };
  /** The copy sessions an action on `c` acts on: itself, or every member of its group. */
  const actedOn = (c: CopySession): string[] => (c.member ? copySessions(services).filter((x) => x.session.id === c.session.id).map(copySessionHref) : [copySessionHref(c)]);
  const refuseTenant = (user: User, what: string) => {
    if (user.tenant !== null) throw new ForbiddenError(`tenant users cannot ${what} REC sessions`);
  };
  const done = (s: { number: number }) => async () => [copySessionHref(s)];
  /** A 202 with the job of one action on one session, done once the core call made before it returned. */
  const submitDone = (request: FastifyRequest, reply: FastifyReply, action: string, c: CopySession, operation: string) =>
    reply.code(202).send(api.submit(request, { resourceType: 'copysession', action, steps: [{ operation, resourceHref: copySessionHref(c), run: async () => actedOn(c) }] }));
  /**
   * A normal suspend on the source box ships a last cycle, which needs the remote box. Boxes learn
   * of a lost link from heartbeats or a failed call, so a suspend right after the link went down
   * would be accepted and fail in its job (or, for Consistency, after its job's Success). One ping
   * first: a link failure halts the session at once, and the request gets the same 409 as any
   * halted session; a peer that does not answer otherwise is 503 0150. No job, nothing changed.
   */
  const requireLinkForNormalSuspend = async (c: CopySession) => {
    const s = c.session;
    checkRecAction(s, 'suspend', { force: false, backlog: replication.hasBacklog(s) }); // state first (409)
    if (s.role !== 'Source') return; // the destination box forwards the request, which fails 503 by itself
    try {
      await replication.pingPeer(s.peerSystemId);
    } catch (error) {
      const now = replication.get(s.id);
      checkRecAction(now, 'suspend', { force: false, backlog: replication.hasBacklog(now) });
      const reason = error instanceof Error ? error.message : String(error);
      throw new DomainError('PEER_UNREACHABLE', `a normal suspend of copy session ${c.number} needs the remote box, which did not answer (${reason}); use is_forced`);
    }
  };

  // ---- reads

  app.get('/copysession', async (request) => {
    const query = parseListQuery(request.url, ['fields', 'last_get_id', 'copysession_id']);
    const filter = idList(request.url, 'copysession_id');
    const items = copySessions(services)
      .filter((c) => filter === null || filter.includes(c.number))
      .map((c) => formatCopySession(services, c));
    return listEnvelope(request.url, 'copysession', 'copysession_id', items, query);
  });

  app.get<Id>('/copysession/:id', async (request) => {
    const query = parseListQuery(request.url, ['fields']);
    return project(formatCopySession(services, byNumber(request.params.id)), 'copysession_id', query.fields);
  });

  const volumeItems = (user: User) =>
    copySessions(services)
      .map((c) => ({ c, v: services.records.get('volume', c.localVolumeId) }))
      .filter(({ v }) => v && (user.tenant === null || v.tenant === user.tenant))
      .map(({ c }) => formatVolumeCopySession(services, c));

  app.get('/volume/copysession', async (request) => {
    const query = parseListQuery(request.url, ['fields', 'last_get_id', 'volume_id', 'is_copy_source_volume']);
    const ids = idList(request.url, 'volume_id');
    const sourceRaw = new URLSearchParams(request.url.split('?')[1] ?? '').get('is_copy_source_volume');
    if (sourceRaw !== null && sourceRaw !== 'true' && sourceRaw !== 'false') throw new ValidationError(`is_copy_source_volume must be true or false, got ${quote(sourceRaw)}`, 'is_copy_source_volume');
    const items = volumeItems(api.user(request)).filter(
      (i) => (ids === null || ids.includes(i.volume_id as number)) && (sourceRaw === null || i.is_copy_source_volume === (sourceRaw === 'true')),
    );
    return listEnvelope(request.url, 'copysession', 'volume_id', items, query);
  });

  app.get<Id>('/volume/:id/copysession', async (request) => {
    const volume = api.volume(api.user(request), request.params.id);
    const items = volumeItems(api.user(request)).filter((i) => i.volume_id === volume.number);
    return listEnvelope(request.url, 'copysession', 'volume_id', items, parseListQuery(request.url));
  });

  // ---- create

  app.post('/copysession/rec', COPY_SESSION_ROUTE, async (request, reply) => {
    const user = api.user(request);
    refuseTenant(user, 'create');
    const body = readBody(
      request.body,
      {
        source_volume_id: 'integer',
        destination_volume_id: 'integer',
        source_boxid: 'string',
        destination_boxid: 'string',
        transfer_mode: 'string',
        split_mode: 'string',
        recovery_mode: 'string',
      },
      ['source_volume_id', 'destination_volume_id', 'source_boxid', 'destination_boxid'],
    );
    for (const field of ['source_volume_id', 'destination_volume_id'] as const) {
      if (body[field]! < 0 || body[field]! > ETERNUS_VOLUME_ID_MAX) throw new ValidationError(`${field} must be 0..${ETERNUS_VOLUME_ID_MAX}`, field);
    }
    // The vendor's default transfer mode is Synchronous (§2.4).
    const transferMode = checkEnum('transfer_mode', body.transfer_mode ?? 'Synchronous', TRANSFER_MODES) as TransferMode;
    const splitGiven = body.split_mode !== undefined ? (checkEnum('split_mode', body.split_mode, SPLIT_MODES) as SplitMode) : undefined;
    const recoveryMode = checkEnum('recovery_mode', body.recovery_mode ?? 'Automatic', RECOVERY_MODES) as RecoveryMode;
    if (splitGiven !== undefined && transferMode !== 'Synchronous') throw new ValidationError(`split_mode applies to synchronous transfer mode only, not ${transferMode}`, 'split_mode');
    // Synchronous without split_mode: Automatic Split, as ACM's swsrpstartsync -y defaults to
    // (research §3.2). Asynchronous sessions record Manual, which a later PATCH to Synchronous keeps (seed 003).
    const splitMode: SplitMode = transferMode === 'Synchronous' ? (splitGiven ?? 'Automatic') : 'Manual';
    // Either box may be asked (§2.4): the source box creates the session, the destination box
    // has the source box create it (rec-create-forward.ts). Each checks its own volume first.
    const localBox = services.identity.boxId;
    if (body.source_boxid !== localBox && body.destination_boxid !== localBox) throw new ValidationError(`neither source_boxid nor destination_boxid is this box (${localBox})`, 'source_boxid');
    if (body.source_boxid === body.destination_boxid) throw new ValidationError('source_boxid and destination_boxid name the same box; a REC copies to a remote box', 'destination_boxid');
    const onSource = body.source_boxid === localBox;
    const remoteField = onSource ? 'destination_boxid' : 'source_boxid';
    const rs = services.remotes.list().find((r) => r.boxId === body[remoteField]);
    if (!rs) throw new ValidationError(`${remoteField} ${body[remoteField]} is not a remote box paired with this one`, remoteField);
    const volume = api.volume(user, String(onSource ? body.source_volume_id : body.destination_volume_id));
    api.jobs.checkRoom();
    const session = onSource
      ? await replication.createRec({ localVolumeId: volume.id, remoteSystemId: rs.id, destinationVolumeNumber: body.destination_volume_id!, transferMode, splitMode, recoveryMode })
      : await replication.createRecOnSourceBox(rs.peerSystemId, {
          sourceVolumeNumber: body.source_volume_id!,
          destinationVolumeNumber: body.destination_volume_id!,
          transferMode,
          splitMode,
          recoveryMode,
        });
    const answer = api.submit(request, {
      resourceType: 'copysession',
      action: 'create',
      steps: [
        {
          operation: `start advanced-copy -type rec -source-volume-number ${body.source_volume_id} -destination-volume-number ${body.destination_volume_id} -remote-boxid ${rs.boxId} -transfer-mode ${transferMode.toLowerCase()} -recovery-mode ${recoveryMode.toLowerCase()}`,
          resourceHref: null,
          run: done(session),
        },
      ],
    });
    return reply.code(202).send(answer);
  });

  // ---- modify

  app.patch<Id>('/copysession/:id', COPY_SESSION_ROUTE, async (request, reply) => {
    const user = api.user(request);
    const c = byNumber(request.params.id);
    requireLocalTenant(user, c);
    const body = readBody(request.body, { transfer_mode: 'string', split_mode: 'string', recovery_mode: 'string' });
    const change: { transferMode?: TransferMode; splitMode?: SplitMode; recoveryMode?: RecoveryMode } = {};
    if (body.transfer_mode !== undefined) change.transferMode = checkEnum('transfer_mode', body.transfer_mode, TRANSFER_MODES);
    if (body.split_mode !== undefined) change.splitMode = checkEnum('split_mode', body.split_mode, SPLIT_MODES);
    if (body.recovery_mode !== undefined) change.recoveryMode = checkEnum('recovery_mode', body.recovery_mode, RECOVERY_MODES);
    // Nothing to change is bad input, not a job that does nothing.
    if (Object.keys(change).length === 0) throw new ValidationError('give at least one of transfer_mode, split_mode, recovery_mode', 'transfer_mode');
    api.jobs.checkRoom();
    requireVolumeSession(c, 'modify');
    const modes = await replication.recModify(c.session.id, change);
    return submitDone(request, reply, 'modify', c, `set advanced-copy-session -session-id ${c.number} -transfer-mode ${modes.transferMode.toLowerCase()} -recovery-mode ${modes.recoveryMode.toLowerCase()}`);
  });

  // ---- suspend, resume, reverse

  app.post<Id>('/copysession/:id/suspend', COPY_SESSION_ROUTE, async (request, reply) => {
    const user = api.user(request);
    const c = byNumber(request.params.id);
    const s = c.session;
    requireLocalTenant(user, c);
    const force = readBody(request.body, { is_forced: 'boolean' }).is_forced ?? false;
    api.jobs.checkRoom();
    // The vendor's single-session suspend cannot target a session in Through mode, forced or not
    // (research §2.6); the multi-session one can.
    if (s.transferMode === 'Through') throw new StateError(`Cannot suspend copy session ${c.number}: a session in Through mode is suspended with POST /copysession/suspend and is_forced.`, 'replication_session', s.id);
    if (!force) await requireLinkForNormalSuspend(c);
    const { completion } = await replication.recSuspend(s.id, force);
    // Consistency (PowerStore RPO sessions show as Consistency too): the job succeeds once the
    // suspend is under way; the session shows its end.
    const lags = (s.transferMode === 'Consistency' || s.transferMode === 'Asynchronous') && !force;
    if (lags) void completion.catch(() => undefined);
    const answer = api.submit(request, {
      resourceType: 'copysession',
      action: 'suspend',
      progressHrefs: lags ? actedOn(c) : [],
      steps: [
        {
          operation: `suspend advanced-copy-session -session-id ${c.number}${force ? ' -force' : ''}`,
          resourceHref: copySessionHref(c),
          run: async () => {
            if (!lags) await completion;
            return actedOn(c);
          },
        },
      ],
    });
    return reply.code(202).send(answer);
  });

  app.post('/copysession/suspend', COPY_SESSION_ROUTE, async (request, reply) => {
    const user = api.user(request);
    const body = readBody(request.body, { copysession_id_list: 'integer[]', is_forced: 'boolean' }, ['copysession_id_list']);
    const list = body.copysession_id_list!;
    if (list.length === 0) throw new ValidationError('copysession_id_list must name at least one copy session', 'copysession_id_list');
    if (new Set(list).size !== list.length) throw new ValidationError('copysession_id_list names a copy session twice', 'copysession_id_list');
    const copies = list.map((n) => byNumber(String(n)));
    for (const c of copies) requireLocalTenant(user, c);
    const force = body.is_forced ?? false;
    // Members of one volume group are suspended together: one step for the group, named by the
    // first of them in the list, however many of its members the list names.
    const steps = copies.filter((c, i) => copies.findIndex((x) => x.session.id === c.session.id) === i);
    const answer = api.submit(request, {
      resourceType: 'copysession',
      action: 'suspend',
      continueOnError: true,
      steps: steps.map((c) => ({
        operation: `suspend advanced-copy-session -session-id ${c.number}${force ? ' -force' : ''}`,
        resourceHref: copySessionHref(c),
        run: async () => {
          await (await replication.recSuspend(c.session.id, force)).completion;
          return actedOn(c);
        },
      })),
    });
    return reply.code(202).send(answer);
  });

  app.post<Id>('/copysession/:id/resume', COPY_SESSION_ROUTE, async (request, reply) => {
    const user = api.user(request);
    const c = byNumber(request.params.id);
    requireLocalTenant(user, c);
    readBody(request.body, {});
    api.jobs.checkRoom();
    await replication.recResume(c.session.id);
    return submitDone(request, reply, 'resume', c, `resume advanced-copy-session -session-id ${c.number}`);
  });

  app.post<Id>('/copysession/:id/reverse', COPY_SESSION_ROUTE, async (request, reply) => {
    const user = api.user(request);
    refuseTenant(user, 'reverse');
    const c = byNumber(request.params.id);
    readBody(request.body, {});
    api.jobs.checkRoom();
    requireVolumeSession(c, 'reverse');
    await replication.recReverse(c.session.id);
    return submitDone(request, reply, 'reverse', c, `reverse advanced-copy-session -session-id ${c.number}`);
  });

  // ---- delete

  app.delete<Id>('/copysession/:id', { config: { policy: 'Copy_Session_Management', query: ['is_forced'] } satisfies EternusRouteConfig }, async (request, reply) => {
    const user = api.user(request);
    refuseTenant(user, 'delete');
    const c = byNumber(request.params.id);
    const query = new URLSearchParams(request.url.split('?')[1] ?? '');
    for (const key of query.keys()) if (key !== 'is_forced') throw new ValidationError(`unknown query parameter ${key}`, key);
    const forcedRaw = query.get('is_forced');
    if (forcedRaw !== null && forcedRaw !== 'true' && forcedRaw !== 'false') throw new ValidationError(`is_forced must be true or false, got ${quote(forcedRaw)}`, 'is_forced');
    const force = readBody(request.body, { is_forced: 'boolean' }).is_forced ?? forcedRaw === 'true';
    api.jobs.checkRoom();
    requireVolumeSession(c, 'delete');
    await replication.recDelete(c.session.id, force);
    return submitDone(request, reply, 'delete', c, `stop advanced-copy -session-id ${c.number}${force ? ' -force' : ''}`);
  });
}

/** An array filter given as `name=1,2,3` (or repeated once); null when absent. */
function idList(url: string, name: string): number[] | null {
  const raw = new URLSearchParams(url.split('?')[1] ?? '').get(name);
  if (raw === null) return null;
  const parts = raw.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d{1,15}$/.test(p))) throw new ValidationError(`${name} must be a comma-separated list of integers, got ${quote(raw)}`, name);
  return parts.map(Number);
}

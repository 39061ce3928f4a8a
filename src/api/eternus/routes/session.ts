// /session: log in (or refresh), read and end one's own session (research/eternus-api.md §1.2).
import type { FastifyInstance } from 'fastify';
import { InvalidEnumError, NotFoundError } from '../../../core/errors.ts';
import type { EternusApi } from '../api-context.ts';
import { parseIntegerId } from '../api-context.ts';
import { ETERNUS_ROLES } from '../auth.ts';
import { readBody } from '../body.ts';
import { edgeError } from '../errors.ts';
import { parseListQuery, project } from '../query.ts';

type Id = { Params: { id: string } };
const GRANT_TYPES = ['password', 'refresh_token'] as const;

export function registerSessionRoutes(app: FastifyInstance, api: EternusApi): void {
  app.post('/session', async (request) => {
    const body = readBody(request.body, {
      grant_type: 'string',
      user_name: 'string',
      password: 'string',
      is_refresh_token_required: 'boolean',
      refresh_token: 'string',
    });
    const grantType = body.grant_type ?? 'password';
    if (!GRANT_TYPES.includes(grantType as never)) throw new InvalidEnumError('grant_type', grantType, GRANT_TYPES);
    if (grantType === 'refresh_token') {
      const stray = ['user_name', 'password', 'is_refresh_token_required'].filter((k) => (body as Record<string, unknown>)[k] !== undefined);
      if (stray.length > 0) throw edgeError('PARAMETER_COMBINATION', `${stray.join(', ')} with grant_type refresh_token`);
      const refreshToken = readBody(request.body, { grant_type: 'string', refresh_token: 'string' }, ['refresh_token']).refresh_token!;
      const session = api.sessions.refresh(refreshToken);
      return { session_id: session.id, token: session.token, lifetime: api.sessions.lifetimeSeconds(session), refresh_token: session.refreshToken };
    }
    if (body.refresh_token !== undefined) throw edgeError('PARAMETER_COMBINATION', 'refresh_token with grant_type password');
    const credentials = readBody(request.body, { grant_type: 'string', user_name: 'string', password: 'string', is_refresh_token_required: 'boolean' }, [
      'user_name',
      'password',
    ]);
    const session = api.sessions.login(credentials.user_name!, credentials.password!, credentials.is_refresh_token_required === true);
    // Who logged in, for the mutation log (the login itself is unauthenticated).
    request.eternusUser = api.services.users.get(session.userId) ?? undefined;
    const answer: Record<string, unknown> = { session_id: session.id, token: session.token, lifetime: api.sessions.lifetimeSeconds(session) };
    if (session.refreshToken) answer.refresh_token = session.refreshToken;
    return answer;
  });

  app.get<Id>('/session/:id', async (request) => {
    const session = ownSession(request.params.id, request.eternusSession!.id);
    const query = parseListQuery(request.url, ['fields']);
    const user = api.user(request);
    const item = {
      session_id: session,
      user_name: user.name,
      lifetime: api.sessions.lifetimeSeconds(request.eternusSession!),
      auth_list: [...ETERNUS_ROLES[user.role].policies],
    };
    return project(item, 'session_id', query.fields);
  });

  app.delete<Id>('/session/:id', async (request, reply) => {
    ownSession(request.params.id, request.eternusSession!.id);
    readBody(request.body, {});
    api.sessions.logout(request.eternusSession!);
    return reply.code(200).send();
  });
}

/** Only the session that owns the token can be read or ended; any other id is reported missing. */
function ownSession(raw: string, ownId: number): number {
  const id = parseIntegerId('session_id', raw, Number.MAX_SAFE_INTEGER);
  if (id !== ownId) throw new NotFoundError('session', raw);
  return id;
}

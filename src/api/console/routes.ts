// The console's reads on the control API: GET /tandem/v1/overview (once) and GET /tandem/v1/stream
// (the same, live). Every authenticated user may read them; what a tenant user sees is filtered in
// overview.ts. Everything the console changes goes through the dialects' own routes.
import { DomainError } from '../../core/errors.ts';
import type { ControlExtension } from '../control/extension.ts';
import { controlRoute } from '../control/schemas.ts';
import { CONSOLE_SCHEMAS } from './schemas.ts';
import { overview, type BacklogRates } from './overview.ts';
import type { ConsoleServices, ConsoleSources } from './ports.ts';
import { openStream, type OpenStreams } from './stream.ts';

export function consoleControl(services: ConsoleServices, sources: ConsoleSources): ControlExtension {
  return {
    registerRoutes(app, { authenticate }) {
      const streams: OpenStreams = new Set();
      const rates: BacklogRates = new Map();
      // An open stream would hold the server's close (it never goes idle): end them first.
      app.addHook('preClose', async () => {
        for (const end of [...streams]) end();
      });
      app.get('/overview', controlRoute('user', CONSOLE_SCHEMAS.overview), async (request) => overview(services, sources, authenticate(request), rates));
      app.get('/stream', controlRoute('user', CONSOLE_SCHEMAS.stream), async (request, reply) => {
        const user = authenticate(request);
        if (!openStream(services, sources, rates, user, reply, streams)) throw new DomainError('OPERATION_IN_PROGRESS', 'Too many console streams are open on this system; close a console tab.');
      });
    },
  };
}

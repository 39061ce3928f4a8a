// What a control API extension receives: its own file, so that the extensions and the plugin that
// registers them do not import each other.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { User } from '../../core/model.ts';
import type { ControlServices } from './ports.ts';

export interface ControlExtension {
  registerRoutes(app: FastifyInstance, helpers: ControlHelpers): void;
}

export interface ControlHelpers {
  services: ControlServices;
  /** Authenticates with Basic auth and returns the user; throws 401. */
  authenticate(request: FastifyRequest): User;
  requireAdmin(request: FastifyRequest): User;
}

// One sentence for a request the control API's JSON schemas refuse, naming the property and what
// it must be, in the words the core's own checks use ("size_mb must be an integer in 1..N, got 0"),
// rather than Ajv's "body/size_mb must be >= 1". Needs Ajv's `verbose` option (http-server.ts),
// which puts the schema and the value into each error.
import type { FastifySchemaValidationError } from 'fastify';

interface VerboseError extends FastifySchemaValidationError {
  parentSchema?: { type?: unknown; minimum?: number; maximum?: number; properties?: Record<string, unknown>; enum?: unknown[] };
  data?: unknown;
}

export function schemaErrorMessage(errors: FastifySchemaValidationError[], dataVar: string): string {
  const error = errors[0] as VerboseError | undefined;
  if (!error) return `The ${dataVar} is not valid.`;
  const path = error.instancePath.split('/').filter(Boolean).join('.');
  const where = path === '' ? `The ${dataVar}` : path;
  const schema = error.parentSchema ?? {};
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${path === '' ? '' : `${path}.`}${String(params.missingProperty)} is required.`;
    case 'additionalProperties':
      return `Unknown property ${path === '' ? '' : `${path}.`}${String(params.additionalProperty)}${expected(schema)}.`;
    case 'enum':
      return `${where} must be one of ${(schema.enum ?? []).map((v) => JSON.stringify(v)).join(', ')}, got ${JSON.stringify(error.data)}.`;
    case 'type':
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      if (schema.type === 'integer' && schema.minimum !== undefined && schema.maximum !== undefined) {
        return `${where} must be an integer in ${schema.minimum}..${schema.maximum}, got ${JSON.stringify(error.data)}.`;
      }
      if (error.keyword === 'type' && path === '' && schema.properties) return `${where} must be a JSON object${expected(schema)}.`;
      return `${where} ${error.message ?? 'is not valid'}, got ${JSON.stringify(error.data)}.`;
    default:
      return `${where} ${error.message ?? 'is not valid'}.`;
  }
}

function expected(schema: VerboseError['parentSchema'] & object): string {
  const names = Object.keys(schema.properties ?? {});
  return names.length === 0 ? '' : ` (properties: ${names.join(', ')})`;
}

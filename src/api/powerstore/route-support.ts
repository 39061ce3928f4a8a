// What a PowerStore route does with the operation the 4.1 document describes, as its route
// `config` says; the PowerStore OpenAPI document Tandem serves (openapi/) marks each operation so,
// and test/api/powerstore-openapi.test.ts holds the document to the registered routes.
//   implemented: does what the operation does, for the attributes Tandem keeps (the default).
//   empty: a resource this system has none of (block storage only): an empty collection, 404 by id.
//   refused: answers, but only to refuse in PowerStore's error shape (405 or 422), naming why.
export type PowerStoreSupport = 'implemented' | 'empty' | 'refused';

declare module 'fastify' {
  interface FastifyContextConfig {
    powerstoreSupport?: PowerStoreSupport;
  }
}

export const EMPTY_ROUTE = { config: { powerstoreSupport: 'empty' } } as const;
export const REFUSED_ROUTE = { config: { powerstoreSupport: 'refused' } } as const;

export function supportOf(config: Readonly<Record<string, unknown>> | undefined): PowerStoreSupport {
  const mark = config?.powerstoreSupport;
  return mark === 'empty' || mark === 'refused' ? mark : 'implemented';
}

// The layer rules of DESIGN.md §2, checked in CI (.ci/run): no import cycles (type-only imports
// included), core depends on nothing else of the project but src/limits.ts (named constants that
// import nothing), and the APIs (both vendor dialects and Tandem's control API) reach replication,
// the data engine, the metadata store and the peer link only through core's ports, which the
// composition root (src/system.ts) hands each of them as its own narrow interface (api/*/ports.ts).
module.exports = {
  forbidden: [
    { name: 'no-cycle', severity: 'error', comment: 'An import cycle: split the shared part into a file both import.', from: {}, to: { circular: true } },
    { name: 'core-imports-nothing', severity: 'error', comment: 'core is pure domain: it may import only core and the named limits.', from: { path: '^src/core/' }, to: { path: '^src/', pathNot: '^src/(core/|limits\\.ts$)' } },
    { name: 'limits-is-a-leaf', severity: 'error', comment: 'src/limits.ts holds constants only: everything may import it, it imports nothing of the project.', from: { path: '^src/limits\\.ts$' }, to: { path: '^src/' } },
    {
      name: 'api-through-ports',
      severity: 'error',
      comment:
        'The APIs reach replication, the engine, the metadata store and the peer link only through core ports (core/replication/commands.ts, core/faults.ts, core/ports.ts, core/meta-store.ts), type-only imports included.',
      from: { path: '^src/api/' },
      to: { path: '^src/(replication|engine|meta|peer)/' },
    },
    {
      name: 'api-own-ports',
      severity: 'error',
      comment: 'Each API sees only its own ports (api/*/ports.ts), handed over by system.ts: never the whole Services bag or the composition root.',
      from: { path: '^src/api/' },
      to: { path: '^src/(services|system)\\.ts$' },
    },
    { name: 'no-tests-in-product', severity: 'error', comment: 'Product code does not import tests.', from: { path: '^src/', pathNot: '\\.test\\.ts$' }, to: { path: '(\\.test\\.ts$|^test/)' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$|/testing/' },
  },
};

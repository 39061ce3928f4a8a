// The layer rules of DESIGN.md §2, checked in CI (.ci/run): no import cycles (type-only imports
// included), core depends on nothing else of the project but src/limits.ts (named constants that
// import nothing), and the vendor dialects never touch the data engine, the metadata store or the
// peer link directly. Tandem's own control API drives the peer link's fault point (DESIGN §8).
module.exports = {
  forbidden: [
    { name: 'no-cycle', severity: 'error', comment: 'An import cycle: split the shared part into a file both import.', from: {}, to: { circular: true } },
    { name: 'core-imports-nothing', severity: 'error', comment: 'core is pure domain: it may import only core and the named limits.', from: { path: '^src/core/' }, to: { path: '^src/', pathNot: '^src/(core/|limits\\.ts$)' } },
    { name: 'limits-is-a-leaf', severity: 'error', comment: 'src/limits.ts holds constants only: everything may import it, it imports nothing of the project.', from: { path: '^src/limits\\.ts$' }, to: { path: '^src/' } },
    { name: 'api-not-engine', severity: 'error', comment: 'The APIs reach the engine and the metadata store only through core ports.', from: { path: '^src/api/' }, to: { path: '^src/(engine|meta)/' } },
    { name: 'dialects-not-peer', severity: 'error', comment: 'The vendor dialects never touch the peer link; replication does.', from: { path: '^src/api/(powerstore|eternus)/' }, to: { path: '^src/peer/' } },
    { name: 'no-tests-in-product', severity: 'error', comment: 'Product code does not import tests.', from: { path: '^src/', pathNot: '\\.test\\.ts$' }, to: { path: '(\\.test\\.ts$|^test/)' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '\\.test\\.ts$|/testing/' },
  },
};

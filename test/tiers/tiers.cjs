/**
 * Which test file runs in which tier. Every *.test.ts under test/, src/ and workers/ belongs to
 * exactly one (test/tiers/tiers.test.ts fails otherwise). Patterns use `*` and `**` only.
 *
 * - unit: no PostgreSQL, Redis or service; deciders, parsers, envelopes, and the HTTP framework
 *   over in-process test routes.
 * - integration: real PostgreSQL and Redis, no HTTP service: event store, projections, handlers, workers.
 * - e2e: the service over HTTP (in-process as `npm start` wires it, or as real processes).
 */
module.exports = {
  unit: [
    'test/tiers/*.test.ts',
    'test/commands/*-decider.test.ts',
    'test/api/*.test.ts',
    'test/gateway/**/*.test.ts',
    'test/wechat/**/*.test.ts',
    'test/bench/**/*.test.ts',
    'test/eventstore/eventstoredb-mapping.test.ts',
  ],
  integration: [
    'test/commands/*-handler.test.ts',
    'test/commands/handle.test.ts',
    'test/eventstore/postgres*.test.ts',
    'test/eventstore/eventstoredb.test.ts',
    'test/projections/**/*.test.ts',
    'test/workers/**/*.test.ts',
    'test/runtime/database-sessions.test.ts',
  ],
  e2e: [
    'test/api/insight/**/*.test.ts',
    'test/api/v1/**/*.test.ts',
    'test/laravel/**/*.test.ts',
    'test/licenses/**/*.test.ts',
    'test/wxcomponent/**/*.test.ts',
    'test/runtime/startup.test.ts',
    'test/runtime/entry-point*.test.ts',
  ],
  /** Where test files are looked for, whatever tier they are in: a file found here in no tier fails the guard. */
  discovered: ['test/**/*.test.ts', 'src/**/*.test.ts', 'workers/**/*.test.ts'],
};

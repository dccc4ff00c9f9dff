/**
 * Which test file runs in which tier. Every *.test.ts under test/ and src/ belongs to
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
    'test/jobs/dependency-direction.test.ts',
    'test/commands/*-decider.test.ts',
    'test/api/content-encoding.test.ts',
    'test/api/envelopes.test.ts',
    'test/api/read-model-door.test.ts',
    'test/api/failure-classification.test.ts',
    'test/api/logging.test.ts',
    'test/api/multipart.test.ts',
    'test/api/operations.test.ts',
    'test/api/outage-log.test.ts',
    'test/api/request-path.test.ts',
    'test/api/request-validation.test.ts',
    'test/api/route-definition.test.ts',
    'test/api/server.test.ts',
    'test/api/surface-before-hook.test.ts',
    'test/api/surface-routing.test.ts',
    'test/api/unstorable-input.test.ts',
    'test/commands/client-network.test.ts',
    'test/commands/time-ordered-ids.test.ts',
    'test/commands/domain-words.test.ts',
    'test/commands/files-thumbnail.test.ts',
    'test/observability/**/*.test.ts',
    'test/runtime/compose.test.ts',
    'test/runtime/config-defaults.test.ts',
    'test/runtime/readme-configuration.test.ts',
    'test/gateway/**/*.test.ts',
    'test/wechat/**/*.test.ts',
    'test/secrets/*.test.ts',
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
    'test/jobs/queued-options.test.ts',
    'test/runtime/database-sessions.test.ts',
  ],
  e2e: [
    'test/api/fuzz.test.ts',
    'test/api/openapi-served.test.ts',
    'test/api/path-variants.test.ts',
    'test/api/sign-in-lockout.test.ts',
    'test/api/idempotency-key.test.ts',
    'test/api/faults.test.ts',
    'test/cli/**/*.test.ts',
    'test/compat/**/*.test.ts',
    'test/api/insight/**/*.test.ts',
    'test/api/v1/**/*.test.ts',
    'test/laravel/**/*.test.ts',
    'test/licenses/**/*.test.ts',
    'test/wxcomponent/**/*.test.ts',
    'test/runtime/startup.test.ts',
    'test/runtime/entry-point*.test.ts',
    'test/console/**/*.test.ts',
  ],
  /** Where test files are looked for, whatever tier they are in: a file found here in no tier fails the guard. */
  discovered: ['test/**/*.test.ts', 'src/**/*.test.ts'],
};

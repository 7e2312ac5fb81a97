import { configDefaults, defineConfig } from 'vitest/config';
import { LongestFirst } from './test/support/sequencer.js';

/**
 * Three tiers; CI runs all three (`npm run test:all` does the same):
 * - `npm test`, the everyday tier (about two minutes on two cores): unit, integration (contract
 *   included) and infra.
 * - `npm run test:e2e`: the e2e and browser projects, the whole system over HTTP and in Chromium,
 *   and the generated suites; four to five minutes on two cores.
 * - `npm run test:system`, the process-level tier: each file runs `npm start` as a person does,
 *   several times, and stops, kills or pauses it (a JVM start for DynamoDB Local each, seconds of
 *   CPU on two cores), and times how fast it fails closed: run alone, one file at a time, so that
 *   the other files' load does not decide those figures.
 */
const SYSTEM_TESTS = [
  'test/e2e/process-lifecycle.test.ts',
  'test/e2e/crash-recovery.test.ts',
  'test/e2e/npm-start.test.ts',
];

/** Tests against the run's one DynamoDB Local (started once, shared by every project that names it). */
const onDynamoLocal = {
  globalSetup: ['test/support/global-setup.ts'],
  setupFiles: ['test/support/setup-env.ts'],
};

export default defineConfig({
  test: {
    // CI asks for a JSON report as well, to print a plain "N passed, N failed" line.
    ...(process.env.VITEST_JSON
      ? { reporters: ['default', 'json'], outputFile: { json: process.env.VITEST_JSON } }
      : {}),
    // Most files wait on HTTP, DynamoDB Local or a browser more than they compute: more files at
    // once than cores (Vitest's default on two cores is one at a time). VITEST_MAX_WORKERS or
    // --maxWorkers overrides.
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS ?? 4),
    // The longest files first, whatever their project (see the sequencer).
    sequence: { sequencer: LongestFirst },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Property tests run thousands of cases: seconds of CPU that a busy machine stretches.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          // The handlers, services and data layer on DynamoDB Local (in process, through the local
          // gateway), and test/contract: LaunchDarkly's own API client against a local stack, the
          // acceptance check of API.md's "a LaunchDarkly client works here with only its base URL
          // changed".
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/contract/**/*.test.ts'],
          ...onDynamoLocal,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // The whole system: local stacks over HTTP with their streams, events and sweepers, the
          // CLI, and the generated suites (the authorization matrix from the route table, the fuzz
          // of every route, the model-based sequences): `npm run test:e2e`, with the browser tier.
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...SYSTEM_TESTS],
          ...onDynamoLocal,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // The console in a real browser (Debian's Chromium driven by playwright-core) against a local stack.
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          ...onDynamoLocal,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // The deployed bundles (test/infra/bundles.test.ts) are loaded by Node as they are built.
          server: { deps: { external: [/\/deployed-bundles-[^/]+\//] } },
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        test: {
          // Each stack here starts its own DynamoDB Local, on a data folder of its own.
          name: 'system',
          include: SYSTEM_TESTS,
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});

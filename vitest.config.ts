import { configDefaults, defineConfig } from 'vitest/config';
import { LongestFirst } from './test/support/sequencer.js';

/**
 * The process-level tier, `npm run test:system` (CI runs it after `npm test`): each file runs
 * `npm start` as a person does, several times, and stops, kills or pauses it (a JVM start for
 * DynamoDB Local each, seconds of CPU on two cores), and times how fast it fails closed: run alone,
 * one file at a time, so that the other files' load does not decide those figures. Every other
 * test file is in `npm test`.
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
          name: 'integration',
          // test/contract: LaunchDarkly's own API client against the local stack, the acceptance
          // check of API.md's "a LaunchDarkly client works here with only its base URL changed".
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/contract/**/*.test.ts'],
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

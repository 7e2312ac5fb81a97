/**
 * Bundle settings shared by the function construct (CDK's NodejsFunction) and bench/coldstart,
 * so the benchmark measures the bundles that are deployed.
 */
export const BUNDLE = {
  target: 'node22',
  mainFields: ['module', 'main'],
  // Some bundled CommonJS dependencies call require(); an ESM bundle has none of its own.
  banner:
    "import { createRequire as __createRequire } from 'module'; const require = __createRequire(import.meta.url);",
} as const;

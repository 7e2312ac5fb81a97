import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';

export const CONSOLE_STAND_IN = fileURLToPath(new URL('./console-build/', import.meta.url));

/**
 * An app for template tests: no bundling (test/infra/bundles.test.ts bundles every function the
 * app deploys, once), and without CDK's built-in CloudFormation rules, which only warn unless
 * `@aws-cdk/core:validateAgainstDefaultRules` is set and cost seconds of WASM per process
 * (`cdk synth` still runs them). cdk-nag's checks still run wherever a test adds them.
 */
export function templateApp(context: Record<string, unknown> = {}): App {
  return new App({
    builtinCloudFormationValidation: false,
    // The console's bucket gets a stand-in build (test/infra/console-build/), so that no test waits
    // for Vite and none fails on a checkout where `npm run build:console` has not run.
    context: { consoleBuildDir: CONSOLE_STAND_IN, ...context, 'aws:cdk:bundling-stacks': [] },
  });
}

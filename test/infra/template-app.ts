import { App } from 'aws-cdk-lib';

/**
 * An app for template tests: no bundling (test/infra/bundles.test.ts bundles every function the
 * app deploys, once), and without CDK's built-in CloudFormation rules, which only warn unless
 * `@aws-cdk/core:validateAgainstDefaultRules` is set and cost seconds of WASM per process
 * (`cdk synth` still runs them). cdk-nag's checks still run wherever a test adds them.
 */
export function templateApp(context: Record<string, unknown> = {}): App {
  return new App({
    builtinCloudFormationValidation: false,
    context: { ...context, 'aws:cdk:bundling-stacks': [] },
  });
}

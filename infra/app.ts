/**
 * The CDK app: `npx cdk deploy --all -c stage=dev|prod`. A stateful stack (tables, bus) and a
 * stateless stack (API, functions, alarms) per stage; cdk-nag's AWS Solutions checks run on synth.
 */
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ensureConsoleBuiltSync } from './console-build.js';
import { StatefulStack } from './stacks/stateful-stack.js';
import { StatelessStack } from './stacks/stateless-stack.js';
import { stageConfig } from './stage-config.js';

export function buildApp(app: App = new App()): {
  app: App;
  stateful: StatefulStack;
  stateless: StatelessStack;
} {
  // The stateless stack references the stateful stack's tables: keep the producer protected.
  if (app.node.tryGetContext('@aws-cdk/core:defaultCrossStackReferences') === undefined) {
    app.node.setContext('@aws-cdk/core:defaultCrossStackReferences', 'strong');
  }
  const config = stageConfig((key) => app.node.tryGetContext(key));
  const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
  const prefix = `AccessTokens-${config.stage}`;
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, config, {
    env,
    terminationProtection: config.stage === 'prod',
  });
  const stateless = new StatelessStack(app, `${prefix}-Stateless`, stateful, config, { env });
  Tags.of(app).add('service', 'access-tokens');
  Tags.of(app).add('stage', config.stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stateful, stateless };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The console's build is deployed with the stateless stack: never a stale or missing one.
  ensureConsoleBuiltSync();
  buildApp().app.synth();
}

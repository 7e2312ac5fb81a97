/**
 * The example consumer's CDK app:
 * `npx cdk deploy --app "npx tsx examples/revocation-consumer/app.ts" -c eventBusName=<EventBusName>`.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RevocationConsumerStack } from './stack.js';

const app = new App();
const eventBusName = app.node.tryGetContext('eventBusName');
if (typeof eventBusName !== 'string' || eventBusName === '') {
  throw new Error(
    "-c eventBusName=<name> is required: the access-token service's bus (its stateful stack's EventBusName output)",
  );
}
new RevocationConsumerStack(app, 'RevocationConsumer', { eventBusName });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();

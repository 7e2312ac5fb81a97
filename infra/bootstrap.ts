/**
 * First-run bootstrap of a deployment, run with the deployer's AWS credentials:
 *
 *   npm run bootstrap -- --stage prod --email owner@example.com [--account-id main] [--name "Acme"]
 *
 * Finds the stage's tables through the stateful stack's outputs, creates the account, its owner
 * and the owner's first token in one transaction, and prints the token once. On an account that
 * exists it changes nothing and prints no token.
 */

import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand, type Output } from '@aws-sdk/client-cloudformation';
import { TABLE_ENV, type TableId } from '../shared/data/tables.js';
import { bootstrapAccount } from '../shared/services/bootstrap.js';

export class BootstrapError extends Error {}

/** The stateful stack's table outputs as the environment the functions read. */
export function tableEnvironmentFromOutputs(outputs: readonly Output[]): Record<string, string> {
  const byKey = new Map(outputs.map((o) => [o.OutputKey, o.OutputValue]));
  const env: Record<string, string> = {};
  for (const [tableId, variable] of Object.entries(TABLE_ENV) as [TableId, string][]) {
    const value = byKey.get(variable.replace(/_/g, ''));
    if (!value)
      throw new BootstrapError(
        `the stack has no output for the ${tableId} table (${variable}); was it deployed from this version?`,
      );
    env[variable] = value;
  }
  return env;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string', default: 'dev' },
      email: { type: 'string' },
      'account-id': { type: 'string', default: 'main' },
      name: { type: 'string', default: 'Main account' },
    },
  });
  if (!values.email) throw new BootstrapError('--email <owner email> is required');
  const stackName = `AccessTokens-${values.stage}-Stateful`;
  const cloudFormation = new CloudFormationClient({});
  let outputs: Output[];
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    throw new BootstrapError(
      `could not read stack ${stackName}: ${(error as Error).message}. Deploy it first (npx cdk deploy --all -c stage=${values.stage}).`,
    );
  }
  Object.assign(process.env, tableEnvironmentFromOutputs(outputs));
  const result = await bootstrapAccount({
    accountId: values['account-id'],
    accountName: values.name,
    ownerEmail: values.email,
  });
  // Program output for the operator: the one place a deployment's first token is shown, once. Not a log.
  const say = (line: string) => process.stdout.write(`${line}\n`);
  if (result.created) {
    say(
      `Created account "${values['account-id']}" with owner ${values.email}. The owner token is shown this once; keep it:`,
    );
    say(`Owner token: ${result.ownerToken}`);
  } else {
    say(
      `Account "${values['account-id']}" already exists (owner ${result.ownerId}); nothing was changed and no token is shown.`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(
    error instanceof BootstrapError
      ? `bootstrap: ${error.message}`
      : `bootstrap failed: ${(error as Error).message}`,
  );
  process.exit(1);
});

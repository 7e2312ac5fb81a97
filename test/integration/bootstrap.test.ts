import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTableNames, tableEnvironment } from '../../infra/local/provision.js';
import { TABLE_ENV } from '../../shared/data/tables.js';
import { type CloudFormationStandIn, startCloudFormation, tableOutputs } from '../support/cloudformation.js';
import { runTsx } from '../support/run.js';

/**
 * The deployment bootstrap command, end to end: it reads the stack outputs from a server that
 * speaks CloudFormation's query protocol, and writes to the run's DynamoDB Local.
 */
let cloudFormation: CloudFormationStandIn;

beforeAll(async () => {
  const names = tableEnvironment(localTableNames(process.env.TEST_TABLE_PREFIX));
  cloudFormation = await startCloudFormation({ 'AccessTokens-prod-Stateful': tableOutputs(names) });
});

afterAll(() => {
  cloudFormation.close();
});

function runBootstrap(args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.endpoint,
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
  };
  for (const variable of Object.values(TABLE_ENV)) delete env[variable];
  return runTsx('infra/bootstrap.ts', args, env);
}

describe('the deployment bootstrap', () => {
  it('creates the account and prints the owner token once; a second run changes nothing', async () => {
    const accountId = `boot-${Date.now()}`;
    const args = ['--stage', 'prod', '--email', 'owner@example.com', '--account-id', accountId];
    const first = await runBootstrap(args);
    expect(first.code).toBe(0);
    const token = /Owner token: (atk_[0-9A-Za-z]{39})/.exec(first.output)?.[1];
    expect(token).toBeDefined();
    const second = await runBootstrap(args);
    expect(second.code).toBe(0);
    expect(second.output).toContain('already exists');
    expect(second.output).not.toContain('atk_');
    const { verifyToken } = await import('../../shared/services/verify-token.js');
    const verified = await verifyToken(token);
    expect(verified.ok && verified.principal.accountId).toBe(accountId);
  });

  it('says plainly what is missing', async () => {
    expect((await runBootstrap(['--stage', 'prod'])).output).toContain('--email');
    const missing = await runBootstrap(['--stage', 'dev', '--email', 'a@b.co']);
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('Deploy it first');
  });
});

import { readFileSync, statSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../infra/local/stack.js';
import { TABLE_ENV } from '../../shared/data/tables.js';
import { CliRunner, json } from '../support/cli-runner.js';
import { type CloudFormationStandIn, startCloudFormation, tableOutputs } from '../support/cloudformation.js';
import { startTestStack } from '../support/stack.js';

/**
 * `access-tokens bootstrap aws`, its success path end to end, without AWS: CloudFormation is a
 * server of the test's own that speaks its query protocol (the SDK reaches it through
 * AWS_ENDPOINT_URL_CLOUDFORMATION), naming a local stack's tables as the stateful stack's outputs
 * and the local stack's address as the stateless stack's ApiUrl. The command reads both, runs
 * the deployment script (a real child process, writing to the stack's DynamoDB Local), saves the
 * profile, and the saved profile then works against the API.
 */
const runner = new CliRunner();
const { cli, profileFile } = runner;
let stack: LocalStack;
let cloudFormation: CloudFormationStandIn;
let awsEnv: Record<string, string>;
const STAGE = 'qa';

beforeAll(async () => {
  ({ stack } = await startTestStack(0));
  const tables = Object.fromEntries(
    Object.values(TABLE_ENV).map((variable) => [variable, process.env[variable]!]),
  );
  cloudFormation = await startCloudFormation({
    // The stateful stack's outputs name the local stack's tables.
    [`AccessTokens-${STAGE}-Stateful`]: tableOutputs(tables),
    // The stateless stack's ApiUrl, nested under the construct as CDK names it.
    [`AccessTokens-${STAGE}-Stateless`]: { ServiceApiUrlB2853E42: `${stack.url}/` },
  });
  awsEnv = {
    AWS_ENDPOINT_URL_CLOUDFORMATION: cloudFormation.endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    // The "deployed" tables are on the run's DynamoDB Local.
    DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT!,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  // The command's own DescribeStacks runs in this process, with the SDK's usual configuration.
  Object.assign(process.env, awsEnv);
}, 60_000);

afterAll(async () => {
  cloudFormation?.close();
  await stack?.stop();
  runner.remove();
});

describe('bootstrap aws', () => {
  it('creates the account from the stacks, saves the profile, and the profile works; a second run creates nothing', async () => {
    const accountId = `aws-${Date.now()}`;
    const args = [
      'bootstrap',
      'aws',
      '--stage',
      STAGE,
      '--email',
      'owner@example.com',
      '--account-id',
      accountId,
    ];
    const first = await cli([...args, '--json'], { env: awsEnv });
    expect(first.code, first.stderr).toBe(0);
    const created = json(first);
    expect(created).toMatchObject({ created: true, url: stack.url, profile: STAGE });
    expect(created.ownerToken).toMatch(/^atk_[0-9A-Za-z]{39}$/);
    runner.knownSecrets.add(created.ownerToken);

    const file = JSON.parse(readFileSync(profileFile(), 'utf8'));
    expect(file).toEqual({
      current: STAGE,
      profiles: { [STAGE]: { url: stack.url, token: created.ownerToken } },
    });
    // Readable by its owner only: it holds the owner token.
    expect(statSync(profileFile()).mode & 0o777).toBe(0o600);

    // The saved profile (now the current one) calls the API as the new account's owner.
    const whoami = await cli(['whoami', '--json']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(json(whoami)).toMatchObject({ tokenName: 'Owner token', accountId });

    const second = await cli([...args, '--json'], { env: awsEnv });
    expect(second.code, second.stderr).toBe(0);
    expect(json(second)).toMatchObject({ created: false });
    expect(second.stdout).not.toMatch(/atk_/);
    expect(JSON.parse(readFileSync(profileFile(), 'utf8'))).toEqual(file);
    runner.expectNoStraySecrets(['bootstrap aws']);
  });

  it('names the stack it could not read, and saves nothing', async () => {
    const missing = await cli(['bootstrap', 'aws', '--stage', 'nosuch', '--email', 'o@example.com'], {
      env: awsEnv,
    });
    expect(missing.code).toBe(5);
    expect(missing.stderr).toContain('could not read stack AccessTokens-nosuch-Stateless');
    expect(JSON.parse(readFileSync(profileFile(), 'utf8')).profiles.nosuch).toBeUndefined();
  });
});

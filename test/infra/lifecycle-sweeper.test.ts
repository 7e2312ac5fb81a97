import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/app.js';
import {
  BY_ACTIVITY_INDEX,
  BY_INACTIVITY_POLICY_INDEX,
  BY_REMINDER_INDEX,
} from '../../shared/data/tables.js';
import { templateApp } from './template-app.js';

// The token lifecycle on AWS: the indexes the sweep reads, its schedule, and its grants (Query on
// those indexes only: no Scan, so a run reads what is due, not the table).
let stateful: Template;
let stateless: Record<string, any>;

beforeAll(() => {
  const { app, stateful: data, stateless: service } = buildApp(templateApp({ stage: 'prod' }));
  app.synth();
  stateful = Template.fromStack(data);
  stateless = Template.fromStack(service).toJSON();
});

const resources = (type: string) =>
  Object.entries(stateless.Resources as Record<string, any>).filter(([, r]) => r.Type === type);

const sweeper = () => resources('AWS::Lambda::Function').find(([id]) => id.includes('LifecycleSweeper'));

describe('the token lifecycle sweep on AWS', () => {
  it('the tokens table has the reminder, activity and inactivity-policy indexes', () => {
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        Match.objectLike({
          IndexName: BY_REMINDER_INDEX,
          KeySchema: [
            { AttributeName: 'reminderDay', KeyType: 'HASH' },
            { AttributeName: 'reminderAt', KeyType: 'RANGE' },
          ],
        }),
        Match.objectLike({
          IndexName: BY_ACTIVITY_INDEX,
          KeySchema: [
            { AttributeName: 'activityKey', KeyType: 'HASH' },
            { AttributeName: 'activityAt', KeyType: 'RANGE' },
          ],
        }),
        Match.objectLike({
          IndexName: BY_INACTIVITY_POLICY_INDEX,
          KeySchema: [
            { AttributeName: 'inactivityShard', KeyType: 'HASH' },
            { AttributeName: 'pk', KeyType: 'RANGE' },
          ],
        }),
      ]),
    });
  });

  it('runs every 15 minutes on an EventBridge schedule, without retries', () => {
    const [functionId] = sweeper()!;
    const rules = resources('AWS::Events::Rule').filter(([, r]) =>
      JSON.stringify(r.Properties.Targets).includes(functionId),
    );
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties.ScheduleExpression).toBe('rate(15 minutes)');
    expect(rule.Properties.Targets[0].RetryPolicy).toMatchObject({ MaximumRetryAttempts: 0 });
  });

  it('may Query only the lifecycle indexes, never Scan, and publish events', () => {
    const [, fn] = sweeper()!;
    const roleId = fn.Properties.Role['Fn::GetAtt'][0];
    const statements = resources('AWS::IAM::Policy')
      .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    expect(actions).not.toContain('dynamodb:Scan');
    const queried = statements
      .filter((s: any) => [s.Action].flat().includes('dynamodb:Query'))
      .map((s: any) => /\/index\/(\w+)/.exec(JSON.stringify(s.Resource))?.[1]);
    expect(queried.sort()).toEqual([BY_ACTIVITY_INDEX, BY_INACTIVITY_POLICY_INDEX, BY_REMINDER_INDEX].sort());
    expect(actions).toEqual(expect.arrayContaining(['events:PutEvents', 'dynamodb:UpdateItem']));
  });
});

import { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type IEventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import {
  BY_ACTIVITY_INDEX,
  BY_INACTIVITY_POLICY_INDEX,
  BY_REMINDER_INDEX,
} from '../../shared/data/tables.js';
import { LIFECYCLE_SWEEP_MINUTES } from '../../shared/domain/token-lifecycle.js';
import { type FunctionDefaults, NodeFunction } from './node-function.js';

export interface LifecycleSweeperProps {
  readonly tokens: ITable;
  readonly bus: IEventBus;
  readonly defaults: FunctionDefaults;
}

/**
 * The scheduled sweep of token lifecycles (shared/services/lifecycle-sweeper.ts): `Token Expiring`
 * reminders and revocation of inactive tokens. Each run reads only what is due, from three sparse
 * or bounded indexes, never the table; no retries of a run (the next one catches up).
 */
export class LifecycleSweeper extends Construct {
  readonly handler: NodeFunction;

  constructor(scope: Construct, id: string, props: LifecycleSweeperProps) {
    super(scope, id);
    const { tokens } = props;
    this.handler = new NodeFunction(this, 'Function', {
      ...props.defaults,
      entry: 'functions/lifecycle/handler.ts',
      description: 'Token expiry reminders and inactivity revocation',
      environment: { ...props.defaults.environment, EVENT_BUS_NAME: props.bus.eventBusName },
    });
    for (const index of [BY_REMINDER_INDEX, BY_ACTIVITY_INDEX, BY_INACTIVITY_POLICY_INDEX])
      this.handler.allow(tokens, ['Query'], index);
    // The token re-read (GetItem); reminder records put and given back (PutItem, DeleteItem); a
    // token moved on in byReminder (UpdateItem); a revocation's transaction (DeleteItem, PutItem).
    this.handler.allow(tokens, ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem']);
    props.bus.grantPutEventsTo(this.handler.function);
    new Rule(this, 'Schedule', {
      schedule: Schedule.rate(Duration.minutes(LIFECYCLE_SWEEP_MINUTES)),
      targets: [new LambdaFunction(this.handler.function, { retryAttempts: 0 })],
    });
  }
}

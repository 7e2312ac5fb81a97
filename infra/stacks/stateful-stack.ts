import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { TABLE_ENV, type TableId } from '../../shared/data/tables.js';
import { AccessTokensData } from '../constructs/access-tokens-data.js';
import { ConsoleSignIn } from '../constructs/console-sign-in.js';
import type { StageConfig } from '../stage-config.js';

/**
 * Tables, the event bus and the sign-in user pool with its hosted domain (unless an external issuer
 * is configured): what must survive any redeploy of the functions.
 */
export class StatefulStack extends Stack {
  readonly data: AccessTokensData;
  readonly signIn?: ConsoleSignIn;

  constructor(scope: Construct, id: string, config: StageConfig, props?: StackProps) {
    super(scope, id, props);
    this.data = new AccessTokensData(this, 'Data', {
      removalPolicy: config.removalPolicy,
      deletionProtection: config.deletionProtection,
    });
    if (config.signIn.external === undefined) {
      // The console's app client is the stateless stack's, beside the distribution whose address it
      // registers: one deployment is enough.
      this.signIn = new ConsoleSignIn(this, 'SignIn', {
        domainPrefix: config.signIn.domainPrefix ?? `access-tokens-${config.stage}-${this.account}`,
        removalPolicy: config.removalPolicy,
        deletionProtection: config.deletionProtection,
      });
    }
    // The bootstrap command finds the tables through these outputs.
    for (const [tableId, table] of Object.entries(this.data.tables)) {
      new CfnOutput(this, TABLE_ENV[tableId as TableId].replace(/_/g, ''), { value: table.tableName });
    }
    new CfnOutput(this, 'EventBusName', { value: this.data.bus.eventBusName });
    new CfnOutput(this, 'EventSchemaRegistryName', { value: this.data.eventSchemas.registryName });
  }
}

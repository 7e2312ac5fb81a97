import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { TABLES, type TableId } from '../../shared/data/tables.js';
import { EVENT_SOURCE } from '../../shared/events/events.js';
import { EventSchemas } from './event-schemas.js';

export interface AccessTokensDataProps {
  /** RETAIN (the default) keeps tables and the bus when the stack is deleted. */
  readonly removalPolicy?: RemovalPolicy;
  /** Deletion protection on the tables (default true). */
  readonly deletionProtection?: boolean;
  /** How long the event archive keeps events, in days (default 365; 0 keeps them forever). */
  readonly archiveRetentionDays?: number;
}

/**
 * The stateful part: the tables, from the definitions the local stack uses too (point-in-time
 * recovery, deletion protection, retained, encrypted with an AWS managed key, streams with new and
 * old images where revocation listens), and the EventBridge bus with an archive for replay and a
 * schema registry holding its events' schemas.
 */
export class AccessTokensData extends Construct {
  readonly tables: Record<TableId, Table>;
  readonly bus: EventBus;
  readonly eventSchemas: EventSchemas;

  constructor(scope: Construct, id: string, props: AccessTokensDataProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const entries = TABLES.map((definition) => {
      const table = new Table(this, `${definition.id[0]!.toUpperCase()}${definition.id.slice(1)}Table`, {
        partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
        ...(definition.sortKey ? { sortKey: { name: definition.sortKey, type: AttributeType.STRING } } : {}),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: props.deletionProtection ?? true,
        removalPolicy,
        encryption: TableEncryption.AWS_MANAGED,
        ...(definition.stream ? { stream: StreamViewType.NEW_AND_OLD_IMAGES } : {}),
        ...(definition.ttlAttribute ? { timeToLiveAttribute: definition.ttlAttribute } : {}),
      });
      for (const index of definition.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
          sortKey: { name: index.sortKey, type: AttributeType.STRING },
        });
      }
      return [definition.id, table] as const;
    });
    this.tables = Object.fromEntries(entries) as Record<TableId, Table>;

    this.bus = new EventBus(this, 'Bus', {});
    this.bus.applyRemovalPolicy(removalPolicy);
    const retentionDays = props.archiveRetentionDays ?? 365;
    const archive = new Archive(this, 'Archive', {
      sourceEventBus: this.bus,
      eventPattern: { source: [EVENT_SOURCE] },
      description: 'Every access-token event, for replay',
      ...(retentionDays > 0 ? { retention: Duration.days(retentionDays) } : {}),
    });
    archive.applyRemovalPolicy(removalPolicy);
    this.eventSchemas = new EventSchemas(this, 'EventSchemas', { removalPolicy });
  }
}

import type { RemovalPolicy } from 'aws-cdk-lib';
import { CfnRegistry, CfnSchema } from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { EVENT_SCHEMAS, eventJsonSchema, registrySchemaName } from '../../shared/events/event-schemas.js';
import { DETAIL_TYPES, type DetailType, EVENT_SOURCE } from '../../shared/events/events.js';

export interface EventSchemasProps {
  /** The registry's name (default: one CloudFormation makes up, so that stages never clash). */
  readonly registryName?: string;
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The events' schemas in an EventBridge schema registry, one per detail-type, named as EventBridge
 * names its own (`access-tokens@TokenRevoked`): consumers find them there, download code bindings,
 * and see a new version whenever a schema changes. The content is the JSON Schema (draft-04, the
 * registry's `JSONSchemaDraft4`) that `npm run event-schemas` writes to docs/events/, generated
 * from the same zod schemas.
 */
export class EventSchemas extends Construct {
  readonly registry: CfnRegistry;
  readonly schemas: Record<DetailType, CfnSchema>;

  constructor(scope: Construct, id: string, props: EventSchemasProps = {}) {
    super(scope, id);
    this.registry = new CfnRegistry(this, 'Registry', {
      ...(props.registryName !== undefined ? { registryName: props.registryName } : {}),
      description: `The events of the access-token service (source "${EVENT_SOURCE}"), one schema per detail-type`,
    });
    const entries = DETAIL_TYPES.map((detailType) => {
      const schema = new CfnSchema(this, detailType.replace(/ /g, ''), {
        registryName: this.registry.attrRegistryName,
        schemaName: registrySchemaName(detailType),
        type: 'JSONSchemaDraft4',
        content: JSON.stringify(eventJsonSchema(detailType)),
        description: EVENT_SCHEMAS[detailType].description ?? detailType,
      });
      return [detailType, schema] as const;
    });
    this.schemas = Object.fromEntries(entries) as Record<DetailType, CfnSchema>;
    if (props.removalPolicy !== undefined) {
      for (const resource of [this.registry, ...Object.values(this.schemas)])
        resource.applyRemovalPolicy(props.removalPolicy);
    }
  }

  /** The registry's name, to look the schemas up (`aws schemas describe-schema --registry-name …`). */
  get registryName(): string {
    return this.registry.attrRegistryName;
  }
}

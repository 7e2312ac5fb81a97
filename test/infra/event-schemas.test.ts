import { type App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { StatefulStack } from '../../infra/stacks/stateful-stack.js';
import { stageConfig } from '../../infra/stage-config.js';
import { registrySchemaName } from '../../shared/events/event-schemas.js';
import { DETAIL_TYPES } from '../../shared/events/events.js';
import { schemaFile } from '../support/event-schemas.js';
import { templateApp } from './template-app.js';

// The stateful stack registers the events' schemas where it makes the bus: one per detail-type,
// the very JSON Schemas of docs/events/, and cdk-nag's AWS Solutions checks find nothing.
let template: Template;
let stack: StatefulStack;
let app: App;

beforeAll(() => {
  app = templateApp({ stage: 'prod' });
  stack = new StatefulStack(
    app,
    'Stateful',
    stageConfig((key) => app.node.tryGetContext(key)),
  );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  template = Template.fromStack(stack);
});

const schemas = () => Object.values(template.findResources('AWS::EventSchemas::Schema'));

describe('the event schema registry', () => {
  it('is one registry, retained like the bus, named in an output', () => {
    template.resourceCountIs('AWS::EventSchemas::Registry', 1);
    const [id, registry] = Object.entries(template.findResources('AWS::EventSchemas::Registry'))[0]!;
    expect(registry.DeletionPolicy).toBe('Retain');
    template.hasOutput('EventSchemaRegistryName', { Value: { 'Fn::GetAtt': [id, 'RegistryName'] } });
  });

  it('holds one JSONSchemaDraft4 schema per detail-type, named source@DetailType, in that registry', () => {
    const registryId = Object.keys(template.findResources('AWS::EventSchemas::Registry'))[0]!;
    expect(
      schemas()
        .map((s) => s.Properties.SchemaName)
        .sort(),
    ).toEqual(DETAIL_TYPES.map(registrySchemaName).sort());
    for (const schema of schemas()) {
      expect(schema.Properties).toMatchObject({
        Type: 'JSONSchemaDraft4',
        RegistryName: { 'Fn::GetAtt': [registryId, 'RegistryName'] },
        Description: expect.any(String),
      });
    }
  });

  it.each(DETAIL_TYPES)('the schema of %s is docs/events/ own', (detailType) => {
    const schema = schemas().find((s) => s.Properties.SchemaName === registrySchemaName(detailType))!;
    expect(JSON.parse(schema.Properties.Content)).toEqual(schemaFile(detailType));
  });

  it('passes the AWS Solutions checks (a finding fails the synthesis)', () => {
    expect(() => app.synth({ force: true })).not.toThrow();
  });
});

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { type ILogGroup, LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { BUNDLE } from './bundling.js';

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What every function of one deployment shares. */
export interface FunctionDefaults {
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** The table names and settings every handler reads. */
  readonly environment: Readonly<Record<string, string>>;
}

export interface NodeFunctionProps extends Omit<FunctionDefaults, 'environment'> {
  /** The handler module, relative to the project root (e.g. `functions/tokens/handler.ts`). */
  readonly entry: string;
  readonly description: string;
  readonly environment?: Readonly<Record<string, string>>;
  readonly memorySize?: number;
  readonly timeout?: Duration;
}

/**
 * The one place that owns Lambda defaults: Node.js 22 on arm64, an ESM bundle made by the local
 * esbuild with the AWS SDK bundled (not left external: faster cold starts) and minified, source
 * maps, JSON logs in a log group with retention, X-Ray tracing.
 */
export class NodeFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: ILogGroup;
  /** The handler module, relative to the project root. */
  readonly entry: string;

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id);
    this.entry = props.entry;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.function = new NodejsFunction(this, 'Function', {
      entry: join(PROJECT_ROOT, props.entry),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'access-tokens',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLE.target,
        minify: true,
        sourceMap: true,
        externalModules: [],
        mainFields: [...BUNDLE.mainFields],
        banner: BUNDLE.banner,
        forceDockerBundling: false,
      },
    });
    Validations.of(this.function).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          'The basic execution role only lets the function write its own logs; CDK attaches it to every function.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only actions without resource-level permissions: X-Ray PutTraceSegments and PutTelemetryRecords, and for stream consumers dynamodb:ListStreams.',
      },
      {
        id: 'AwsSolutions-L1',
        reason:
          'Node.js 22 is the runtime this code is built and tested for; moving to 24 is a tested upgrade, not a default.',
      },
    );
  }

  /**
   * Least privilege: exactly these DynamoDB actions on exactly this table (or one of its indexes),
   * the actions its repositories call. A transaction needs the actions of its parts.
   */
  allow(table: ITable, actions: readonly string[], index?: string): void {
    this.function.addToRolePolicy(
      new PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [index ? `${table.tableArn}/index/${index}` : table.tableArn],
      }),
    );
  }
}

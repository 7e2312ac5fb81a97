import { createServer } from 'node:http';

/** Stack name → its outputs (OutputKey → OutputValue). */
export type StackOutputs = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface CloudFormationStandIn {
  /** For AWS_ENDPOINT_URL_CLOUDFORMATION. */
  readonly endpoint: string;
  close(): void;
}

/**
 * A server that answers CloudFormation's DescribeStacks in its query protocol, from the stacks
 * given, as the SDK reaches it through AWS_ENDPOINT_URL_CLOUDFORMATION: the deployment bootstrap
 * end to end, without AWS. Any other stack is the ValidationError CloudFormation answers.
 */
export async function startCloudFormation(stacks: StackOutputs): Promise<CloudFormationStandIn> {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      const name = new URLSearchParams(body).get('StackName') ?? '';
      const outputs = stacks[name];
      response.writeHead(outputs === undefined ? 400 : 200, { 'content-type': 'text/xml' });
      if (outputs === undefined) {
        return response.end(
          `<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>Stack with id ${name} does not exist</Message></Error></ErrorResponse>`,
        );
      }
      const members = Object.entries(outputs)
        .map(
          ([key, value]) =>
            `<member><OutputKey>${key}</OutputKey><OutputValue>${value}</OutputValue></member>`,
        )
        .join('');
      response.end(
        `<DescribeStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><DescribeStacksResult><Stacks><member><StackName>${name}</StackName><StackStatus>CREATE_COMPLETE</StackStatus><CreationTime>2026-11-27T00:00:00Z</CreationTime><Outputs>${members}</Outputs></member></Stacks></DescribeStacksResult></DescribeStacksResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => server.close(),
  };
}

/** The stateful stack's outputs as infra/bootstrap.ts reads them: each table's variable, without underscores. */
export function tableOutputs(tables: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tables).map(([variable, table]) => [variable.replace(/_/g, ''), table]),
  );
}

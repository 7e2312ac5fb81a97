import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { TableId } from '../../shared/data/tables.js';
import type { FunctionName } from '../../shared/http/routes.js';
import { type FunctionDefaults, NodeFunction } from './node-function.js';

export interface ApiFunction {
  /** The handler module, relative to the project root. */
  readonly entry: string;
  readonly description: string;
  /** The DynamoDB actions its repositories call, per table: all it may call (least privilege). */
  readonly dynamo: Partial<Record<TableId, readonly string[]>>;
}

/** The authorizer and the function behind each group of routes (the route table's function names). */
export const API_FUNCTIONS: Record<FunctionName | 'authorizer', ApiFunction> = {
  authorizer: {
    entry: 'functions/authorizer/handler.ts',
    description: 'Checks access tokens for API Gateway',
    dynamo: {
      tokens: ['GetItem', 'UpdateItem'],
      members: ['GetItem', 'UpdateItem'],
      roles: ['BatchGetItem'],
    },
  },
  tokens: {
    entry: 'functions/tokens/handler.ts',
    description: 'Access tokens API',
    dynamo: {
      tokens: ['GetItem', 'Query', 'PutItem', 'DeleteItem'],
      members: ['GetItem', 'Query'],
      roles: ['BatchGetItem'],
    },
  },
  members: {
    entry: 'functions/members/handler.ts',
    description: 'Members API',
    dynamo: { members: ['GetItem', 'Query', 'PutItem', 'DeleteItem'], roles: ['BatchGetItem'] },
  },
  invitations: {
    entry: 'functions/invitations/handler.ts',
    description: 'Invitation acceptance',
    // tokens GetItem: the account's token policy, which sets the first token's expiry.
    dynamo: { members: ['GetItem', 'PutItem', 'DeleteItem'], tokens: ['GetItem', 'PutItem'] },
  },
  roles: {
    entry: 'functions/roles/handler.ts',
    description: 'Custom roles API',
    dynamo: { roles: ['GetItem', 'Query', 'PutItem', 'DeleteItem'], members: ['Query'], tokens: ['Query'] },
  },
  resources: {
    entry: 'functions/resources/handler.ts',
    description: 'Projects and flags API',
    dynamo: { resources: ['GetItem', 'Query', 'PutItem', 'DeleteItem', 'ConditionCheckItem'] },
  },
  identity: { entry: 'functions/identity/handler.ts', description: 'Caller identity', dynamo: {} },
  sessions: {
    entry: 'functions/sessions/handler.ts',
    description: 'Console sign-in (ID token for a session token)',
    // The member by e-mail, a pending invitation that signing in accepts, the member's custom roles;
    // the session, its hash item and the ID token marked used, in one transaction.
    dynamo: { members: ['GetItem', 'PutItem', 'DeleteItem'], roles: ['BatchGetItem'], tokens: ['PutItem'] },
  },
  openapi: { entry: 'functions/openapi/handler.ts', description: 'The OpenAPI document', dynamo: {} },
  leaks: {
    entry: 'functions/leaks/handler.ts',
    description: 'Leaked-token reports (revokes every live token reported)',
    // The hash items by the reported values; the revocation: the token and its hash items deleted,
    // its revocation record put, in one transaction.
    dynamo: { tokens: ['GetItem', 'PutItem', 'DeleteItem'] },
  },
  audit: {
    entry: 'functions/audit/handler.ts',
    description: 'Audit log (read; the stream handlers write it)',
    dynamo: { audit: ['GetItem', 'Query'] },
  },
};

/**
 * The authorizer and the API's functions, made in `scope` (with the construct ids they always had,
 * so their logical ids stay), each allowed exactly its DynamoDB actions.
 */
export function addApiFunctions(
  scope: Construct,
  defaults: FunctionDefaults,
  tables: Readonly<Record<TableId, ITable>>,
): Record<FunctionName | 'authorizer', NodeFunction> {
  const names = Object.keys(API_FUNCTIONS) as (FunctionName | 'authorizer')[];
  return Object.fromEntries(
    names.map((name) => {
      const { entry, description, dynamo } = API_FUNCTIONS[name];
      const fn = new NodeFunction(scope, `${name[0]!.toUpperCase()}${name.slice(1)}`, {
        ...defaults,
        entry,
        description,
      });
      for (const [tableId, actions] of Object.entries(dynamo)) fn.allow(tables[tableId as TableId], actions);
      return [name, fn];
    }),
  ) as Record<FunctionName | 'authorizer', NodeFunction>;
}

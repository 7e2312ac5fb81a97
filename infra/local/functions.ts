import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { handler as audit } from '../../functions/audit/handler.js';
import { handler as authorizer } from '../../functions/authorizer/handler.js';
import { handler as identity } from '../../functions/identity/handler.js';
import { handler as invitations } from '../../functions/invitations/handler.js';
import { handler as leaks } from '../../functions/leaks/handler.js';
import { handler as members } from '../../functions/members/handler.js';
import { handler as openapi } from '../../functions/openapi/handler.js';
import { handler as resources } from '../../functions/resources/handler.js';
import { handler as roles } from '../../functions/roles/handler.js';
import { handler as sessions } from '../../functions/sessions/handler.js';
import { handler as tokens } from '../../functions/tokens/handler.js';
import type { FunctionName } from '../../shared/http/routes.js';

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The very handler modules that are deployed as Lambdas, by the route table's function names. */
export const FUNCTIONS: Record<FunctionName, ProxyHandler> = {
  tokens,
  members,
  invitations,
  roles,
  resources,
  identity,
  sessions,
  openapi,
  leaks,
  audit,
};

export { authorizer };

import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { config } from '../config/config.js';
import { traced } from '../observability/tracer.js';
import { bounded } from './clients.js';

/**
 * The sign-in directory on AWS, when the stack made a Cognito user pool for it: one user per
 * member of the console account, named by the member's e-mail. The members stream handler keeps it
 * so, since every path that creates or removes a member (invitation, bootstrap, removal) shows in
 * the stream: a new member gets a user, and Cognito e-mails them a temporary password; a removed
 * member's user is deleted. Both are idempotent (a record delivered twice changes nothing).
 * Without a pool (an external issuer, or locally) there is nothing to keep.
 */
let client: CognitoIdentityProviderClient | undefined;

const cognito = () => {
  client ??= traced(new CognitoIdentityProviderClient(bounded()));
  return client;
};

/** The pool to keep for this account's members, if any. */
function poolFor(accountId: string): string | undefined {
  const pool = config.userPoolId();
  return pool !== undefined && accountId === config.consoleAccountId() ? pool : undefined;
}

export const userDirectory = {
  /** Creates the member's user (e-mail verified: the invitation went there); one already there is left as it is. */
  async memberAdded(accountId: string, email: string): Promise<boolean> {
    const pool = poolFor(accountId);
    if (pool === undefined) return false;
    try {
      await cognito().send(
        new AdminCreateUserCommand({
          UserPoolId: pool,
          Username: email,
          UserAttributes: [
            { Name: 'email', Value: email },
            { Name: 'email_verified', Value: 'true' },
          ],
          DesiredDeliveryMediums: ['EMAIL'],
        }),
      );
    } catch (error) {
      if ((error as Error).name !== 'UsernameExistsException') throw error;
    }
    return true;
  },

  /** Deletes the member's user, so that they cannot sign in again; one already gone is fine. */
  async memberRemoved(accountId: string, email: string): Promise<boolean> {
    const pool = poolFor(accountId);
    if (pool === undefined) return false;
    try {
      await cognito().send(new AdminDeleteUserCommand({ UserPoolId: pool, Username: email }));
    } catch (error) {
      if ((error as Error).name !== 'UserNotFoundException') throw error;
    }
    return true;
  },
};

/**
 * The console's session: `POST /sessions` exchanges the provider's ID token (and the nonce it was
 * asked with) for a session token, kept in memory only (api/client.ts), so that it is gone with
 * the page; `DELETE /sessions/current` ends it.
 */
import { api, currentSession, setSession } from '../api/client';
import type { Session } from '../api/types';

let idToken: string | undefined;

export async function startSession(token: string, nonce: string): Promise<Session> {
  setSession(undefined);
  const session = await api.post<Session>('/sessions', { idToken: token, nonce });
  setSession(session);
  idToken = token;
  return session;
}

/** Ends the session at the API; returns the ID token, for the provider's own sign-out. */
export async function endSession(): Promise<string | undefined> {
  const hint = idToken;
  if (currentSession() !== undefined) await api.delete('/sessions/current').catch(() => undefined);
  setSession(undefined);
  idToken = undefined;
  return hint;
}

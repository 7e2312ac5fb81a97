/**
 * What a browser test of the console starts with: a local stack that serves the console, the API
 * and the development OpenID provider on one port (as `npm start` does), one Chromium, and pages
 * in profiles of their own watched for CSP violations. Shared by the files in test/browser/.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { ensureConsoleBuilt } from '../../infra/console-build.js';
import type { LocalStack } from '../../infra/local/stack.js';
import type { Api } from './api.js';
import { axeViolations, launchChromium, newProfile, serious } from './browser.js';
import { startTestStack } from './stack.js';

/** With UPDATE_SCREENSHOTS=1, each page checked for accessibility is also saved as docs/console/<name>.png. */
const SCREENSHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? join(import.meta.dirname, '../../docs/console') : undefined;

export interface ConsoleStack {
  readonly stack: LocalStack;
  readonly api: Api;
  readonly ownerToken: string;
  readonly browser: Browser;
  /** The console's address, on localhost: the development provider names its issuer there. */
  readonly consoleUrl: string;
  /** A page in a new profile (cookies, storage), watched for CSP violations. */
  newPage(): Promise<Page>;
  /** No serious or critical axe violation on the page as it is (and its screenshot, when asked for). */
  checkAccessibility(page: Page, name: string): Promise<void>;
  /** Calls the API with a token, as an integration that was given the value would. */
  callWith(
    token: string,
    method?: string,
    path?: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }>;
  /** Invites a member and accepts for them: their id and first token. */
  member(role: string, email: string): Promise<{ id: string; token: string }>;
  /** Closes the profiles, the browser and the stack; the CSP violations seen must be none. */
  stop(): Promise<void>;
}

export async function startConsoleStack(cacheTtlSeconds = 300): Promise<ConsoleStack> {
  await ensureConsoleBuilt();
  const { stack, api, ownerToken } = await startTestStack(cacheTtlSeconds);
  const consoleUrl = `${stack.url.replace('//127.0.0.1:', '//localhost:')}/`;
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    await stack.stop();
    throw error;
  }
  const profiles: BrowserContext[] = [];
  const cspViolations: string[] = [];

  return {
    stack,
    api,
    ownerToken,
    browser,
    consoleUrl,

    async newPage() {
      const profile = await newProfile(browser, new URL(consoleUrl).origin);
      profiles.push(profile);
      const page = await profile.newPage();
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
      });
      return page;
    },

    async checkAccessibility(page, name) {
      expect(serious(await axeViolations(page)), `axe on ${name}`).toEqual([]);
      if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },

    async callWith(token, method = 'GET', path = '/caller-identity', body) {
      const response = await fetch(`${stack.url}/api/v2${path}`, {
        method,
        headers: {
          authorization: token,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, body: (await response.json().catch(() => undefined)) as any };
    },

    async member(role, email) {
      const invited = await api.post(ownerToken, '/members', [{ email, role }]);
      expect(invited.status, JSON.stringify(invited.body)).toBe(201);
      const accepted = await api.post(null, '/invitations/accept', {
        code: invited.body.items[0]._inviteCode,
      });
      expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
      return { id: accepted.body.member._id, token: accepted.body.token.token };
    },

    async stop() {
      for (const profile of profiles) await profile.close();
      await browser.close();
      await stack.stop();
      expect(cspViolations).toEqual([]);
    },
  };
}

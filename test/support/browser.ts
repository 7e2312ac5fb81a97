import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Page, type Request } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it); CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    // The sandbox needs user namespaces, which a root CI container does not give.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}

/** A fresh browser profile (cookies, storage) allowed to use the clipboard on `origin`. */
export async function newProfile(browser: Browser, origin: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  return context;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/**
 * axe-core's WCAG 2.x A/AA rules on the page as it is. Evaluated through the DevTools protocol,
 * which the page's CSP does not govern (the console's own CSP stays on: no inline script is added).
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (
      globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<any> } }
    ).axe;
    const result = await axe.run((globalThis as any).document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v: any) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n: any) => ({ target: n.target })),
    }));
  });
}

/** What is serious or critical, named for an assertion message. */
export const serious = (violations: readonly AxeViolation[]) =>
  violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);

/**
 * Signs in as a person does: the console's own silent attempt comes back "login required", then
 * Sign in → the development provider's page → a member's e-mail → consent → back in the console.
 */
export async function signIn(page: Page, consoleUrl: string, email: string): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await logInAtProvider(page, email);
}

/** On the development provider's login page: a member's e-mail, consent when asked, back in the console. */
export async function logInAtProvider(page: Page, email: string): Promise<void> {
  await page.getByLabel("A member's e-mail address").fill(email);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const consent = page.getByRole('button', { name: 'Continue' });
  const tabs = page.getByRole('navigation', { name: 'Account settings' });
  await consent.or(tabs).first().waitFor();
  if (await consent.isVisible()) await consent.click();
  await tabs.waitFor();
}

/** Records the session token the console sends, as a network observer would see it. */
export function sessionTokens(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const authorization = request.headers().authorization;
    if (authorization !== undefined && request.url().includes('/api/v2/') && seen.at(-1) !== authorization) {
      seen.push(authorization);
    }
  });
  return seen;
}

const observed = new WeakSet<Page>();

/** Run in every new document of a timed page: notes when a table row first appears (epoch ms). */
const FIRST_ROW_OBSERVER = `
new MutationObserver((_, observer) => {
  if (document.querySelector('tbody tr') === null) return;
  globalThis.firstRowAt = performance.timeOrigin + performance.now();
  observer.disconnect();
}).observe(document, { childList: true, subtree: true });`;

/** One request of a timed reload: when it began after the reload, and how long it took (ms). */
export interface TimedRequest {
  readonly what: string;
  readonly start: number;
  readonly duration: number;
}

/**
 * Reloads the page and times, with the browser's own clock, how long until a table row is on it
 * (a MutationObserver in every new document notes when one first appears): Playwright's own
 * waiting polls at a backoff that reaches 500 ms, which would count in a figure taken from it.
 * Also returns each request made on the way (the silent sign-in's round trips, the API calls).
 */
export async function timedReload(page: Page): Promise<{ interactive: number; requests: TimedRequest[] }> {
  if (!observed.has(page)) {
    observed.add(page);
    await page.addInitScript({ content: FIRST_ROW_OBSERVER });
  }
  const requests: TimedRequest[] = [];
  const start = Date.now();
  const finished = (request: Request) => {
    const timing = request.timing();
    const url = new URL(request.url());
    requests.push({
      what: `${request.method()} ${url.pathname}${url.searchParams.has('code') ? '?code=…' : ''}`,
      start: timing.startTime - start,
      duration: timing.responseEnd,
    });
  };
  page.on('requestfinished', finished);
  try {
    await page.reload();
    await page.locator('tbody tr').first().waitFor();
    const firstRowAt = await page.evaluate(() => (globalThis as { firstRowAt?: number }).firstRowAt ?? NaN);
    return { interactive: firstRowAt - start, requests: requests.sort((a, b) => a.start - b.start) };
  } finally {
    page.off('requestfinished', finished);
  }
}

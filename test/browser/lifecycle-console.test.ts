/**
 * The console's token lifecycle pages in a real browser (API.md "Token lifecycle"): IP ranges and
 * an expiry in days on the create screen, IP ranges changed on the Authorizations page, the Token policy page for admins (with the tokens that
 * break it), and the Audit log page. The same harness as console.test.ts: one stack, one Chromium,
 * a profile per member, axe-core on each new page, CSP violations fail the file; with
 * UPDATE_SCREENSHOTS=1 it writes docs/console/token-policy.png and audit-log.png.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn } from '../support/browser.js';
import { type ConsoleStack, startConsoleStack } from '../support/console-stack.js';
import { within } from '../support/eventually.js';

const DAY = 24 * 60 * 60 * 1000;
const REQUIRES_EXPIRY = "expiresAt: the account's token policy requires an expiry";

let harness: ConsoleStack;
let reader: { id: string; token: string };

const tokenRow = (page: Page, name: string) =>
  page.locator('tr', { has: page.getByRole('rowheader', { name, exact: true }) });

/** The owner's token named `name`, as the API reports it. */
async function tokenNamed(name: string): Promise<any> {
  const listed = await harness.api.get(harness.ownerToken, '/tokens', { showAll: 'true' });
  expect(listed.status).toBe(200);
  return listed.body.items.find((t: { name: string }) => t.name === name);
}

async function openCreatePage(page: Page): Promise<void> {
  await page.getByRole('link', { name: 'Access tokens' }).click();
  await page.getByRole('link', { name: '+ token' }).click();
  await page.getByRole('heading', { level: 1, name: 'New access token' }).waitFor();
  await page.getByLabel('Role').waitFor();
}

beforeAll(async () => {
  harness = await startConsoleStack(300);
  // Invited before the policy requires an expiry (an invitation's first token has none).
  reader = await harness.member('reader', 'reader@example.com');
});

afterAll(async () => {
  await harness?.stop();
});

describe('token lifecycle in the console, for the owner', () => {
  let page: Page;
  let boundValue: string;

  it('creates a token bound to IP ranges with an expiry in days; the API reports both and the list says where from', async () => {
    page = await harness.newPage();
    await signIn(page, harness.consoleUrl, 'owner@localhost');
    await openCreatePage(page);
    await page.getByLabel('Name').fill('office only');
    await page.getByLabel('Role').selectOption('role:reader');
    await page.getByLabel(/^IP ranges/).fill('10.1.2.3/8, 2001:db8::/32');
    await page.getByLabel(/^Expires in days/).fill('30');
    const before = Date.now();
    await page.getByRole('button', { name: 'Save token' }).click();
    const value = page.getByRole('textbox', { name: 'Value', exact: true });
    await value.waitFor();
    boundValue = await value.inputValue();
    expect(boundValue).toMatch(/^atk_/);

    const stored = await tokenNamed('office only');
    expect(stored.allowedCidrs).toEqual(['10.0.0.0/8', '2001:db8::/32']);
    expect(stored.expiresAt).toBeGreaterThanOrEqual(before + 30 * DAY);
    expect(stored.expiresAt).toBeLessThanOrEqual(Date.now() + 30 * DAY);
    // The test calls from 127.0.0.1, outside both ranges: refused like an invalid token.
    await expect(harness.callWith(boundValue)).resolves.toMatchObject({ status: 401 });

    await page.getByRole('link', { name: '← Back to access tokens' }).click();
    await expect(tokenRow(page, 'office only').locator('.token-ranges').textContent()).resolves.toBe(
      'from 10.0.0.0/8, 2001:db8::/32 only',
    );
    expect(await page.content()).not.toContain(boundValue);
  });

  it("shows the API's error for an invalid range under the IP ranges field, and creates nothing", async () => {
    await openCreatePage(page);
    await page.getByLabel('Name').fill('bad range');
    await page.getByLabel('Role').selectOption('role:reader');
    const ranges = page.getByLabel(/^IP ranges/);
    await ranges.fill('10.0.0.0/33');
    await page.getByRole('button', { name: 'Save token' }).click();
    const inPlace = page.locator('#token-allowed-cidrs-error');
    await inPlace.waitFor();
    expect(await inPlace.textContent()).toMatch(/^allowedCidrs\.0: .*10\.0\.0\.0\/33/);
    expect(await ranges.getAttribute('aria-invalid')).toBe('true');
    expect(await ranges.getAttribute('aria-describedby')).toBe('token-allowed-cidrs-error');
    await expect(tokenNamed('bad range')).resolves.toBeUndefined();

    // An expiry that is not a whole number of days is refused before anything is sent.
    await ranges.fill('');
    await page.getByLabel(/^Expires in days/).fill('1.5');
    await page.getByRole('button', { name: 'Save token' }).click();
    await expect(page.locator('#token-expiry-days-error').textContent()).resolves.toBe(
      'expiresAt: a whole number of days, at least 1',
    );
    await expect(tokenNamed('bad range')).resolves.toBeUndefined();
  });

  it("changes a token's IP ranges in Authorizations: rebinds it, shows the API's 400 in place, overwrites no change made meanwhile (409), unbinds it; a service token's too", async () => {
    await page.getByRole('link', { name: 'Authorizations' }).click();
    await page.getByRole('heading', { level: 1, name: 'Authorizations' }).waitFor();
    await page.getByRole('button', { name: 'Change scope of office only', exact: true }).click();
    const ranges = page.getByLabel(/^IP ranges/);
    await expect(ranges.inputValue()).resolves.toBe('10.0.0.0/8, 2001:db8::/32');
    await harness.checkAccessibility(page, 'authorizations-ranges');

    // An invalid range: the API's 400 under the field, and the token is as it was.
    await ranges.fill('10.0.0.0/8, 300.1.1.1');
    await page.getByRole('button', { name: 'Save scope' }).click();
    const inPlace = page.locator('#edit-allowed-cidrs-error');
    await inPlace.waitFor();
    expect(await inPlace.textContent()).toMatch(/^allowedCidrs\.1: .*300\.1\.1\.1/);
    expect(await ranges.getAttribute('aria-invalid')).toBe('true');
    await expect(tokenNamed('office only')).resolves.toMatchObject({
      allowedCidrs: ['10.0.0.0/8', '2001:db8::/32'],
    });

    // Bound to the address the test calls from: the value now works, and only from there.
    await ranges.fill('127.0.0.1');
    await page.getByRole('button', { name: 'Save scope' }).click();
    await page.getByText('“office only” now has the scope reader, from 127.0.0.1/32 only.').waitFor();
    await expect(tokenNamed('office only')).resolves.toMatchObject({ allowedCidrs: ['127.0.0.1/32'] });
    await expect(harness.callWith(boundValue)).resolves.toMatchObject({ status: 200 });

    // Changed by someone else while the dialog is open (a rescope, and new ranges): the save is a
    // 409 that overwrites neither, the dialog closes and the list shows the token as it is now.
    await page.getByRole('button', { name: 'Change scope of office only', exact: true }).click();
    const officeId = (await tokenNamed('office only'))._id;
    const patched = await harness.api.patch(harness.ownerToken, `/tokens/${officeId}`, [
      { op: 'replace', path: '/role', value: 'writer' },
      { op: 'replace', path: '/allowedCidrs', value: ['127.0.0.0/8'] },
    ]);
    expect(patched.status).toBe(200);
    await page.getByLabel(/^IP ranges/).fill('');
    await page.getByRole('button', { name: 'Save scope' }).click();
    await page
      .getByText('“office only” was changed by someone else while you edited it, so nothing was saved')
      .waitFor();
    await expect(tokenNamed('office only')).resolves.toMatchObject({
      role: 'writer',
      allowedCidrs: ['127.0.0.0/8'],
    });
    await expect(tokenRow(page, 'office only').locator('.token-ranges').textContent()).resolves.toBe(
      'from 127.0.0.0/8 only',
    );

    // Emptied, from what is there now: bound to nothing, any address; the scope, untouched, stays.
    await page.getByRole('button', { name: 'Change scope of office only', exact: true }).click();
    await page.getByLabel(/^IP ranges/).fill('');
    await page.getByRole('button', { name: 'Save scope' }).click();
    await page.getByText('“office only” now has the scope writer.').waitFor();
    expect((await tokenNamed('office only')).allowedCidrs).toBeUndefined();
    await expect(tokenRow(page, 'office only').locator('.token-ranges').count()).resolves.toBe(0);

    // A service token's scope is fixed at creation; its IP ranges are changed the same way.
    const bot = await harness.api.post(harness.ownerToken, '/tokens', {
      name: 'ci bot',
      role: 'reader',
      serviceToken: true,
    });
    expect(bot.status).toBe(201);
    await page.reload();
    await page.getByRole('button', { name: 'Change IP ranges of ci bot', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'IP ranges of “ci bot”' });
    await expect(dialog.getByLabel('Role').count()).resolves.toBe(0);
    await dialog.getByLabel(/^IP ranges/).fill('127.0.0.1, ::1');
    await dialog.getByRole('button', { name: 'Save IP ranges' }).click();
    await page.getByText('“ci bot” now has the scope reader, from 127.0.0.1/32, ::1/128 only.').waitFor();
    await expect(harness.callWith(bot.body.token)).resolves.toMatchObject({ status: 200 });
  });

  it('sets the token policy on the Token policy page and lists the tokens that break it', async () => {
    const forever = await harness.api.post(harness.ownerToken, '/tokens', {
      name: 'forever',
      role: 'reader',
    });
    expect(forever.status).toBe(201);
    await page.getByRole('link', { name: 'Token policy' }).click();
    await page.getByRole('heading', { level: 1, name: 'Token policy' }).waitFor();
    await page.getByText('Tokens breaking the policy (0)').waitFor();

    // A days field that is not a number is the API's 400, under that field; nothing is saved.
    const maxDays = page.getByLabel(/^Maximum lifetime in days/);
    await maxDays.fill('ninety');
    await page.getByRole('button', { name: 'Save policy' }).click();
    const inPlace = page.locator('#policy-max-lifetime-error');
    await inPlace.waitFor();
    expect(await inPlace.textContent()).toMatch(/^maxLifetimeDays: /);
    expect(await maxDays.getAttribute('aria-invalid')).toBe('true');
    expect(
      (await harness.api.get(harness.ownerToken, '/account/token-policy')).body.maxLifetimeDays,
    ).toBeNull();

    await maxDays.fill('');
    await page.getByLabel('Every token must have an expiry').check();
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByText('Token policy saved').waitFor();
    await expect(inPlace.count()).resolves.toBe(0);
    const policy = await harness.api.get(harness.ownerToken, '/account/token-policy');
    expect(policy.body).toMatchObject({ requireExpiry: true, maxLifetimeDays: null, inactivityDays: null });

    // Tokens without an expiry break it (and keep working); the one with 30 days does not.
    const violations = page.getByRole('table', { name: 'Violations' });
    await expect(tokenRow(page, 'forever').locator('td').last().textContent()).resolves.toBe('');
    await expect(tokenRow(page, 'forever').textContent()).resolves.toContain(REQUIRES_EXPIRY);
    await expect(violations.getByRole('rowheader').allTextContents()).resolves.toEqual(
      expect.arrayContaining(['forever', 'Owner token']),
    );
    await expect(tokenRow(page, 'office only').count()).resolves.toBe(0);
    await page.getByText(`Tokens breaking the policy (${policy.body.violations.totalCount})`).waitFor();
    expect((await harness.callWith(forever.body.token)).status).toBe(200);
    await harness.checkAccessibility(page, 'token-policy');
  });

  it("shows the policy's 400 under the expiry when a token is created without one, and accepts one with it", async () => {
    await openCreatePage(page);
    await page.getByLabel('Name').fill('no expiry');
    await page.getByLabel('Role').selectOption('role:reader');
    await page.getByRole('button', { name: 'Save token' }).click();
    const inPlace = page.locator('#token-expiry-days-error');
    await inPlace.waitFor();
    expect(await inPlace.textContent()).toBe(REQUIRES_EXPIRY);
    expect(await page.getByLabel(/^Expires in days/).getAttribute('aria-invalid')).toBe('true');
    await expect(tokenNamed('no expiry')).resolves.toBeUndefined();

    await page.getByLabel(/^Expires in days/).fill('7');
    await page.getByRole('button', { name: 'Save token' }).click();
    await page.getByRole('textbox', { name: 'Value', exact: true }).waitFor();
    expect((await tokenNamed('no expiry')).expiresAt).toBeGreaterThan(Date.now() + 6 * DAY);
  });

  it('lists the changes just made on the Audit log page, with who made them', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    const entries = page.getByRole('table', { name: 'Audit log entries, newest first' });
    const entry = (text: string) => entries.locator('tr', { hasText: text });
    // The log is written from the tables' streams: Search loads it again until they are in.
    await within(15_000, async () => {
      await page.getByRole('button', { name: 'Search' }).click();
      return (
        (await entry("updated the account's").count()) > 0 &&
        (await entry('created the token no expiry').count()) > 0
      );
    });
    // In the console, the member (a session is no access token: its changes are the member's own).
    const actor = 'owner@localhost';
    await expect(entry("updated the account's").getByRole('rowheader').textContent()).resolves.toBe(actor);
    await expect(entry('created the token office only').getByRole('rowheader').textContent()).resolves.toBe(
      actor,
    );
    // Made through the API with the owner token: that token is the actor's.
    await expect(entry('created the token forever').getByRole('rowheader').textContent()).resolves.toBe(
      'owner@localhost with token Owner token',
    );
    await expect(entry('created the token bad range').count()).resolves.toBe(0);
    await harness.checkAccessibility(page, 'audit-log');

    await page.getByLabel(/^Search/).fill('office only');
    await page.getByRole('button', { name: 'Search' }).click();
    await within(5_000, async () => (await entry('forever').count()) === 0);
    await expect(entry('created the token office only').count()).resolves.toBe(1);
  });
});

describe('token lifecycle in the console, for a reader', () => {
  it('offers a reader neither the Token policy nor the Audit log tab, nor either page by its address', async () => {
    expect((await harness.callWith(reader.token)).status).toBe(200);
    const page = await harness.newPage();
    await signIn(page, harness.consoleUrl, 'reader@example.com');
    const tabs = page.getByRole('navigation', { name: 'Account settings' }).getByRole('link');
    expect(await tabs.allTextContents()).toEqual(['Access tokens', 'Authorizations']);
    for (const route of ['token-policy', 'audit']) {
      await page.goto(`${harness.consoleUrl}#/${route}`);
      await page.getByRole('heading', { level: 1, name: 'Not available' }).waitFor();
      await expect(page.getByText(/and read the audit log\.$/).isVisible()).resolves.toBe(true);
      await expect(page.getByRole('table').count()).resolves.toBe(0);
    }
  });
});

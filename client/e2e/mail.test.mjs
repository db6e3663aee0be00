// End-to-end, the mail itself: the stack of stack.mjs sends through a real
// SMTP server; these tests look at what it receives (language, links, both
// parts) and at a resent link replacing the first. app.test.mjs follows the
// verification and reset links through the whole product.
//
// Run with `just e2e` (with the rest of the suite).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { linkIn, root, startStack } from './stack.mjs';

const serviceBin = process.env.SERVICE_BIN ?? join(root, 'target', 'debug', 'service');
const screenshots = process.env.SCREENSHOT_DIR ?? join(root, 'target', 'screenshots');
const password = 'correct horse battery';
let counter = 0;
const unique = (prefix) => `${prefix}${Date.now().toString(36)}${counter++}`;

let stack;
let browser;

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  stack = await startStack({ serviceBin });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

async function api(query, variables = {}, token) {
  const response = await fetch(`${stack.base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  assert.equal(response.status, 200);
  return response.json();
}

async function register({ locale = 'en' } = {}) {
  const email = `${unique('mail-')}@example.org`;
  const body = await api(
    'mutation($i: RegisterInput!) { register(input: $i) { accessToken refreshToken } }',
    { i: { email, username: unique('mail_'), password, locale } },
  );
  assert.equal(body.errors, undefined, JSON.stringify(body));
  return { email, ...body.data.register };
}

test('registration mail arrives over SMTP from a replica, in the account language, with a link to PUBLIC_URL', async () => {
  const { email } = await register({ locale: 'ru' });
  const message = await stack.mail.next(email);
  assert.equal(message.subject, 'Подтвердите адрес электронной почты');
  const link = linkIn(message, `${stack.base}/verify-email?token=`);
  assert.match(link, /token=[0-9a-f]{64}$/);
  assert.ok(message.html.includes(link), 'the HTML part carries the same link');
});

async function profile(options = {}) {
  const context = await browser.newContext({ locale: 'en-US', colorScheme: 'light', ...options });
  const problems = [];
  context.on('page', (page) => {
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  });
  return {
    context,
    async check() {
      assert.deepEqual(problems, []);
      await context.close();
    },
  };
}

test('"Resend" on the banner mails a new link that replaces the first; the new one verifies', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  const email = `${unique('verify-')}@example.org`;
  await page.goto(`${stack.base}/register`);
  await page.fill('#email', email);
  await page.fill('#username', unique('verify_'));
  await page.fill('#password', password);
  await page.fill('#confirm-password', password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#verify-banner').waitFor();

  // "Resend" replaces the first link: only the newest works.
  const first = await stack.mail.next(email);
  await page.locator('#verify-banner').getByRole('button', { name: 'Resend' }).click();
  const second = await stack.mail.next(email, () => true, { skip: 1 });
  const [oldLink, newLink] = [first, second].map((m) => linkIn(m, `${stack.base}/verify-email?token=`));
  assert.notEqual(oldLink, newLink);

  await page.goto(oldLink);
  await page.getByText('This link is no longer valid').waitFor();
  await page.goto(newLink);
  await page.getByText('Your email address is verified').waitFor();
  await page.getByRole('link', { name: 'Continue to the dashboard' }).click();
  await page.getByRole('heading', { name: /Welcome/ }).waitFor();
  assert.equal(await page.locator('#verify-banner').count(), 0);
  await check();
});

test('the mail itself, as a reader sees it, in both languages', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  for (const locale of ['en', 'ru']) {
    const { email } = await register({ locale });
    const message = await stack.mail.next(email);
    await page.setContent(message.html);
    await page.screenshot({ path: join(screenshots, `mail-verification-${locale}.png`), fullPage: true });
    // Every paragraph of the text part is in the HTML part too.
    for (const paragraph of message.text.split('\n\n').map((p) => p.trim()).filter(Boolean)) {
      const firstLine = paragraph.split('\n')[0].replace(/:$/, '');
      assert.ok((await page.textContent('body')).includes(firstLine), `HTML lacks: ${firstLine}`);
    }
  }
  await check();
});

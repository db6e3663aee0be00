// Browser smoke test: the built client, served by the real service (on a
// fresh SQLite database), in Debian's headless Chromium. A new user registers
// and lands on the dashboard with their name, in both languages and themes,
// and a reload keeps all of it. The full browser suite lives beside this.
//
// Run with `just smoke` (builds the client and the service first).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..', '..');
const serviceBin = process.env.SERVICE_BIN ?? join(root, 'target', 'debug', 'service');
const screenshots = process.env.SCREENSHOT_DIR ?? join(root, 'target', 'screenshots');
const port = 18000 + Math.floor(Math.random() * 1000);
const base = `http://127.0.0.1:${port}`;
// Fluent wraps arguments in Unicode isolation marks.
const plain = (text) => text.replace(/[\u2068\u2069]/g, '');

let service;
let browser;
let dataDir;

/// Starts the service on `port` over a fresh SQLite file; resolves when ready.
async function startService(port, name, extraEnv = {}) {
  const child = spawn(serviceBin, ['serve'], {
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${join(dataDir, `${name}.db`)}`,
      BIND_ADDR: `127.0.0.1:${port}`,
      STATIC_DIR: join(root, 'client', 'dist'),
      BCRYPT_COST: '4',
      ENVIRONMENT: 'development',
      ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; !(await fetch(`http://127.0.0.1:${port}/health/ready`).then((r) => r.ok, () => false)); i++) {
    if (i > 100) throw new Error(`the service did not start on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return child;
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'smoke-'));
  mkdirSync(screenshots, { recursive: true });
  service = await startService(port, 'smoke');
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
  service?.kill('SIGTERM');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test('a new user registers and sees the dashboard in both languages and themes', async () => {
  const context = await browser.newContext({ locale: 'en-US', colorScheme: 'light' });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));

  await page.goto(`${base}/`);
  await page.waitForURL(/\/login/);
  await page.getByRole('link', { name: 'Create one' }).click();
  await page.waitForURL(/\/register$/);

  // Inline validation first: nothing is sent while the form is wrong.
  await page.fill('#email', 'not-an-email');
  await page.fill('#password', 'short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Enter a valid email address').waitFor();
  await page.getByText('Password must be at least 8 characters').waitFor();

  const suffix = Date.now().toString(36);
  await page.fill('#full-name', 'Smoke Tester');
  await page.fill('#email', `smoke-${suffix}@example.org`);
  await page.fill('#username', `smoke_${suffix}`);
  await page.fill('#password', 'correct horse battery');
  await page.fill('#confirm-password', 'correct horse battery');
  await page.getByRole('button', { name: 'Create account' }).click();

  const welcome = page.locator('#welcome');
  await welcome.waitFor();
  assert.equal(plain(await welcome.innerText()), 'Welcome, Smoke Tester!');
  assert.equal(new URL(page.url()).pathname, '/');
  await page.screenshot({ path: join(screenshots, 'dashboard-en-light.png') });

  await page.click('#language-toggle');
  await page.getByText('Добро пожаловать').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  await page.click('#theme-toggle');
  assert.match(await page.getAttribute('html', 'class'), /\bdark\b/);
  await page.screenshot({ path: join(screenshots, 'dashboard-ru-dark.png') });

  // A reload keeps the session, the language and the theme.
  await page.reload();
  await welcome.waitFor();
  assert.equal(plain(await welcome.innerText()), 'Добро пожаловать, Smoke Tester!');
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  assert.match(await page.getAttribute('html', 'class'), /\bdark\b/);

  // The user menu works from the keyboard, and Escape hands focus back.
  const menuButton = page.getByRole('button', { name: 'Меню аккаунта' });
  await menuButton.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('menu').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('menu').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Меню аккаунта');

  assert.deepEqual(problems, []);
  await context.close();
});

test('unknown paths show the 404 page', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/some/unknown/path`);
  await page.getByText('Page not found').waitFor();
  await page.close();
});

test('signing out in one tab signs out the other; a wrong password is explained', async () => {
  const email = `tabs-${Date.now().toString(36)}@example.org`;
  const reply = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }',
      variables: { i: { email, username: `tabs_${Date.now().toString(36)}`, password: 'correct horse battery' } },
    }),
  });
  assert.equal(reply.status, 200);

  const context = await browser.newContext({ locale: 'en-US' });
  const first = await context.newPage();
  await first.goto(`${base}/login`);
  await first.fill('#email', email);
  await first.fill('#password', 'wrong password');
  await first.getByRole('button', { name: 'Sign in' }).click();
  await first.getByText('Wrong email or password').waitFor();
  await first.fill('#password', 'correct horse battery');
  await first.getByRole('button', { name: 'Sign in' }).click();
  await first.locator('#welcome').waitFor();

  const second = await context.newPage();
  await second.goto(`${base}/`);
  await second.locator('#welcome').waitFor();

  await first.getByRole('button', { name: 'Account menu' }).click();
  await first.getByRole('menuitem', { name: 'Log out' }).click();
  await first.waitForURL(/\/login/);
  await second.waitForURL(/\/login/);
  await context.close();
});

test('narrow screens get a drawer; the first visit follows the browser language', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 760 }, locale: 'ru-RU' });
  const page = await context.newPage();
  const id = Date.now().toString(36);
  await page.goto(`${base}/register`);
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  await page.fill('#email', `narrow-${id}@example.org`);
  await page.fill('#username', `narrow_${id}`);
  await page.fill('#password', 'correct horse battery');
  await page.fill('#confirm-password', 'correct horse battery');
  await page.getByRole('button', { name: 'Создать аккаунт' }).click();
  await page.locator('#welcome').waitFor();

  const drawer = page.getByRole('dialog');
  assert.equal(await drawer.count(), 0);
  await page.getByRole('button', { name: 'Показать или скрыть меню' }).first().click();
  await drawer.waitFor();
  await page.screenshot({ path: join(screenshots, 'dashboard-ru-drawer.png') });
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });
  await context.close();
});

test('an expired access token is refreshed once, behind the scenes', async () => {
  // A second service whose access tokens expire at once (plus the 5 s leeway).
  const shortPort = port + 1000;
  const shortBase = `http://127.0.0.1:${shortPort}`;
  const short = await startService(shortPort, 'short', { ACCESS_TOKEN_EXPIRE_MINUTES: '0' });
  try {
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    const id = Date.now().toString(36);
    await page.goto(`${shortBase}/register`);
    await page.fill('#email', `expiry-${id}@example.org`);
    await page.fill('#username', `expiry_${id}`);
    await page.fill('#password', 'correct horse battery');
    await page.fill('#confirm-password', 'correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('#welcome').waitFor();
    const before = await page.evaluate(() => JSON.parse(localStorage.getItem('auth')).tokens);

    await new Promise((r) => setTimeout(r, 6500));
    const operations = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/graphql')) operations.push(request.postDataJSON().operationName);
    });
    await page.reload();
    await page.locator('#welcome').waitFor();
    await page.waitForFunction(
      (old) => JSON.parse(localStorage.getItem('auth')).tokens.refresh_token !== old,
      before.refresh_token,
    );
    // me (refused), refreshToken, me again: one refresh, and still signed in.
    assert.deepEqual(operations, ['Me', 'RefreshToken', 'Me']);
    assert.equal(new URL(page.url()).pathname, '/');
    await context.close();
  } finally {
    short.kill('SIGTERM');
  }
});

// End-to-end: the product as deployed (stack.mjs: two PostgreSQL-backed
// service replicas and the built client behind deploy/nginx), driven in
// Debian's headless Chromium as a person would. Access tokens live 5 s here
// (ACCESS_TOKEN_EXPIRE_MINUTES=0 plus the verifier's leeway), so the client's
// refresh runs all through the suite, not only in the test that times it.
//
// Run with `just e2e` (builds the client and the service first). Every
// request a page makes outside the proxy is refused and fails its test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { linkIn, psql, root, startStack } from './stack.mjs';

const serviceBin = process.env.SERVICE_BIN ?? join(root, 'target', 'debug', 'service');
const screenshots = process.env.SCREENSHOT_DIR ?? join(root, 'target', 'screenshots');
const password = 'correct horse battery';
const admin = { email: 'admin@e2e.example', username: 'admin', password: 'e2e operator keeps the keys' };
// Fluent wraps arguments in Unicode isolation marks.
const plain = (text) => text.replace(/[\u2068\u2069]/g, '');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let counter = 0;
const unique = (prefix) => `${prefix}${Date.now().toString(36)}${counter++}`;

let stack;
let browser;

before(async () => {
  mkdirSync(screenshots, { recursive: true });
  stack = await startStack({
    serviceBin,
    // A lock within reach of one test; no other test guesses that often.
    serviceEnv: { ACCESS_TOKEN_EXPIRE_MINUTES: '0', LOGIN_LOCK_AFTER_ATTEMPTS: '10', REQUIRE_ADMIN_MFA: 'false' },
  });
  // The admin, created the way the README says: `just seed-admin`.
  execFileSync('just', ['seed-admin'], {
    cwd: root,
    env: {
      ...stack.env,
      FIRST_ADMIN_EMAIL: admin.email,
      FIRST_ADMIN_USERNAME: admin.username,
      FIRST_ADMIN_PASSWORD: admin.password,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  console.log(`screenshots: ${screenshots}`);
});

after(async () => {
  await browser?.close();
  await stack?.stop();
});

/// A browser profile that can reach the proxy and nothing else, and that
/// records page errors, console errors (CSP violations among them) and any
/// attempt to leave. `check()` fails the test if anything was recorded.
async function profile(options = {}) {
  const context = await browser.newContext({ locale: 'en-US', colorScheme: 'light', ...options });
  const problems = [];
  const origin = new URL(stack.base).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    problems.push(`request outside the proxy: ${url}`);
    return route.abort('blockedbyclient');
  });
  // Where exactly a Content-Security-Policy violation came from.
  await context.exposeFunction('reportViolation', (v) => problems.push(`CSP: ${v}`));
  await context.addInitScript(() => document.addEventListener('securitypolicyviolation', (e) =>
    window.reportViolation(`${e.violatedDirective} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`)));
  context.on('page', (page) => {
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    // Each request carries its own operation only, not the file it lives in.
    page.on('request', (request) => {
      const name = operationOf(request);
      if (!name) return;
      const defined = [...request.postDataJSON().query.matchAll(/\b(?:query|mutation|subscription)\s+(\w+)/g)]
        .map((m) => m[1]);
      if (defined.length !== 1 || defined[0] !== name) problems.push(`${name} sent with ${defined.join(', ')}`);
    });
  });
  return {
    context,
    problems,
    async check() {
      assert.deepEqual(problems, []);
      await context.close();
    },
  };
}

/// One GraphQL request through the proxy. Returns the reply and the request
/// id nginx gave it (the service echoes it back).
async function api(query, variables = {}, token, { from } = {}) {
  const response = await fetch(`${stack.base}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      // A client elsewhere: nginx appends its peer, and the service, which
      // trusts loopback, reads the address left of it.
      ...(from ? { 'x-forwarded-for': from } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  assert.equal(response.status, 200);
  return { body: await response.json(), requestId: response.headers.get('x-request-id') };
}

async function registerByApi({ locale } = {}) {
  const email = `${unique('api-')}@example.org`;
  const { body, requestId } = await api(
    'mutation($i: RegisterInput!) { register(input: $i) { accessToken refreshToken } }',
    { i: { email, username: unique('api_'), password, locale } },
  );
  assert.equal(body.errors, undefined);
  return { email, ...body.data.register, requestId };
}

async function fillRegistration(page, { fullName, email, username }) {
  if (fullName) await page.fill('#full-name', fullName);
  await page.fill('#email', email);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.fill('#confirm-password', password);
}

async function signIn(page, email, { rememberMe = false, secret = password, submit = 'Sign in' } = {}) {
  await page.goto(`${stack.base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', secret);
  if (rememberMe) await page.check('#remember-me');
  await page.getByRole('button', { name: submit, exact: true }).click();
}

/// The GraphQL operation a request carries, if any.
const operationOf = (request) =>
  request.url().endsWith('/graphql') && request.method() === 'POST' ? request.postDataJSON().operationName : null;
const storedTokens = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('auth'))?.tokens ?? null);

test('a visitor is sent to sign in, registers, and keeps session, language and theme across reloads', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();

  await page.goto(`${stack.base}/`);
  await page.waitForURL(/\/login/);
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  await page.screenshot({ path: join(screenshots, 'login-en-light.png') });
  await page.getByRole('link', { name: 'Create one' }).click();
  await page.waitForURL(/\/register$/);

  // Inline validation first: nothing is sent while the form is wrong.
  const sent = [];
  page.on('request', (r) => operationOf(r) && sent.push(operationOf(r)));
  await page.fill('#email', 'not-an-email');
  await page.fill('#password', 'short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Enter a valid email address').waitFor();
  await page.getByText('Password must be at least 8 characters').waitFor();
  assert.deepEqual(sent, []);

  const id = unique('');
  await fillRegistration(page, { fullName: 'Ada Lovelace', email: `ada-${id}@example.org`, username: `ada_${id}` });
  await page.getByRole('button', { name: 'Create account' }).click();
  const welcome = page.locator('#welcome');
  await welcome.waitFor();
  assert.equal(plain(await welcome.innerText()), 'Welcome, Ada Lovelace!');
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await page.locator('#admin-badge').count(), 0);
  await page.screenshot({ path: join(screenshots, 'dashboard-en-light.png') });

  await page.click('#theme-toggle');
  assert.match(await page.getAttribute('html', 'class'), /\bdark\b/);
  await page.screenshot({ path: join(screenshots, 'dashboard-en-dark.png') });

  await page.click('#language-toggle');
  await page.getByText('Добро пожаловать').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');

  // A reload keeps the session (refreshing the expired access token), the
  // language and the theme.
  await sleep(5500);
  await page.reload();
  await welcome.waitFor();
  assert.equal(plain(await welcome.innerText()), 'Добро пожаловать, Ada Lovelace!');
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  assert.match(await page.getAttribute('html', 'class'), /\bdark\b/);
  await page.screenshot({ path: join(screenshots, 'dashboard-ru-dark.png') });
  await page.click('#theme-toggle');
  assert.doesNotMatch(await page.getAttribute('html', 'class'), /\bdark\b/);
  await page.screenshot({ path: join(screenshots, 'dashboard-ru-light.png') });

  // The user menu works from the keyboard, and Escape hands focus back.
  await page.getByRole('button', { name: 'Меню аккаунта' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('menu').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('menu').waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Меню аккаунта');
  await check();
});

test('an expired access token is refreshed once, behind the scenes, and the next action works', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  const { email } = await registerByApi();
  await signIn(page, email);
  await page.locator('#welcome').waitFor();
  const before = await storedTokens(page);

  await sleep(6000);
  const operations = [];
  page.on('request', (r) => operationOf(r) && operations.push(operationOf(r)));
  await page.reload();
  await page.locator('#welcome').waitFor();
  await page.waitForFunction(
    (old) => JSON.parse(localStorage.getItem('auth')).tokens.refresh_token !== old,
    before.refresh_token,
  );
  // The retried `me` leaves after the new tokens are stored: wait for it
  // (bounded), then for anything that should not follow it.
  for (let i = 0; i < 50 && operations.length < 3; i++) await sleep(100);
  await sleep(500);
  // me (refused: expired), refreshToken, me again: one refresh, still signed in.
  assert.deepEqual(operations, ['Me', 'RefreshToken', 'Me']);
  assert.equal(new URL(page.url()).pathname, '/');
  await check();
});

test('two tabs survive a refresh race; logging out in one logs out both and kills the refresh token', async () => {
  const { context, check } = await profile();
  const { email } = await registerByApi();
  const first = await context.newPage();
  await signIn(first, email);
  await first.locator('#welcome').waitFor();
  const second = await context.newPage();
  await second.goto(`${stack.base}/`);
  await second.locator('#welcome').waitFor();

  // Both tabs find the access token expired at the same moment.
  await sleep(6000);
  const refreshes = [];
  for (const page of [first, second]) {
    page.on('request', (r) => operationOf(r) === 'RefreshToken' && refreshes.push(r));
  }
  const signedIn = [first, second].map((page) => page.waitForResponse(async (r) =>
    operationOf(r.request()) === 'Me' && (await r.json()).data?.me != null));
  await Promise.all([first.reload(), second.reload()]);
  await Promise.all(signedIn);
  // One tab refreshed; the other took the tokens it stored. Both hold the
  // session's live refresh token.
  assert.equal(refreshes.length, 1);
  const tokens = await storedTokens(first);
  const live = psql(`SELECT sessions.refresh_token_hash FROM sessions JOIN users ON users.id = sessions.user_id
                     WHERE users.email = '${email}'`, stack.database);
  // (The other session is the registration's.)
  assert.ok(live.split('\n').includes(createHash('sha256').update(tokens.refresh_token).digest('hex')));
  for (const page of [first, second]) assert.equal(new URL(page.url()).pathname, '/');

  await first.getByRole('button', { name: 'Account menu' }).click();
  // The tab signs out at once and tells the service just after: wait for
  // that, since what follows checks the service's side.
  const loggedOut = first.waitForResponse((r) => operationOf(r.request()) === 'Logout');
  await first.getByRole('menuitem', { name: 'Log out' }).click();
  await loggedOut;
  await first.waitForURL(/\/login/);
  await second.waitForURL(/\/login/);
  assert.equal(await storedTokens(second), null);

  const { body } = await api(
    'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }',
    { t: tokens.refresh_token },
  );
  assert.equal(body.errors[0].extensions.code, 'UNAUTHENTICATED');
  await check();
});

test('a wrong password is explained; "remember me" decides how long the session lives', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  const { email } = await registerByApi();
  const lifetimes = () => psql(
    `SELECT extract(epoch FROM sessions.expires_at - sessions.created_at) / 3600 FROM sessions
     JOIN users ON users.id = sessions.user_id WHERE users.email = '${email}'
     ORDER BY sessions.created_at`,
    stack.database,
  ).split('\n').map(Number);

  await signIn(page, email, { secret: 'not the password' });
  await page.getByText('Wrong email or password').waitFor();
  assert.equal(new URL(page.url()).pathname, '/login');

  await signIn(page, email);
  await page.locator('#welcome').waitFor();
  await page.getByRole('button', { name: 'Account menu' }).click();
  // Signing in again navigates, which would cancel a logout still in flight.
  const loggedOut = page.waitForResponse((r) => operationOf(r.request()) === 'Logout');
  await page.getByRole('menuitem', { name: 'Log out' }).click();
  await loggedOut;
  await page.waitForURL(/\/login/);

  await signIn(page, email, { rememberMe: true });
  await page.locator('#welcome').waitFor();
  // The registration's session (24 h) and the remembered one (30 days); the
  // plain login's session ended with its logout.
  assert.deepEqual(lifetimes(), [24, 30 * 24]);
  await check();
});

// README, "What a browser downloads": the bodies of everything the sign-in
// page fetches, compressed as nginx sends them. (Headers, about 1 KB a
// response here, are not part of a budget in gzipped bytes.)
const FIRST_LOAD_BUDGET = 400_000;

test('the sign-in page loads within the 400 KB budget; a page\'s own code comes the first time it is shown', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  const fetched = [];
  page.on('requestfinished', (request) => {
    const sized = request.sizes().then((sizes) => ({
      path: new URL(request.url()).pathname,
      bytes: sizes.responseBodySize,
    }));
    // A request that finishes after the last look fails once the context
    // closes: handled here, still a failure for a look that awaits it.
    sized.catch(() => {});
    fetched.push(sized);
  });
  const settle = async () => {
    await page.waitForLoadState('networkidle');
    return Promise.all(fetched.splice(0));
  };

  await page.goto(`${stack.base}/login`);
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  const first = await settle();
  const total = first.reduce((sum, f) => sum + f.bytes, 0);
  console.log(`first load: ${total} bytes in ${first.length} responses`);
  assert.ok(total <= FIRST_LOAD_BUDGET, `first load ${total} bytes: ${JSON.stringify(first)}`);
  assert.ok(first.some((f) => f.path === '/client_bg.wasm'), 'the app itself is part of it');
  assert.deepEqual(first.filter((f) => f.path.startsWith('/split/')), []);

  // Registration's module comes when the page is first shown, and once.
  await page.getByRole('link', { name: 'Create one' }).click();
  await page.locator('#confirm-password').waitFor();
  const modules = (list) => list.map((f) => f.path).filter((path) => path.startsWith('/split/'));
  const shown = modules(await settle());
  assert.equal(shown.length, 1, JSON.stringify(shown));
  assert.match(shown[0], /^\/split\/module_\d+_Register\.wasm$/);
  await page.getByRole('link', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  await page.getByRole('link', { name: 'Create one' }).click();
  await page.locator('#confirm-password').waitFor();
  assert.deepEqual(modules(await settle()), []);
  await check();
});

test('a page whose code does not come says so and offers to reload', async () => {
  const { context, problems, check } = await profile();
  await context.route('**/split/**', (route) => route.abort('connectionfailed'));
  const page = await context.newPage();
  await page.goto(`${stack.base}/login`);
  await page.getByRole('link', { name: 'Create one' }).click();
  await page.getByRole('status').filter({ hasText: 'Loading…' }).waitFor();
  // The loader gives up silently; the page tells the person after 10 s.
  await page.getByRole('alert').filter({ hasText: 'This page did not load' }).waitFor({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Reload' }).waitFor();
  // What the browser and wasm-split's loader report about the refused module.
  const expected = (p) => /split\/module_\d+_Register\.wasm|Failed to load wasm-split module|ERR_CONNECTION_FAILED/.test(p);
  assert.ok(problems.some(expected), JSON.stringify(problems));
  problems.splice(0, problems.length, ...problems.filter((p) => !expected(p)));
  await check();
});

test('unknown paths show the 404 page', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  const response = await page.goto(`${stack.base}/some/unknown/path`);
  assert.equal(response.status(), 200); // the SPA fallback; the client decides
  await page.getByText('Page not found').waitFor();
  await check();
});

test('the admin from `just seed-admin` sees the admin-only element; a normal user does not', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  await signIn(page, admin.email, { secret: admin.password });
  await page.locator('#welcome').waitFor();
  await page.locator('#admin-badge').waitFor();
  await page.screenshot({ path: join(screenshots, 'dashboard-admin.png') });

  const { accessToken } = await registerByApi();
  const { body } = await api('{ users { email } }', {}, accessToken);
  assert.equal(body.errors[0].extensions.code, 'FORBIDDEN');
  await check();
});

test('narrow screens get a drawer; the first visit follows the browser language', async () => {
  const { context, check } = await profile({ viewport: { width: 390, height: 760 }, locale: 'ru-RU' });
  const page = await context.newPage();
  await page.goto(`${stack.base}/register`);
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  const id = unique('');
  await fillRegistration(page, { email: `narrow-${id}@example.org`, username: `narrow_${id}` });
  await page.getByRole('button', { name: 'Создать аккаунт' }).click();
  await page.locator('#welcome').waitFor();

  const drawer = page.getByRole('dialog');
  assert.equal(await drawer.count(), 0);
  await page.getByRole('button', { name: 'Показать или скрыть меню' }).first().click();
  await drawer.waitFor();
  await page.screenshot({ path: join(screenshots, 'dashboard-ru-drawer.png') });
  await page.keyboard.press('Escape');
  await drawer.waitFor({ state: 'detached' });
  await check();
});

test('nginx spreads requests over both replicas; a session made on one refreshes on the other', async () => {
  const session = await registerByApi();
  const createdOn = await stack.upstreamOf(session.requestId);
  assert.ok(stack.replicas.includes(createdOn), createdOn);

  const seen = new Set([createdOn]);
  let refreshToken = session.refreshToken;
  let refreshedElsewhere = false;
  for (let i = 0; i < 4; i++) {
    const { body, requestId } = await api(
      'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken } }',
      { t: refreshToken },
    );
    assert.equal(body.errors, undefined);
    refreshToken = body.data.refreshToken.refreshToken;
    const servedBy = await stack.upstreamOf(requestId);
    seen.add(servedBy);
    refreshedElsewhere ||= servedBy !== createdOn;
  }
  assert.deepEqual([...seen].sort(), [...stack.replicas].sort());
  assert.ok(refreshedElsewhere);
});

test('a subscription over /graphql/ws through nginx reports the session until it ends', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  await page.goto(`${stack.base}/login`);
  const { accessToken, refreshToken } = await registerByApi();

  // graphql-transport-ws from the page itself: the browser's WebSocket, via nginx.
  const messages = page.evaluate(({ token }) => new Promise((resolve, reject) => {
    const seen = [];
    const socket = new WebSocket(`ws://${location.host}/graphql/ws`, 'graphql-transport-ws');
    // The service reports every 10 s at most: the logout shows within that.
    const timer = setTimeout(() => reject(new Error(`timed out after ${JSON.stringify(seen)}`)), 30000);
    socket.onopen = () => socket.send(JSON.stringify({
      type: 'connection_init', payload: { Authorization: `Bearer ${token}` },
    }));
    socket.onerror = () => reject(new Error('WebSocket error'));
    socket.onmessage = ({ data }) => {
      const message = JSON.parse(data);
      seen.push(message);
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({
          id: '1', type: 'subscribe',
          payload: { query: 'subscription { sessionStatus(everySeconds: 10) { active expiresAt } }' },
        }));
      }
      if (message.type === 'next' && message.payload.data.sessionStatus.active) window.sessionSeen = true;
      if (message.type === 'complete' || message.type === 'error') {
        clearTimeout(timer);
        socket.close();
        resolve(seen);
      }
    };
  }), { token: accessToken });

  await page.waitForFunction(() => window.sessionSeen === true);
  const { body } = await api('mutation($t: String!) { logout(refreshToken: $t) }', { t: refreshToken });
  assert.equal(body.data.logout, true);

  const seen = await messages;
  assert.equal(seen[0].type, 'connection_ack');
  const events = seen.filter((m) => m.type === 'next').map((m) => m.payload.data.sessionStatus);
  assert.equal(events[0].active, true);
  assert.ok(Date.parse(events[0].expiresAt) > Date.now());
  assert.deepEqual(events.at(-1), { active: false, expiresAt: null });
  assert.equal(seen.at(-1).type, 'complete');
  await check();
});

test('GraphiQL at /graphql renders and runs { __typename } with no internet', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  const schemaLoaded = page.waitForResponse((r) => r.request().postData()?.includes('IntrospectionQuery'));
  await page.goto(`${stack.base}/graphql`);
  const editor = page.locator('.graphiql-query-editor .CodeMirror');
  await editor.waitFor();
  assert.equal((await schemaLoaded).status(), 200);
  await editor.evaluate((element) => element.CodeMirror.setValue('{ __typename }'));
  // GraphiQL takes the edit in after a debounce and then stores it; run
  // before that and it would offer the tour's operations to choose from.
  await page.waitForFunction(() => localStorage.getItem('graphiql:query') === '{ __typename }');
  await page.locator('.graphiql-execute-button').click();
  await page.locator('.result-window').getByText('"Query"').waitFor();
  assert.match(await page.locator('.result-window').innerText(), /"__typename": "Query"/);
  await page.screenshot({ path: join(screenshots, 'graphiql.png') });
  await check();
});

test('the proxy sets one set of security headers, compresses, and refuses oversized bodies', async () => {
  for (const path of ['/', '/graphql', '/client_bg.wasm', '/health']) {
    const response = await fetch(`${stack.base}${path}`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(response.status, 200, path);
    const csp = response.headers.get('content-security-policy');
    assert.equal(csp.match(/default-src/g).length, 1, `${path}: ${csp}`);
    assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
    assert.equal(response.headers.get('x-frame-options'), 'DENY', path);
    // The service sends these too (for `just run`); nginx hides its copies.
    assert.equal(response.headers.get('cross-origin-opener-policy'), 'same-origin', path);
    assert.equal(response.headers.get('permissions-policy'),
      'camera=(), microphone=(), geolocation=(), payment=()', path);
    assert.equal(response.headers.get('server'), 'nginx', path);
  }
  const wasm = await fetch(`${stack.base}/client_bg.wasm`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal(wasm.headers.get('content-encoding'), 'gzip');

  const missing = await fetch(`${stack.base}/no-such-file.js`);
  assert.equal(missing.status, 404);

  const oversized = await fetch(`${stack.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ __typename } #${'x'.repeat(70 * 1024)}` }),
  });
  assert.equal(oversized.status, 413);
});

/// Registers by the API and ends that session, so that the account's only
/// sessions are the browsers' that sign in next.
async function accountWithoutSessions() {
  const account = await registerByApi();
  const { body } = await api('mutation($t: String!) { logout(refreshToken: $t) }', { t: account.refreshToken });
  assert.equal(body.data.logout, true);
  return account;
}

/// Signs `page` in and waits for the dashboard; marks the window, so that
/// `notReloaded(page)` can tell later that it was never reloaded.
async function signedIn(page, email, options) {
  await signIn(page, email, options);
  await page.locator('#welcome').waitFor();
  await page.evaluate(() => { window.notReloaded = true; });
}
const notReloaded = (page) => page.evaluate(() => window.notReloaded === true);
const deviceLabels = async (page) =>
  (await page.locator('#devices .device-label').allInnerTexts()).map(plain);

test('the device list shows both browsers; signing one out from the other sends it to sign in, saying why', async () => {
  const first = await profile();
  const second = await profile();
  const { email } = await accountWithoutSessions();
  const a = await first.context.newPage();
  const b = await second.context.newPage();
  await signedIn(a, email);
  await signedIn(b, email);

  // From the user menu, as a person finds it.
  await a.getByRole('button', { name: 'Account menu' }).click();
  await a.getByRole('menuitem', { name: 'Settings' }).click();
  await a.waitForURL(/\/settings\/profile$/);
  await a.getByRole('link', { name: 'Security' }).click();
  await a.waitForURL(/\/settings\/security$/);
  await a.locator('#devices li').nth(1).waitFor();
  assert.deepEqual(await deviceLabels(a), ['Chrome on Linux', 'Chrome on Linux']);
  const mine = a.locator('#devices li[data-current="true"]');
  await mine.getByText('This device').waitFor();
  assert.match(plain(await mine.innerText()), /IP 127\.0\.0\.1 · Active just now/);
  assert.equal(await mine.getByRole('button', { name: 'Sign out' }).count(), 0);
  await a.screenshot({ path: join(screenshots, 'settings-security-en.png'), fullPage: true });

  await a.locator('#devices li[data-current="false"]').getByRole('button', { name: 'Sign out' }).click();
  const dialog = a.getByRole('alertdialog');
  await dialog.getByText('Sign out this device?').waitFor();
  await a.screenshot({ path: join(screenshots, 'settings-security-confirm-en.png') });
  await dialog.getByRole('button', { name: 'Sign out' }).click();
  await dialog.waitFor({ state: 'detached' });
  await a.locator('#devices li').nth(1).waitFor({ state: 'detached' });
  assert.deepEqual(await deviceLabels(a), ['Chrome on Linux']);
  await a.getByText('No other device is signed in.').waitFor();

  // The other browser hears it over its WebSocket and leaves on its own.
  await b.waitForURL(/\/login/, { timeout: 20000 });
  const reason = b.locator('#signed-out-reason');
  await reason.waitFor();
  assert.equal(plain(await reason.innerText()),
    'You were signed out because this session was ended from another device.');
  assert.equal(await notReloaded(b), true);
  assert.equal(await storedTokens(b), null);
  await b.screenshot({ path: join(screenshots, 'login-signed-out-elsewhere-en.png') });
  // Still signed in here.
  assert.equal(new URL(a.url()).pathname, '/settings/security');
  await first.check();
  await second.check();
});

test('"Sign out everywhere else" ends every other session at once and keeps this one', async () => {
  const { context, check } = await profile();
  const { email } = await accountWithoutSessions();
  // Two other devices: sessions made through the API, as a phone app would.
  const others = [];
  for (let i = 0; i < 2; i++) {
    const { body } = await api(
      'mutation($i: LoginInput!) { login(input: $i) { refreshToken } }', { i: { email, password } });
    others.push(body.data.login.refreshToken);
  }
  const page = await context.newPage();
  await signedIn(page, email);
  await page.goto(`${stack.base}/settings/security`);
  await page.locator('#devices li').nth(2).waitFor();

  await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.getByText('Sign out everywhere else?').waitFor();
  await dialog.getByRole('button', { name: 'Sign out' }).click();
  await page.getByText(/Signed out of \u20682\u2069 other devices/).waitFor();
  await page.getByText('No other device is signed in.').waitFor();
  assert.equal(await page.locator('#devices li').count(), 1);
  for (const refreshToken of others) {
    const { body } = await api(
      'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }', { t: refreshToken });
    assert.equal(body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  }
  // This browser carries on, without a reload.
  await page.goto(`${stack.base}/`);
  await page.locator('#welcome').waitFor();
  await check();
});

test('changing the password signs the other browser out; the new password works there', async () => {
  const first = await profile({ locale: 'ru-RU' });
  const second = await profile();
  const { email } = await accountWithoutSessions();
  const a = await first.context.newPage();
  const b = await second.context.newPage();
  await signIn(a, email, { submit: 'Войти' });
  await a.locator('#welcome').waitFor();
  await signedIn(b, email);
  const changed = 'a brand new passphrase';

  await a.goto(`${stack.base}/settings/security`);
  await a.locator('#devices li').nth(1).waitFor();
  assert.deepEqual(await deviceLabels(a), ['Chrome на Linux', 'Chrome на Linux']);
  await a.screenshot({ path: join(screenshots, 'settings-security-ru.png'), fullPage: true });

  // The rules are checked here first; the service judges the current password.
  await a.getByRole('button', { name: 'Сменить пароль' }).click();
  await a.getByText('Введите пароль').waitFor();
  await a.fill('#current-password', 'not the password');
  await a.fill('#new-password', changed);
  await a.fill('#confirm-new-password', changed);
  await a.getByRole('button', { name: 'Сменить пароль' }).click();
  await a.getByText('Текущий пароль неверен').waitFor();
  await a.screenshot({ path: join(screenshots, 'settings-security-wrong-password-ru.png') });

  await a.fill('#current-password', password);
  await a.getByRole('button', { name: 'Сменить пароль' }).click();
  await a.locator('#password-changed').getByText('На всех других устройствах выполнен выход').waitFor();
  assert.equal(await a.inputValue('#current-password'), '');
  // The list, refreshed: only this browser is left.
  await a.locator('#devices li').nth(1).waitFor({ state: 'detached' });

  await b.waitForURL(/\/login/, { timeout: 20000 });
  await b.locator('#signed-out-reason').waitFor();
  assert.equal(await notReloaded(b), true);
  await signIn(b, email);
  await b.getByText('Wrong email or password').waitFor();
  await signIn(b, email, { secret: changed });
  await b.locator('#welcome').waitFor();
  assert.notEqual(await storedTokens(b), null);
  await first.check();
  await second.check();
});

test('the profile page changes name and language, and both survive a reload', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  const { email } = await accountWithoutSessions();
  await signIn(page, email);
  await page.locator('#welcome').waitFor();
  await page.goto(`${stack.base}/settings/profile`);
  await page.locator('#profile-email').getByText(email).waitFor();
  await page.getByText('Not verified').waitFor();
  assert.equal(await page.inputValue('#language'), 'en');
  await page.screenshot({ path: join(screenshots, 'settings-profile-en.png'), fullPage: true });

  // A bad username is explained under its field, before anything is sent.
  await page.fill('#username', 'no spaces allowed');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Username may contain only letters').waitFor();
  // One that is taken, by the service.
  await page.fill('#username', admin.username);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('This username is already taken').waitFor();

  const username = unique('grace_');
  await page.fill('#full-name', 'Grace Hopper');
  await page.fill('#username', username);
  await page.selectOption('#language', 'ru');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByText('Профиль сохранён').waitFor();
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  assert.equal(psql(`SELECT full_name || ' ' || username || ' ' || locale FROM users WHERE email = '${email}'`,
    stack.database), `Grace Hopper ${username} ru`);

  await page.reload();
  await page.getByRole('button', { name: 'Сохранить' }).waitFor();
  assert.equal(await page.inputValue('#full-name'), 'Grace Hopper');
  assert.equal(await page.inputValue('#username'), username);
  assert.equal(await page.inputValue('#language'), 'ru');
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  await page.screenshot({ path: join(screenshots, 'settings-profile-ru.png'), fullPage: true });
  await check();
});

/// Answers the named GraphQL operations on `page` with these replies and lets
/// every other request through: an expired link takes hours to make, so the
/// link pages' every state is shown from the service's possible answers here
/// (the real links are followed in the test after these).
async function answer(page, replies) {
  await page.route('**/graphql', (route) => {
    const reply = replies[operationOf(route.request())];
    return reply ? route.fulfill({ json: reply }) : route.fallback();
  });
}
const refusal = (code) => ({ data: null, errors: [{ message: code, extensions: { code } }] });

const linkPages = {
  'en-US': {
    signIn: 'Sign in', forgot: 'Forgot password?', send: 'Send reset link', sent: 'Check your email',
    set: 'Set new password', expired: 'This link has expired', invalid: 'This link is no longer valid',
    requestNew: 'Request a new link', changed: 'Your password was changed', verified: 'Your email address is verified',
    banner: 'Please verify your email address', resend: 'Resend', resent: 'We sent a new link to',
  },
  'ru-RU': {
    signIn: 'Войти', forgot: 'Забыли пароль?', send: 'Отправить ссылку', sent: 'Проверьте почту',
    set: 'Сохранить пароль', expired: 'Срок действия ссылки истёк', invalid: 'Эта ссылка больше не действует',
    requestNew: 'Запросить новую ссылку', changed: 'Пароль изменён', verified: 'Адрес эл. почты подтверждён',
    banner: 'Подтвердите адрес эл. почты', resend: 'Отправить снова', resent: 'Мы отправили новую ссылку на',
  },
};

for (const [locale, text] of Object.entries(linkPages)) {
  const lang = locale.slice(0, 2);
  test(`the forgot, reset and verify pages and the unverified banner (${lang})`, async () => {
    const { context, check } = await profile({ locale });
    const page = await context.newPage();
    const shot = (name) => page.screenshot({ path: join(screenshots, `${name}-${lang}.png`) });

    await page.goto(`${stack.base}/login`);
    await page.getByRole('link', { name: text.forgot }).click();
    await page.waitForURL(/\/forgot-password$/);
    await shot('forgot-password');
    await answer(page, { RequestPasswordReset: { data: { requestPasswordReset: true } } });
    await page.fill('#email', 'someone@example.org');
    await page.getByRole('button', { name: text.send }).click();
    await page.getByText(text.sent).waitFor();
    assert.match(plain(await page.locator('#outcome').innerText()), /someone@example\.org/);
    await shot('forgot-password-sent');

    await page.goto(`${stack.base}/reset-password?token=from-the-mail`);
    await page.getByRole('button', { name: text.set }).waitFor();
    await shot('reset-password');
    const sent = [];
    await answer(page, { ResetPassword: refusal('TOKEN_EXPIRED') });
    page.on('request', (r) => operationOf(r) === 'ResetPassword' && sent.push(r.postDataJSON().variables));
    await page.fill('#new-password', 'a new password');
    await page.fill('#confirm-new-password', 'a new password');
    await page.getByRole('button', { name: text.set }).click();
    await page.getByText(text.expired).waitFor();
    assert.deepEqual(sent, [{ token: 'from-the-mail', newPassword: 'a new password' }]);
    await shot('reset-password-expired');
    await page.getByRole('link', { name: text.requestNew }).click();
    await page.waitForURL(/\/forgot-password$/);

    // A link with no token at all is refused without asking the service.
    await page.goto(`${stack.base}/reset-password`);
    await page.getByText(text.invalid).waitFor();
    await shot('reset-password-invalid');
    await page.goto(`${stack.base}/reset-password?token=t`);
    await answer(page, { ResetPassword: { data: { resetPassword: true } } });
    await page.fill('#new-password', 'a new password');
    await page.fill('#confirm-new-password', 'a new password');
    await page.getByRole('button', { name: text.set }).click();
    await page.getByText(text.changed).waitFor();
    await shot('reset-password-done');

    for (const [state, reply, heading] of [
      ['expired', refusal('TOKEN_EXPIRED'), text.expired],
      ['invalid', refusal('INVALID_TOKEN'), text.invalid],
    ]) {
      await answer(page, { VerifyEmail: reply });
      await page.goto(`${stack.base}/verify-email?token=t`);
      await page.getByText(heading).waitFor();
      await shot(`verify-email-${state}`);
    }

    // Signed in and unverified: the dashboard asks, and "Resend" mails again.
    const { email } = await accountWithoutSessions();
    await signIn(page, email, { submit: text.signIn });
    await page.locator('#welcome').waitFor();
    await page.locator('#verify-banner').getByText(text.banner).waitFor();
    await answer(page, { RequestEmailVerification: { data: { requestEmailVerification: true } } });
    await page.getByRole('button', { name: text.resend }).click();
    await page.getByText(text.resent).waitFor();
    await shot('dashboard-unverified');

    // Verified (here by the database, as the link would): the page refreshes
    // the profile, so the banner is gone.
    psql(`UPDATE users SET email_verified = true WHERE email = '${email}'`, stack.database);
    await answer(page, { VerifyEmail: { data: { verifyEmail: true } } });
    await page.goto(`${stack.base}/verify-email?token=t`);
    await page.getByText(text.verified).waitFor();
    await shot('verify-email-verified');
    await page.locator('main a[href="/"]').click();
    await page.locator('#welcome').waitFor();
    assert.equal(await page.locator('#verify-banner').count(), 0);
    await check();
  });
}

test('mailed links, followed in the browser: the address is verified, then a reset password signs every device out', async () => {
  const first = await profile();
  const second = await profile();
  const { email } = await accountWithoutSessions();
  const page = await first.context.newPage();
  await signedIn(page, email);
  await page.locator('#verify-banner').waitFor();

  const verification = await stack.mail.next(email, (m) => m.text.includes('/verify-email?token='));
  const verifyLink = linkIn(verification, `${stack.base}/verify-email?token=`);
  await page.goto(verifyLink);
  await page.getByText('Your email address is verified').waitFor();
  await page.getByRole('link', { name: 'Continue to the dashboard' }).click();
  await page.locator('#welcome').waitFor();
  assert.equal(await page.locator('#verify-banner').count(), 0);
  // Each link works once.
  await page.goto(verifyLink);
  await page.getByText('This link is no longer valid').waitFor();
  await page.goto(`${stack.base}/`);
  await page.locator('#welcome').waitFor();
  await page.evaluate(() => { window.notReloaded = true; });

  // Forgotten, from another browser that is signed out.
  const other = await second.context.newPage();
  await other.goto(`${stack.base}/login`);
  await other.getByRole('link', { name: 'Forgot password?' }).click();
  await other.fill('#email', email);
  await other.getByRole('button', { name: 'Send reset link' }).click();
  await other.getByText('Check your email').waitFor();
  const reset = await stack.mail.next(email, (m) => m.text.includes('/reset-password?token='));
  await other.goto(linkIn(reset, `${stack.base}/reset-password?token=`));
  const changed = 'reset by the mailed link';
  await other.fill('#new-password', changed);
  await other.fill('#confirm-new-password', changed);
  await other.getByRole('button', { name: 'Set new password' }).click();
  await other.getByText('Your password was changed').waitFor();

  // Every session ended: the first browser leaves on its own, saying why.
  await page.waitForURL(/\/login/, { timeout: 20000 });
  await page.locator('#signed-out-reason').waitFor();
  assert.equal(await notReloaded(page), true);
  await other.getByRole('link', { name: 'Sign in' }).click();
  await other.waitForURL(/\/login/);
  await signIn(other, email, { secret: changed });
  await other.locator('#welcome').waitFor();
  await first.check();
  await second.check();
});

test('registration mail arrives over SMTP from a replica, in the account language, with a link to PUBLIC_URL', async () => {
  const { email } = await registerByApi({ locale: 'ru' });
  const message = await stack.mail.next(email);
  assert.equal(message.subject, 'Подтвердите адрес электронной почты');
  const link = linkIn(message, `${stack.base}/verify-email?token=`);
  assert.match(link, /token=[0-9a-f]{64}$/);
  assert.ok(message.html.includes(link), 'the HTML part carries the same link');
});

test('"Resend" on the banner mails a new link that replaces the first; the new one verifies', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  const email = `${unique('verify-')}@example.org`;
  await page.goto(`${stack.base}/register`);
  await fillRegistration(page, { email, username: unique('verify_') });
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
  await page.locator('#welcome').waitFor();
  assert.equal(await page.locator('#verify-banner').count(), 0);
  await check();
});

test('the mail itself, as a reader sees it, in both languages', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  for (const locale of ['en', 'ru']) {
    const { email } = await registerByApi({ locale });
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

test('guessing from many addresses locks sign-in; the mailed link unlocks it in the browser', async () => {
  const browser = await profile();
  const { email } = await accountWithoutSessions();
  const guess = (i) =>
    api('mutation($i: LoginInput!) { login(input: $i) { accessToken } }',
      { i: { email, password: `guess number ${i}` } }, undefined, { from: `192.0.2.${i}` });
  for (let i = 1; i <= 10; i++) {
    const { body } = await guess(i);
    assert.equal(body.errors[0].extensions.code, 'INVALID_CREDENTIALS');
  }
  const { body } = await guess(11);
  assert.equal(body.errors[0].extensions.code, 'SIGN_IN_LOCKED');

  // The owner, with the right password, is told what to do.
  const page = await browser.context.newPage();
  await signIn(page, email);
  await page.getByText('Signing in with your password is locked').waitFor();

  const locked = await stack.mail.next(email, (m) => m.text.includes('/unlock?token='));
  assert.match(locked.subject, /locked/);
  const link = linkIn(locked, `${stack.base}/unlock?token=`);
  await page.goto(link);
  await page.getByText('Signing in is unlocked').waitFor();
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.waitForURL(/\/login/);
  await signIn(page, email);
  await page.locator('#welcome').waitFor();
  // The link worked once.
  await page.goto(link);
  await page.getByText('This link is no longer valid').waitFor();
  await browser.check();
});

/// An account made by the API with a recognisable email and username, and
/// no session of its own.
async function namedAccount(prefix) {
  const id = unique('');
  const email = `${prefix}-${id}@example.org`;
  const { body } = await api(
    'mutation($i: RegisterInput!) { register(input: $i) { user { id } refreshToken } }',
    { i: { email, username: `${prefix}_${id}`, password } },
  );
  assert.equal(body.errors, undefined);
  await api('mutation($t: String!) { logout(refreshToken: $t) }', { t: body.data.register.refreshToken });
  return { email, id: body.data.register.user.id, prefix: `${prefix}-${id}` };
}

/// Whether `expected` occurs in `kinds` in this order (other kinds may come
/// between).
const inOrder = (kinds, expected) => {
  let at = 0;
  for (const kind of kinds) if (kind === expected[at]) at++;
  return at === expected.length;
};
const kindsShown = async (page) => page.locator('#events li').evaluateAll((rows) => rows.map((r) => r.dataset.kind));

test('the admin console: find an account by prefix, deactivate it (its open browser is signed out), reactivate, read its activity', async () => {
  const operator = await profile();
  const person = await profile();
  const account = await namedAccount('console');
  const theirs = await person.context.newPage();
  await signedIn(theirs, account.email);
  // Not an admin: no console in the navigation, and its address leads nowhere.
  assert.equal(await theirs.getByRole('link', { name: 'Admin' }).count(), 0);
  await theirs.goto(`${stack.base}/admin/users`);
  await theirs.getByText('Page not found').waitFor();
  await theirs.goto(`${stack.base}/`);
  await theirs.locator('#welcome').waitFor();
  await theirs.evaluate(() => { window.notReloaded = true; });

  const page = await operator.context.newPage();
  await signIn(page, admin.email, { secret: admin.password });
  await page.locator('#welcome').waitFor();
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.waitForURL(/\/admin\/users$/);
  await page.locator('#users tbody tr').first().waitFor();

  // Typing pauses before the search is sent; only the last prefix counts.
  const searched = [];
  page.on('request', (r) => operationOf(r) === 'Users' && searched.push(r.postDataJSON().variables.search));
  await page.locator('#user-search').pressSequentially(account.prefix.slice(0, 12), { delay: 20 });
  const rows = page.locator('#users tbody tr');
  const row = page.locator(`#users tr[data-email="${account.email}"]`);
  await page.waitForFunction(() => document.querySelectorAll('#users tbody tr').length === 1);
  await row.waitFor();
  assert.deepEqual(searched, [account.prefix.slice(0, 12)]);
  assert.equal(await rows.count(), 1);
  assert.match(plain(await row.innerText()), /User\s+Active\s+No\s+Off\s+just now\s+just now/);
  await page.screenshot({ path: join(screenshots, 'admin-users-en.png'), fullPage: true });

  const act = async (item, confirm, shot) => {
    await row.getByRole('button', { name: /^Actions for/ }).click();
    await page.getByRole('menuitem', { name: item }).click();
    const dialog = page.getByRole('alertdialog');
    await dialog.waitFor();
    if (shot) await page.screenshot({ path: join(screenshots, shot) });
    await dialog.getByRole('button', { name: confirm }).click();
    await dialog.waitFor({ state: 'detached' });
  };
  await act('Deactivate', 'Deactivate', 'admin-deactivate-en.png');
  await page.locator(`#users tr[data-email="${account.email}"][data-active="false"]`).waitFor();
  assert.equal(psql(`SELECT is_active FROM users WHERE email = '${account.email}'`, stack.database), 'f');

  // Their open browser learns it over the session subscription.
  await theirs.waitForURL(/\/login/, { timeout: 20000 });
  await theirs.locator('#signed-out-reason').waitFor();
  assert.equal(await notReloaded(theirs), true);
  // Refused while deactivated (FORBIDDEN), and told why.
  await signIn(theirs, account.email);
  await theirs.getByText('This account has been deactivated.', { exact: false }).waitFor();

  await act('Activate', 'Activate');
  await page.locator(`#users tr[data-email="${account.email}"][data-active="true"]`).waitFor();
  await signIn(theirs, account.email);
  await theirs.locator('#welcome').waitFor();

  await row.getByRole('button', { name: /^Actions for/ }).click();
  await page.getByRole('menuitem', { name: 'View activity' }).click();
  await page.waitForURL(new RegExp(`/admin/audit\\?user=${account.id}$`));
  assert.equal(await page.inputValue('#audit-user'), account.id);
  await page.locator('#events li[data-kind="ACCOUNT_ACTIVATED"]').waitFor();
  // Newest first: the last sign-in, the admin's two changes, the sign-in
  // refused while deactivated, the first sign-in, the registration.
  const kinds = await kindsShown(page);
  assert.ok(inOrder(kinds, [
    'LOGIN_SUCCEEDED', 'ACCOUNT_ACTIVATED', 'LOGIN_FAILED', 'ACCOUNT_DEACTIVATED', 'LOGIN_SUCCEEDED', 'REGISTERED',
  ]), kinds.join(' '));
  const deactivated = page.locator('#events li[data-kind="ACCOUNT_DEACTIVATED"]');
  assert.match(plain(await deactivated.innerText()), new RegExp(`${account.email} · by ${admin.email}`));
  assert.match(plain(await page.locator('#events li[data-kind="LOGIN_FAILED"]').innerText()), /account deactivated/);
  await page.screenshot({ path: join(screenshots, 'admin-audit-en.png'), fullPage: true });

  // Filtered by kind too.
  await page.locator('#audit-filter summary').click();
  await page.getByLabel('Account deactivated').check();
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForFunction(() => document.querySelectorAll('#events li').length === 1);
  assert.deepEqual(await kindsShown(page), ['ACCOUNT_DEACTIVATED']);

  await page.click('#language-toggle');
  await page.getByRole('button', { name: 'Применить фильтры' }).waitFor();
  await page.screenshot({ path: join(screenshots, 'admin-audit-ru.png'), fullPage: true });
  await page.getByRole('link', { name: 'Аккаунты' }).click();
  await page.locator('#users tbody tr').first().waitFor();
  await page.screenshot({ path: join(screenshots, 'admin-users-ru.png'), fullPage: true });
  await page.click('#language-toggle');
  await operator.check();
  await person.check();
});

test('a person reads their activity, downloads their data, and deletes their account', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  const account = await namedAccount('leaving');
  await signedIn(page, account.email);
  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Settings' }).click();
  await page.getByRole('link', { name: 'Activity' }).click();
  await page.waitForURL(/\/settings\/activity$/);
  const signedInEvent = page.locator('#events li[data-kind="LOGIN_SUCCEEDED"]');
  await signedInEvent.waitFor();
  assert.match(plain(await signedInEvent.innerText()), /Signed in[\s\S]*Chrome on Linux · IP 127\.0\.0\.1/);
  const kinds = await kindsShown(page);
  assert.ok(inOrder(kinds, ['LOGIN_SUCCEEDED', 'LOGGED_OUT', 'REGISTERED']), kinds.join(' '));
  await page.screenshot({ path: join(screenshots, 'settings-activity-en.png'), fullPage: true });

  await page.getByRole('link', { name: 'Privacy' }).click();
  await page.waitForURL(/\/settings\/privacy$/);
  await page.screenshot({ path: join(screenshots, 'settings-privacy-en.png'), fullPage: true });
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download my data' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^vitals-data-\d{4}-\d{2}-\d{2}\.json$/);
  const data = JSON.parse(readFileSync(await download.path(), 'utf8'));
  assert.ok(JSON.stringify(data).includes(account.email), 'the export holds the email');
  assert.ok(JSON.stringify(data).includes(account.id), 'the export holds the account id');
  await page.getByText('Your data was downloaded').waitFor();
  // The download itself is on the record.
  await page.getByRole('link', { name: 'Activity' }).click();
  await page.locator('#events li[data-kind="DATA_EXPORTED"]').waitFor();
  await page.getByRole('link', { name: 'Privacy' }).click();

  await page.getByRole('button', { name: 'Delete my account' }).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Delete for good' }).click();
  await dialog.getByText('Enter your password', { exact: true }).waitFor();
  await page.fill('#delete-password', 'not the password');
  await dialog.getByRole('button', { name: 'Delete for good' }).click();
  await dialog.getByText('The password is wrong').waitFor();
  await page.screenshot({ path: join(screenshots, 'settings-delete-en.png') });
  assert.equal(psql(`SELECT count(*) FROM users WHERE email = '${account.email}'`, stack.database), '1');
  await page.fill('#delete-password', password);
  await page.keyboard.press('Enter');

  await page.waitForURL(/\/login/);
  assert.match(plain(await page.locator('#signed-out-reason').innerText()), /Your account was deleted/);
  assert.equal(await storedTokens(page), null);
  assert.equal(psql(`SELECT count(*) FROM users WHERE email = '${account.email}'`, stack.database), '0');
  await signIn(page, account.email);
  await page.getByText('Wrong email or password').waitFor();
  await check();
});

test('Settings › Activity and Privacy in Russian', async () => {
  const { context, check } = await profile({ locale: 'ru-RU' });
  const page = await context.newPage();
  const account = await namedAccount('russian');
  await signIn(page, account.email, { submit: 'Войти' });
  await page.locator('#welcome').waitFor();
  await page.goto(`${stack.base}/settings/activity`);
  await page.locator('#events li[data-kind="LOGIN_SUCCEEDED"]').getByText('Вход', { exact: true }).waitFor();
  await page.screenshot({ path: join(screenshots, 'settings-activity-ru.png'), fullPage: true });
  await page.getByRole('link', { name: 'Конфиденциальность' }).click();
  await page.getByRole('button', { name: 'Удалить мой аккаунт' }).click();
  await page.getByRole('alertdialog').waitFor();
  await page.screenshot({ path: join(screenshots, 'settings-privacy-ru.png'), fullPage: true });
  await check();
});

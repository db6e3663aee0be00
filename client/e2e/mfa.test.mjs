// End-to-end: second factors (issue 15) in Debian's headless Chromium, on a
// stack of their own (stack.mjs). The authenticator's codes are computed here
// from the secret the page shows (RFC 6238: HMAC-SHA1, 30 s, 6 digits);
// passkeys are Chromium's virtual authenticator, over the DevTools protocol.
// The step-up test starts one more stack whose window is 30 s.
//
// Run with `just e2e` (or `just e2e --test-name-pattern passkey`).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { root, startStack } from './stack.mjs';

const serviceBin = process.env.SERVICE_BIN ?? join(root, 'target', 'debug', 'service');
const screenshots = process.env.SCREENSHOT_DIR ?? join(root, 'target', 'screenshots');
const password = 'correct horse battery';
const plain = (text) => text.replace(/[\u2068\u2069]/g, '');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let counter = 0;
const unique = (prefix) => `${prefix}${Date.now().toString(36)}${counter++}`;
const operationOf = (request) =>
  request.url().endsWith('/graphql') && request.method() === 'POST' ? request.postDataJSON().operationName : null;
const storedTokens = (page) => page.evaluate(() => JSON.parse(localStorage.getItem('auth'))?.tokens ?? null);

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

// --- RFC 6238 ---------------------------------------------------------------

function base32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const bytes = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    const index = alphabet.indexOf(c);
    if (index < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bytes.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(bytes);
}

/// The code for the 30-second step `step` of `key` (bytes), `digits` long.
function hotp(key, step, digits = 6) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const at = mac[mac.length - 1] & 0x0f;
  const number = ((mac[at] & 0x7f) << 24) | (mac[at + 1] << 16) | (mac[at + 2] << 8) | mac[at + 3];
  return String(number % 10 ** digits).padStart(digits, '0');
}
const stepNow = () => Math.floor(Date.now() / 1000 / 30);

// RFC 6238's own test vector (SHA-1, T = 59 s): the code above is right.
assert.equal(hotp(Buffer.from('12345678901234567890'), Math.floor(59 / 30), 8), '94287082');

/// A code the service has not seen yet: it refuses a step's code twice, so
/// this waits for the next step when this one was used.
const usedSteps = new Map();
async function freshCode(secret) {
  const last = usedSteps.get(secret) ?? -1;
  while (stepNow() <= last) await sleep(500);
  const step = stepNow();
  usedSteps.set(secret, step);
  return hotp(base32(secret), step);
}

// --- the browser ------------------------------------------------------------

/// A browser profile that reaches `on` (a stack) and nothing else, and
/// records page errors and console errors; `check()` fails on any.
async function profile(options = {}, on = stack) {
  const context = await browser.newContext({ locale: 'en-US', colorScheme: 'light', ...options });
  const problems = [];
  const origin = new URL(on.base).origin;
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    problems.push(`request outside the proxy: ${url}`);
    return route.abort('blockedbyclient');
  });
  context.on('page', (page) => {
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && !expectedConsole(m.text()) && problems.push(`console: ${m.text()}`));
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
// Chromium logs a refused WebAuthn ceremony itself; the tests cause none.
const expectedConsole = () => false;

async function api(query, variables = {}, token, on = stack) {
  const response = await fetch(`${on.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  assert.equal(response.status, 200);
  return response.json();
}

/// An account made by the API, with no session of its own.
async function account(prefix, on = stack) {
  const id = unique('');
  const email = `${prefix}-${id}@example.org`;
  const body = await api(
    'mutation($i: RegisterInput!) { register(input: $i) { refreshToken } }',
    { i: { email, username: `${prefix}_${id}`, password } }, undefined, on,
  );
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  await api('mutation($t: String!) { logout(refreshToken: $t) }', { t: body.data.register.refreshToken }, undefined, on);
  return email;
}

async function signIn(page, email, { on = stack, submit = 'Sign in' } = {}) {
  await page.goto(`${on.base}/login`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.getByRole('button', { name: submit, exact: true }).click();
}

async function signOut(page, { menu = 'Account menu', item = 'Log out' } = {}) {
  await page.getByRole('button', { name: menu }).click();
  const loggedOut = page.waitForResponse((r) => operationOf(r.request()) === 'Logout');
  await page.getByRole('menuitem', { name: item }).click();
  await loggedOut;
  await page.waitForURL(/\/login/);
}

/// Waits until Settings › Two-factor says how many recovery codes are left.
const recoveryLeft = (page, text) => page.waitForFunction(
  (expected) => document.querySelector('#recovery-left')?.innerText.replace(/[\u2068\u2069]/g, '') === expected, text);
const shot = (page, name, options = {}) => page.screenshot({ path: join(screenshots, `${name}.png`), ...options });

/// Turns the authenticator on from Settings › Two-factor, as a person does;
/// gives its secret and the recovery codes shown.
async function enableTotp(page, { screenshotsAs } = {}) {
  await page.getByRole('button', { name: 'Set up' }).click();
  const secretShown = page.locator('#totp-secret');
  await secretShown.waitFor();
  const secret = (await secretShown.innerText()).replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{16,}$/);
  await page.locator('#totp-enrolment svg[role="img"] path').waitFor();
  if (screenshotsAs) await shot(page, `settings-mfa-enrol-${screenshotsAs}`, { fullPage: true });

  // A wrong code first: refused, said so, nothing turned on.
  const right = await freshCode(secret);
  await page.fill('#totp-code', right === '000000' ? '111111' : '000000');
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.getByText('That code is wrong').waitFor();
  await page.fill('#totp-code', right);
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.locator('#recovery-codes li').nth(9).waitFor();
  const codes = (await page.locator('#recovery-codes li').allInnerTexts()).map((c) => c.trim());
  assert.equal(codes.length, 10);
  if (screenshotsAs) await shot(page, `settings-mfa-recovery-codes-${screenshotsAs}`, { fullPage: true });
  return { secret, codes };
}

// --- the tests --------------------------------------------------------------

test('TOTP: set up in Settings, then sign in with password and code, and with a recovery code', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  const id = unique('');
  const email = `totp-${id}@example.org`;
  await page.goto(`${stack.base}/register`);
  await page.fill('#email', email);
  await page.fill('#username', `totp_${id}`);
  await page.fill('#password', password);
  await page.fill('#confirm-password', password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#welcome').waitFor();

  await page.getByRole('button', { name: 'Account menu' }).click();
  await page.getByRole('menuitem', { name: 'Settings' }).click();
  await page.getByRole('link', { name: 'Two-factor' }).click();
  await page.waitForURL(/\/settings\/two-factor$/);
  await page.locator('#totp-state').waitFor();
  await shot(page, 'settings-mfa-off-en', { fullPage: true });
  const { secret, codes } = await enableTotp(page, { screenshotsAs: 'en' });
  for (const code of codes) assert.match(code, /^[a-z0-9]{4}(-[a-z0-9]{4}){3}$/i, code);

  // Saved as a file, one code a line.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'vitals-recovery-codes.txt');
  const saved = readFileSync(await download.path(), 'utf8');
  for (const code of codes) assert.ok(saved.includes(`${code}\n`), code);
  await page.getByRole('button', { name: 'I have saved them' }).click();
  await page.locator('#recovery-codes').waitFor({ state: 'detached' });
  assert.equal(plain(await page.locator('#totp-state').innerText()), 'On');
  assert.equal(plain(await page.locator('#recovery-left').innerText()), '10 recovery codes left');
  await shot(page, 'settings-mfa-on-en', { fullPage: true });

  // The password alone no longer signs in: the second-factor page, which a
  // reload keeps (with the password's session), and other pages lead to.
  await signOut(page);
  await signIn(page, email);
  await page.waitForURL(/\/sign-in\/verify/);
  await page.locator('#mfa-code').waitFor();
  await shot(page, 'sign-in-verify-en');
  const partial = await storedTokens(page);
  assert.notEqual(partial, null);
  await page.reload();
  await page.locator('#mfa-code').waitFor();
  assert.match(new URL(page.url()).pathname, /^\/sign-in\/verify/);
  await page.goto(`${stack.base}/settings/profile`);
  await page.waitForURL(/\/sign-in\/verify/);
  await page.locator('#mfa-code').waitFor();
  // The service agrees: this session may not do anything else yet.
  const refused = await api('{ mySessions { id } }', {}, partial.access_token);
  assert.equal(refused.errors?.[0]?.extensions?.code, 'MFA_REQUIRED');

  await page.fill('#mfa-code', '12345');
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('Enter the 6 digits from your authenticator app, or a recovery code').waitFor();
  await page.fill('#mfa-code', await freshCode(secret));
  await page.getByRole('button', { name: 'Continue' }).click();
  // Back to the page that sent it here.
  await page.waitForURL(/\/settings\/profile$/);
  await page.locator('#profile-email').waitFor();
  // The verified pair replaced the password's.
  const full = await storedTokens(page);
  assert.notEqual(full.access_token, partial.access_token);
  assert.equal((await api('{ mySessions { id } }', {}, full.access_token)).errors, undefined);

  // A recovery code instead, typed in capitals and without dashes; it works
  // once.
  await signOut(page);
  await signIn(page, email);
  await page.locator('#mfa-code').waitFor();
  await page.fill('#mfa-code', codes[0].replace(/-/g, '').toUpperCase());
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.locator('#welcome').waitFor();
  await page.goto(`${stack.base}/settings/two-factor`);
  await recoveryLeft(page, '9 recovery codes left');
  await signOut(page);
  await signIn(page, email);
  await page.locator('#mfa-code').waitFor();
  await page.fill('#mfa-code', codes[0]);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('That code is wrong, or was already used').waitFor();
  await shot(page, 'sign-in-verify-wrong-en');
  await check();

  // The same pages in Russian, dark.
  const russian = await profile({ locale: 'ru-RU', colorScheme: 'dark' });
  const ru = await russian.context.newPage();
  await signIn(ru, email, { submit: 'Войти' });
  await ru.locator('#mfa-code').waitFor();
  await ru.getByText('Подтвердите, что это вы').waitFor();
  await shot(ru, 'sign-in-verify-ru-dark');
  await ru.fill('#mfa-code', await freshCode(secret));
  await ru.getByRole('button', { name: 'Продолжить' }).click();
  await ru.locator('#welcome').waitFor();
  await ru.goto(`${stack.base}/settings/two-factor`);
  await recoveryLeft(ru, 'Осталось 9 резервных кодов');
  await shot(ru, 'settings-mfa-on-ru-dark', { fullPage: true });
  await ru.getByRole('button', { name: 'Выключить' }).click();
  const dialog = ru.getByRole('alertdialog');
  await dialog.waitFor();
  await ru.fill('#disable-code', await freshCode(secret));
  await shot(ru, 'settings-mfa-turn-off-ru-dark');
  await dialog.getByRole('button', { name: 'Выключить' }).click();
  await dialog.waitFor({ state: 'detached' });
  await ru.locator('#totp-state').getByText('Выключено').waitFor();
  await russian.check();
});

/// A virtual authenticator (a platform one, with a fingerprint reader that
/// always says yes) for `page`, as long as the page lives.
async function virtualAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2', ctap2Version: 'ctap2_1', transport: 'internal',
      hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
  };
}

test('passkeys: add one in Settings, sign in with it alone, and give it as the second factor after a password', async () => {
  const { context, check } = await profile();
  const page = await context.newPage();
  const authenticator = await virtualAuthenticator(page);
  const email = await account('passkey');
  await signIn(page, email);
  await page.locator('#welcome').waitFor();
  await page.goto(`${stack.base}/settings/two-factor`);
  await page.getByText('No passkey yet.').waitFor();

  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.getByText('Give the passkey a name').waitFor();
  await page.fill('#passkey-name', 'Test laptop');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  const row = page.locator('#passkeys li[data-name="Test laptop"]');
  await row.waitFor();
  assert.match(plain(await row.innerText()), /Added just now · never used/);
  assert.equal((await authenticator.credentials()).length, 1);
  await shot(page, 'settings-mfa-passkey-en', { fullPage: true });

  await row.getByRole('button', { name: 'Rename' }).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  await page.fill('#rename-passkey', 'Laptop');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await page.locator('#passkeys li[data-name="Laptop"]').waitFor();

  // Alone: no email, no password.
  await signOut(page);
  await page.goto(`${stack.base}/login`);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.locator('#welcome').waitFor();
  assert.notEqual(await storedTokens(page), null);

  // After a password, as the second factor.
  await signOut(page);
  await signIn(page, email);
  await page.waitForURL(/\/sign-in\/verify/);
  await page.getByRole('button', { name: 'Use a passkey' }).click();
  await page.locator('#welcome').waitFor();
  await page.goto(`${stack.base}/settings/two-factor`);
  const used = page.locator('#passkeys li[data-name="Laptop"]');
  await used.getByText(/last used \u2068?just now/).waitFor();

  await used.getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Remove' }).click();
  await page.getByText('No passkey yet.').waitFor();
  // Without a factor the password is enough again.
  await signOut(page);
  await signIn(page, email);
  await page.locator('#welcome').waitFor();
  await check();
});

test('step-up: past the window, a sensitive action asks to confirm it is you, then goes through', async () => {
  // A stack of its own, with the shortest window the service takes.
  const short = await startStack({ serviceBin, serviceEnv: { STEP_UP_WINDOW_SECONDS: '30' } });
  try {
    const { context, check } = await profile({}, short);
    const page = await context.newPage();
    const email = await account('stepup', short);
    await signIn(page, email, { on: short });
    await page.locator('#welcome').waitFor();
    await page.goto(`${short.base}/settings/privacy`);
    await sleep(31000);

    const exports = [];
    page.on('request', (r) => operationOf(r) === 'ExportMyData' && exports.push(r));
    const dialog = page.getByRole('alertdialog');
    // Cancelled (in Russian, dark): not retried, and the page says why.
    await page.click('#language-toggle');
    await page.click('#theme-toggle');
    await page.getByRole('button', { name: 'Скачать мои данные' }).click();
    await dialog.getByText('Для этого действия нужен недавний вход').waitFor();
    await shot(page, 'step-up-ru-dark');
    await dialog.getByRole('button', { name: 'Отмена' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByText('Для этого нужно подтвердить, что это вы').waitFor();
    assert.equal(exports.length, 1);

    await page.click('#language-toggle');
    // The toast raised in Russian follows the language while it shows.
    await page.getByText('This needs you to confirm it is you').waitFor();
    await page.click('#theme-toggle');
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Download my data' }).click();
    await dialog.getByText('This action needs a recent sign-in').waitFor();
    await shot(page, 'step-up-en');
    await page.fill('#step-up-password', 'not the password');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.getByText('The password is wrong').waitFor();
    await page.fill('#step-up-password', password);
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.waitFor({ state: 'detached' });
    // Retried once, with the new pair: the file comes.
    assert.match((await download).suggestedFilename(), /^vitals-data-/);
    assert.equal(exports.length, 3);
    await check();
  } finally {
    await short.stop();
  }
});

test('the admin console shows who has a second factor and resets it', async () => {
  const admin = { email: `admin-${unique('')}@e2e.example`, username: unique('admin_'), password: 'e2e operator keeps the keys' };
  // The admin, made the way the README says: `just seed-admin`.
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
  // Someone with an authenticator app, set up through the API.
  const id = unique('');
  const email = `reset-${id}@example.org`;
  const registered = await api(
    'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }',
    { i: { email, username: `reset_${id}`, password } },
  );
  const token = registered.data.register.accessToken;
  const enrolment = await api('mutation { startTotpEnrollment { secret otpauthUri } }', {}, token);
  assert.equal(enrolment.errors, undefined, JSON.stringify(enrolment.errors));
  const { secret, otpauthUri } = enrolment.data.startTotpEnrollment;
  assert.match(otpauthUri, /^otpauth:\/\/totp\//);
  const confirmed = await api('mutation($c: String!) { confirmTotp(code: $c) }', { c: await freshCode(secret) }, token);
  assert.equal(confirmed.data.confirmTotp.length, 10);

  const { context, check } = await profile();
  const page = await context.newPage();
  await page.goto(`${stack.base}/login`);
  await page.fill('#email', admin.email);
  await page.fill('#password', admin.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // Where the service demands a second factor of admins (REQUIRE_ADMIN_MFA),
  // the admin is held on Settings › Two-factor until one is set up.
  await page.locator('#welcome, #mfa-enrollment-notice').first().waitFor();
  if (await page.locator('#mfa-enrollment-notice').count()) {
    assert.equal(new URL(page.url()).pathname, '/settings/two-factor');
    await shot(page, 'settings-mfa-enrolment-required-en', { fullPage: true });
    await page.goto(`${stack.base}/admin/users`);
    await page.waitForURL(/\/settings\/two-factor$/);
    await page.locator('#mfa-enrollment-notice').waitFor();
    await enableTotp(page);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await page.locator('#mfa-enrollment-notice').waitFor({ state: 'detached' });
  }

  await page.goto(`${stack.base}/admin/users`);
  await page.locator('#user-search').fill(email);
  const row = page.locator(`#users tr[data-email="${email}"]`);
  await row.waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#users tbody tr').length === 1);
  assert.equal(plain(await row.locator('.user-mfa').innerText()), 'On');
  await row.getByRole('button', { name: /^Actions for/ }).click();
  await page.getByRole('menuitem', { name: 'Reset second factors' }).click();
  const dialog = page.getByRole('alertdialog');
  await dialog.waitFor();
  await shot(page, 'admin-reset-mfa-en');
  await dialog.getByRole('button', { name: 'Reset second factors' }).click();
  await dialog.waitFor({ state: 'detached' });
  await row.locator('.user-mfa').getByText('Off').waitFor();
  await shot(page, 'admin-users-mfa-en', { fullPage: true });

  // The password alone signs them in again.
  const login = await api('mutation($i: LoginInput!) { login(input: $i) { user { mfaRequired mfaEnabled } } }',
    { i: { email, password } });
  assert.deepEqual(login.data.login.user, { mfaRequired: false, mfaEnabled: false });
  await check();
});

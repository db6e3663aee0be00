// End-to-end, with mail: the stack of stack.mjs sends through a real SMTP
// server, and these tests follow the links in what it receives, in the
// browser, as a person reading their mail would.
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

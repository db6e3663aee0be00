// End-to-end: another service verifies access tokens the way README "Verify
// tokens in other services" tells it to. The replicas sign with EdDSA; the
// JWK Set is fetched through deploy/nginx, as a browser-facing verifier
// would, and a token from a real registration checks against it with
// node's own crypto (no code of ours). Introspection is for the inner
// network: nginx does not route it, and a replica answers it directly. A
// stack of its own, for the signing key. Run with `just e2e
// --test-name-pattern JWK`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, startStack } from './stack.mjs';

const serviceBin = process.env.SERVICE_BIN ?? join(root, 'target', 'debug', 'service');
const keyDir = mkdtempSync(join(tmpdir(), 'e2e-signing-key-'));
const introspector = { id: 'billing', secret: randomBytes(32).toString('hex') };

let stack;

before(async () => {
  const keyFile = join(keyDir, 'signing-key.pem');
  const pem = execFileSync(serviceBin, ['gen-signing-key', '--algorithm', 'EdDSA'], { stdio: ['ignore', 'pipe', 'ignore'] });
  writeFileSync(keyFile, pem, { mode: 0o600 });
  const hash = createHash('sha256').update(introspector.secret).digest('hex');
  stack = await startStack({
    serviceBin,
    serviceEnv: {
      ACCESS_TOKEN_ALGORITHM: 'EdDSA',
      ACCESS_TOKEN_SIGNING_KEY_FILE: keyFile,
      INTROSPECTION_CLIENTS: `${introspector.id}:${hash}`,
    },
  });
});

after(async () => {
  await stack?.stop();
  rmSync(keyDir, { recursive: true, force: true });
});

const base64url = (part) => Buffer.from(part, 'base64url');

async function registeredAccessToken() {
  const n = randomBytes(4).toString('hex');
  const response = await fetch(`${stack.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }',
      variables: { i: { email: `verifier-${n}@e2e.example`, username: `verifier_${n}`, password: 'a long enough passphrase' } },
    }),
  });
  const reply = await response.json();
  assert.equal(reply.errors, undefined, JSON.stringify(reply));
  return reply.data.register.accessToken;
}

test('a JWK Set fetched through nginx verifies a token from a real sign-up; introspection answers only inside', async () => {
  const published = await fetch(`${stack.base}/.well-known/jwks.json`);
  assert.equal(published.status, 200, 'nginx routes the JWK Set to the service');
  assert.match(published.headers.get('cache-control') ?? '', /max-age=300/);
  const { keys } = await published.json();
  assert.equal(keys.length, 1);
  assert.equal(keys[0].d, undefined, 'no private part');

  const token = await registeredAccessToken();
  const [header, claims, signature] = token.split('.');
  const head = JSON.parse(base64url(header));
  assert.equal(head.alg, 'EdDSA');
  assert.equal(head.typ, 'at+jwt');
  const jwk = keys.find((k) => k.kid === head.kid);
  assert.ok(jwk, `the token's kid ${head.kid} is published`);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const signed = Buffer.from(`${header}.${claims}`);
  assert.ok(verify(null, signed, key, base64url(signature)), 'the signature checks against the published key');
  const forged = Buffer.from(`${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(base64url(claims)), role: 'admin' })).toString('base64url')}`);
  assert.ok(!verify(null, forged, key, base64url(signature)), 'changed claims do not');

  const asCaller = (url) => fetch(url, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${introspector.id}:${introspector.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }),
  });
  const direct = await asCaller(`http://${stack.replicas[0]}/oauth/introspect`);
  assert.equal(direct.status, 200);
  const answer = await direct.json();
  assert.equal(answer.active, true);
  assert.equal(answer.sub, JSON.parse(base64url(claims)).sub);
  const outside = await asCaller(`${stack.base}/oauth/introspect`);
  const body = await outside.text();
  assert.ok(!body.includes('"active"'), `nginx must not route introspection: ${outside.status} ${body.slice(0, 200)}`);
});

// End-to-end: Prometheus (Debian's, started by stack.mjs) scrapes both
// replicas' metrics listeners, and a sign-in made through nginx shows in
// what it stored. A stack of its own: no other test signs in here, so the
// counts are exact. Run with `just e2e --test-name-pattern Prometheus`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { root, startStack } from './stack.mjs';

const serviceBin = process.env.SERVICE_BIN ?? join(root, 'target', 'debug', 'service');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let stack;

before(async () => {
  stack = await startStack({ serviceBin });
});

after(async () => {
  await stack?.stop();
});

/// One GraphQL operation through nginx, as the client sends it.
async function gql(query, variables) {
  const response = await fetch(`${stack.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  assert.equal(response.status, 200);
  const reply = await response.json();
  assert.equal(reply.errors, undefined, JSON.stringify(reply));
  return reply.data;
}

/// An instant query through Prometheus's HTTP API: [{ metric, value }].
async function promQuery(expr) {
  const url = `${stack.prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`;
  const reply = await (await fetch(url)).json();
  assert.equal(reply.status, 'success', JSON.stringify(reply));
  return reply.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}

/// Polls `check` (which returns a value or throws) until it stops throwing,
/// for at most `ms`.
async function eventually(check, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(250);
    }
  }
}

/// A counter's value summed over both replicas, read from their listeners
/// directly: what Prometheus should come to show.
async function scrapedSum(series) {
  let sum = 0;
  for (const target of stack.metricsTargets) {
    const text = await (await fetch(`http://${target}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    sum += line ? Number(line.split(' ')[1]) : 0;
  }
  return sum;
}

test('Prometheus scrapes both replicas and sees a sign-in made through nginx', async () => {
  // Both targets up, by Prometheus's own account.
  const up = await eventually(async () => {
    const results = await promQuery('up{job="service"}');
    assert.deepEqual(results.map((r) => r.value), [1, 1], JSON.stringify(results));
    return results;
  });
  assert.deepEqual(up.map((r) => r.metric.instance).sort(), [...stack.metricsTargets].sort());

  const signIns = 'auth_sign_ins_total{outcome="succeeded"}';
  const logins = 'graphql_requests_total{operation="login",outcome="OK"}';
  const before = { signIns: await scrapedSum(signIns), logins: await scrapedSum(logins) };

  const email = `prom${Date.now().toString(36)}@e2e.example`;
  await gql(
    'mutation($i: RegisterInput!) { register(input: $i) { accessToken } }',
    { i: { email, username: `prom${Date.now().toString(36)}`, password: 'a metric passphrase', fullName: 'Prom' } },
  );
  await gql(
    'mutation($i: LoginInput!) { login(input: $i) { accessToken } }',
    { i: { email, password: 'a metric passphrase' } },
  );
  assert.equal(await scrapedSum(signIns), before.signIns + 1);
  assert.equal(await scrapedSum(logins), before.logins + 1);

  // Prometheus catches up within a few scrapes.
  await eventually(async () => {
    const [total] = await promQuery(`sum(${signIns})`);
    assert.equal(total?.value, before.signIns + 1);
    const [requests] = await promQuery(`sum(${logins})`);
    assert.equal(requests?.value, before.logins + 1);
  });
  // The latency histogram arrives as buckets, summable over replicas.
  const [p99] = await promQuery(
    'histogram_quantile(0.99, sum by (le) (graphql_request_duration_seconds_bucket{operation="login"}))',
  );
  assert.ok(p99.value > 0 && p99.value <= 10, JSON.stringify(p99));

  // nginx routes nothing to the metrics listeners: its /metrics is the
  // client's page.
  const proxied = await (await fetch(`${stack.base}/metrics`)).text();
  assert.ok(!proxied.includes('graphql_requests_total'), proxied.slice(0, 200));
});

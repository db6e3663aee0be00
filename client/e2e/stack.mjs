// The whole product on loopback, as docker-compose.yml runs it: a fresh
// PostgreSQL database, two replicas of the service on it, the built client
// served by nginx, the reverse proxy from deploy/nginx in front, a real
// SMTP server (npm smtp-server) that receives the replicas' mail, and
// Debian's Prometheus scraping the replicas' metrics listeners (compose's
// `metrics` profile). Both
// nginx configs are rendered from the committed templates the way the nginx
// image renders them (only the variables given are replaced), then run by
// Debian's nginx.
//
//   node client/e2e/stack.mjs check-nginx   renders both configs and runs `nginx -t`
//
// The tests import `startStack()`; see app.test.mjs.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

// (Not import.meta.dirname: Debian's Node 18 lacks it.)
export const root = fileURLToPath(new URL('../..', import.meta.url));
const nginxBin = process.env.NGINX ?? '/usr/sbin/nginx';
const prometheusBin = process.env.PROMETHEUS ?? '/usr/bin/prometheus';
const adminUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const templates = {
  proxy: join(root, 'deploy', 'nginx', 'templates', 'default.conf.template'),
  client: join(root, 'deploy', 'nginx', 'client.conf.template'),
};

/// `${NAME}` -> value for each given name, like the image's envsubst; a
/// `${NAME}` left over would reach nginx, so it is an error here.
export function renderTemplate(path, vars) {
  const text = readFileSync(path, 'utf8').replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (whole, name) =>
    name in vars ? String(vars[name]) : whole,
  );
  const left = text.match(/\$\{[A-Z_][A-Z0-9_]*\}/);
  if (left) throw new Error(`${path}: no value for ${left[0]}`);
  return text;
}

/// A prefix directory with nginx.conf (the http block includes conf.d/*.conf,
/// as in the nginx image) and both rendered configs.
export function writeNginxConfig(dir, { proxyPort, services, clientPort, clientRoot }) {
  mkdirSync(join(dir, 'conf.d'), { recursive: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(join(dir, 'conf.d', 'default.conf'), renderTemplate(templates.proxy, {
    NGINX_PORT: `127.0.0.1:${proxyPort}`,
    SERVICE_UPSTREAM: services[0],
    SERVICE_REPLICA_UPSTREAM: services[1] ?? services[0],
    CLIENT_UPSTREAM: `127.0.0.1:${clientPort}`,
  }));
  writeFileSync(join(dir, 'conf.d', 'client.conf'), renderTemplate(templates.client, {
    CLIENT_PORT: `127.0.0.1:${clientPort}`,
    CLIENT_ROOT: clientRoot,
  }));
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `    ${kind}_temp_path ${join(dir, 'tmp', kind)};`)
    .join('\n');
  writeFileSync(join(dir, 'nginx.conf'), `# Written by client/e2e/stack.mjs: the image's nginx.conf, on loopback.
${process.getuid?.() === 0 ? 'user root;  # workers read the checkout and write tmp/ as the caller\n' : ''}worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log stderr warn;
events { worker_connections 512; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
${temp}
    include ${join(dir, 'conf.d')}/*.conf;
}
`);
  return join(dir, 'nginx.conf');
}

function nginxArgs(dir) {
  return ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'];
}

async function waitFor(url, what, child) {
  for (let i = 0; ; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    if (child?.exitCode != null) throw new Error(`${what} exited with ${child.exitCode}`);
    if (i > 150) throw new Error(`${what} did not answer ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/// A port the kernel says is free right now.
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/// The test server's URL with another database name in it.
const urlOf = (database) => adminUrl.replace(/\/[^/?]*(\?|$)/, `/${database}$1`);

/// Runs SQL on `database`, or on the server's maintenance database (trust
/// auth, as CI has).
export function psql(sql, database) {
  const url = database ? urlOf(database) : adminUrl;
  return execFileSync('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', url, '-c', sql], {
    encoding: 'utf8',
  }).trim();
}

/// An SMTP server on loopback that keeps every message it receives, parsed:
/// `{ to, subject, text, html }`. `next(to, predicate)` waits for a message.
export async function startMailSink() {
  const messages = [];
  const waiters = new Set();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream).then((parsed) => {
        const message = {
          to: parsed.to?.value?.[0]?.address ?? '',
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          html: parsed.html || '',
        };
        messages.push(message);
        for (const waiter of waiters) waiter();
        callback();
      }, callback);
    },
  });
  const port = await freePort();
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    /// The first message to `to` (after the first `skip` of them) that
    /// `predicate` accepts, waiting up to `ms` for it.
    async next(to, predicate = () => true, { skip = 0, ms = 15000 } = {}) {
      const find = () => messages.filter((m) => m.to === to && predicate(m))[skip];
      const deadline = Date.now() + ms;
      while (!find()) {
        if (Date.now() > deadline) {
          throw new Error(`no mail to ${to} in ${ms} ms; received: ${JSON.stringify(messages.map((m) => [m.to, m.subject]))}`);
        }
        await new Promise((resolve) => {
          const wake = () => { waiters.delete(wake); resolve(); };
          waiters.add(wake);
          setTimeout(wake, 250);
        });
      }
      return find();
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/// The first link in a message's text that starts with `prefix`.
export function linkIn(message, prefix) {
  const link = message.text.split(/\s+/).find((word) => word.startsWith(prefix));
  if (!link) throw new Error(`no ${prefix} link in: ${message.text}`);
  return link;
}

/// Starts everything; `stop()` ends it and drops the database.
export async function startStack({ serviceBin, serviceEnv = {} }) {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-stack-'));
  const database = `e2e_${randomBytes(6).toString('hex')}`;
  psql(`CREATE DATABASE ${database}`);
  const children = [];
  let mail;
  const stop = async () => {
    for (const child of children.reverse()) child.kill('SIGTERM');
    await Promise.all(children.map((c) => c.exitCode == null && new Promise((r) => c.once('exit', r))));
    await mail?.close();
    psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    mail = await startMailSink();
    // Known before the replicas start: the links in their mail lead there.
    // `localhost`, not 127.0.0.1: WebAuthn takes a domain for the passkeys'
    // relying party, and the service derives it from PUBLIC_URL. nginx
    // still listens on 127.0.0.1, which is what localhost is here; it passes
    // the Host on, which the WebSocket's Origin check compares.
    const proxyPort = await freePort();
    const base = `http://localhost:${proxyPort}`;
    // The replicas share the database and the signing key, nothing else.
    const env = {
      ...process.env,
      DATABASE_URL: urlOf(database),
      ENVIRONMENT: 'production',
      SECRET_KEY: randomBytes(32).toString('hex'),
      GRAPHQL_PLAYGROUND: 'true',
      TRUSTED_PROXIES: '127.0.0.1',
      BCRYPT_COST: '4',
      // Every browser and API call of the suite comes from loopback.
      REGISTRATIONS_PER_ADDRESS_PER_HOUR: '200',
      LOG_FORMAT: 'json',
      RUST_LOG: 'warn',
      SMTP_URL: mail.url,
      MAIL_FROM: 'Vitals <no-reply@e2e.example>',
      PUBLIC_URL: base,
      ...serviceEnv,
    };
    const servicePorts = [await freePort(), await freePort()];
    const metricsPorts = [await freePort(), await freePort()];
    const replicas = servicePorts.map((port, i) => {
      const child = spawn(serviceBin, ['serve'], {
        env: { ...env, BIND_ADDR: `127.0.0.1:${port}`, METRICS_BIND_ADDR: `127.0.0.1:${metricsPorts[i]}` },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      children.push(child);
      return child;
    });
    // Started together, as compose starts them: both try to migrate the new
    // database at once, and PostgreSQL's advisory lock makes one wait.
    await Promise.all(servicePorts.map((port, i) =>
      waitFor(`http://127.0.0.1:${port}/health/ready`, `service on ${port}`, replicas[i])));

    writeNginxConfig(dir, {
      proxyPort,
      services: servicePorts.map((p) => `127.0.0.1:${p}`),
      clientPort: await freePort(),
      clientRoot: join(root, 'client', 'dist'),
    });
    // The access log goes to stdout, which names the replica that served each
    // request. A file, not a pipe: node's pipes are sockets, which nginx
    // cannot open as /dev/stdout.
    const accessLog = join(dir, 'access.log');
    const nginx = spawn(nginxBin, [...nginxArgs(dir), '-g', 'daemon off;'], {
      stdio: ['ignore', openSync(accessLog, 'a'), 'inherit'],
    });
    children.push(nginx);
    await waitFor(`${base}/health/ready`, 'nginx', nginx);

    // As deploy/prometheus/prometheus.yml, but every second and on loopback;
    // its data in the stack's temporary directory.
    const metricsTargets = metricsPorts.map((p) => `127.0.0.1:${p}`);
    const prometheusPort = await freePort();
    writeFileSync(join(dir, 'prometheus.yml'), `# Written by client/e2e/stack.mjs
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: service
    static_configs:
      - targets: ${JSON.stringify(metricsTargets)}
`);
    const prometheus = spawn(prometheusBin, [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${prometheusPort}`,
      '--log.level=warn',
    ], { stdio: ['ignore', 'ignore', 'inherit'] });
    children.push(prometheus);
    const prometheusUrl = `http://127.0.0.1:${prometheusPort}`;
    await waitFor(`${prometheusUrl}/-/ready`, 'prometheus', prometheus);

    return {
      base,
      database,
      replicas: servicePorts.map((p) => `127.0.0.1:${p}`),
      /// Each replica's metrics listener (`host:port`), in replica order.
      metricsTargets,
      /// Prometheus's HTTP API, scraping `metricsTargets` every second.
      prometheusUrl,
      env,
      /// Every message the replicas sent, as the SMTP server received it.
      mail,
      /// The replica that served the request with this X-Request-Id.
      async upstreamOf(requestId) {
        for (let i = 0; i < 50; i++) {
          const line = readFileSync(accessLog, 'utf8').split('\n')
            .find((l) => l.includes(`request_id=${requestId}`));
          if (line) return line.match(/upstream=(\S+)/)[1];
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`no access log line for request ${requestId}`);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}` && process.argv[2] === 'check-nginx') {
  // Placeholder upstreams: `nginx -t` resolves names, so these are addresses.
  const dir = mkdtempSync(join(tmpdir(), 'nginx-check-'));
  try {
    writeNginxConfig(dir, {
      proxyPort: 8080,
      services: ['127.0.0.1:8000', '127.0.0.1:8001'],
      clientPort: 8081,
      clientRoot: join(root, 'client', 'dist'),
    });
    execFileSync(nginxBin, ['-t', ...nginxArgs(dir)], { stdio: 'inherit' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

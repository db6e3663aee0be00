// The client's first load, as `just bench` measures it: a fresh browser
// profile (nothing cached) opens the app and we wait until the sign-in form
// is interactive. Prints one line, `FIRST_LOAD {json}`:
//   bytes:  what crossed the wire for the first load (compressed bodies)
//   files:  each response, its encoding and its size on the wire
//   interactive_ms: per load, from navigation start until the email field
//           accepts typing (Dioxus renders the form once the wasm runs, so
//           a visible field is a live one; typing proves it)
//
// Usage: node client/bench/first-load.mjs http://127.0.0.1:8000 [loads]
import { chromium } from 'playwright-core';

const url = process.argv[2];
const loads = Number(process.argv[3] ?? 5);

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
try {
  const interactive = [];
  let files = [];
  for (let i = 0; i < loads; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const responses = [];
    page.on('requestfinished', (request) => responses.push(request));
    await page.goto(url, { waitUntil: 'commit' });
    // Polled on every animation frame: the time the field first appears.
    const appeared = await page.waitForFunction(
      () => document.querySelector('input#email') && performance.now(),
      null,
      { polling: 'raf', timeout: 30_000 },
    );
    const ms = await appeared.jsonValue();
    await page.fill('input#email', 'typed@example.org');
    if ((await page.inputValue('input#email')) !== 'typed@example.org') {
      throw new Error('the email field did not take input');
    }
    interactive.push(Math.round(ms));
    await page.waitForLoadState('networkidle');
    // A request answered from the memory cache reports a negative size.
    files = (await Promise.all(
      responses.map(async (request) => {
        const response = await request.response();
        const sizes = await request.sizes();
        return {
          path: new URL(request.url()).pathname,
          encoding: (await response.allHeaders())['content-encoding'] ?? 'identity',
          bytes: sizes.responseBodySize,
        };
      }),
    )).filter((file) => file.bytes >= 0);
    await context.close();
  }
  const sorted = [...interactive].sort((a, b) => a - b);
  console.log('FIRST_LOAD ' + JSON.stringify({
    loads,
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    files,
    interactive_ms: interactive,
    interactive_median_ms: sorted[Math.floor(sorted.length / 2)],
  }));
} finally {
  await browser.close();
}

/**
 * The model files (issue 7, runtime environment): the server lets the browser cache them
 * with revalidation (ETag + `Cache-Control: no-cache`), so a later visit costs an empty
 * 304 instead of the model's megabytes; a truncated model or one whose SHA-256 differs from
 * its JSON contract is refused with a clear message and no half-loaded model (Retry then
 * loads the real one).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Response } from 'playwright-core';
import { MODELS_DIR, readContract } from '../../tools/lib/nodeModel';
import { screenshot } from './browser';
import { openSpaStudy, viewerAndBrowser } from './harness';

const contract = readContract();
const MODEL_PATH = `/models/${contract.file}`;

const env = viewerAndBrowser();

const modelState = () => env.page.getByTestId('spa-model-status').getAttribute('data-state');

test('the server sends the model with an ETag and revalidation; a matching If-None-Match gets an empty 304', async () => {
  for (const file of [MODEL_PATH, '/models/spa-lidc.json']) {
    const first = await fetch(`${env.server.url}${file}`);
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    await first.arrayBuffer();
    const again = await fetch(`${env.server.url}${file}`, { headers: { 'If-None-Match': etag! } });
    expect(again.status).toBe(304);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    const other = await fetch(`${env.server.url}${file}`, { headers: { 'If-None-Match': '"0-0"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  }
});

test('the browser downloads the model once and revalidates it on a later visit', async () => {
  const { page, errors } = env.browser;
  errors.length = 0;
  const modelResponses: Response[] = [];
  page.on('response', r => {
    if (new URL(r.url()).pathname === MODEL_PATH) modelResponses.push(r);
  });
  const visit = async () => {
    await openSpaStudy(page, env.server.url);
    // The model loads when the mode opens.
    await page.waitForSelector('[data-testid="spa-model-status"][data-state="ready"]', { timeout: 90000 });
    const response = modelResponses[modelResponses.length - 1];
    // Resource Timing: transferSize counts what came over the network (headers + body);
    // encodedBodySize the body the page got (from the network or the HTTP cache).
    const timing = (await page.evaluate(
      `(() => { const e = performance.getEntriesByType('resource').filter(e => new URL(e.name).pathname === ${JSON.stringify(MODEL_PATH)}).pop(); return e && { transferSize: e.transferSize, encodedBodySize: e.encodedBodySize }; })()`
    )) as { transferSize: number; encodedBodySize: number };
    return { fromServiceWorker: response.fromServiceWorker(), ifNoneMatch: await response.request().headerValue('if-none-match'), ...timing };
  };
  const first = await visit();
  expect(first.ifNoneMatch).toBeNull();
  expect(first.encodedBodySize).toBe(contract.bytes);
  expect(first.transferSize).toBeGreaterThan(contract.bytes);
  const second = await visit();
  expect(modelResponses).toHaveLength(2);
  // The later visit asked with the ETag, the server answered 304 and the body came from the
  // browser's HTTP cache: a few hundred bytes of headers went over the network.
  expect(second.fromServiceWorker).toBe(false);
  expect(second.ifNoneMatch).toMatch(/^"[0-9a-f]+-[0-9a-f]+"$/);
  expect(second.encodedBodySize).toBe(contract.bytes);
  expect(second.transferSize).toBeLessThan(2000);
  expect(errors).toEqual([]);
});

test('a truncated model or a wrong checksum is refused with the reason; Retry then loads the real model', async () => {
  const { page } = env.browser;
  const real = fs.readFileSync(path.join(MODELS_DIR, contract.file));
  const cases = [
    { name: 'truncated', body: real.subarray(0, Math.floor(real.length / 2)), expect: new RegExp(`expected ${contract.bytes} bytes, got ${Math.floor(real.length / 2)} \\(truncated`) },
    {
      name: 'checksum',
      body: (() => {
        const b = Buffer.from(real);
        b[b.length - 1] ^= 0xff;
        return b;
      })(),
      expect: new RegExp(`SHA-256 [0-9a-f]{64} does not match the contract's ${contract.sha256}`),
    },
  ];
  for (const c of cases) {
    await page.route(`**${MODEL_PATH}`, route => route.fulfill({ status: 200, contentType: 'application/octet-stream', body: c.body }));
    try {
      await openSpaStudy(page, env.server.url);
      // The load the mode starts on entry fails.
      await page.waitForSelector('[data-testid="spa-model-status"][data-state="error"]', { timeout: 60000 });
      await expect(page.getByTestId('spa-model-status').textContent()).resolves.toMatch(c.expect);
      // (spa-error repeats it when the load came from a click on the image.)
      await page.getByTestId('spa-model-retry').waitFor();
      // No half-loaded model: no runtime line, and no round can start.
      await expect(page.getByTestId('spa-model-runtime').count()).resolves.toBe(0);
      await screenshot(page, `model-${c.name}`);
    } finally {
      await page.unroute(`**${MODEL_PATH}`);
    }
    await page.getByTestId('spa-model-retry').click();
    await page.waitForSelector('[data-testid="spa-model-status"][data-state="ready"]', { timeout: 90000 });
    expect(await modelState()).toBe('ready');
  }
});

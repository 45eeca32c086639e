/**
 * The runtime environment (issue 7): without WebGPU the model runs on wasm; without
 * cross-origin isolation (a host that does not send COOP/COEP) it runs on one thread and
 * the panel says why.
 */
import { screenshot } from './browser';
import { openSpaStudy, viewerAndBrowser } from './harness';

const env = viewerAndBrowser();

async function loadModel(): Promise<string> {
  const { page } = env;
  await openSpaStudy(page, env.server.url);
  // No click: the model loads when the mode opens.
  await page.waitForSelector('[data-testid="spa-model-status"][data-state="ready"]', { timeout: 90000 });
  return (await page.getByTestId('spa-model-runtime').textContent()) ?? '';
}

test('no WebGPU adapter: the model runs on wasm', async () => {
  const { page, errors } = env.browser;
  errors.length = 0;
  const runtime = await loadModel();
  // This Chromium (--disable-gpu) offers no WebGPU adapter.
  await expect(page.evaluate(`(async () => !!(navigator.gpu && (await navigator.gpu.requestAdapter())))()`)).resolves.toBe(false);
  expect(runtime).toMatch(/^onnxruntime-web · wasm · 2 threads$/);
  expect(errors).toEqual([]);
});

test('no cross-origin isolation: one thread, with a notice in the panel', async () => {
  const { page, errors } = env.browser;
  errors.length = 0;
  // The viewer's document without COOP/COEP, as a host that does not send them would serve it.
  const viewerDocument = (url: URL) => url.pathname === '/spa';
  await page.route(
    viewerDocument,
    async route => {
      const response = await route.fetch();
      const headers = { ...response.headers() };
      delete headers['cross-origin-opener-policy'];
      delete headers['cross-origin-embedder-policy'];
      await route.fulfill({ response, headers });
    }
  );
  try {
    const runtime = await loadModel();
    await expect(page.evaluate('globalThis.crossOriginIsolated')).resolves.toBe(false);
    expect(runtime).toBe('onnxruntime-web · wasm · 1 thread · The page is not cross-origin isolated, so the model runs on 1 thread (slower).');
    await screenshot(page, 'runtime-not-isolated');
  } finally {
    await page.unroute(viewerDocument);
  }
  expect(errors).toEqual([]);
});

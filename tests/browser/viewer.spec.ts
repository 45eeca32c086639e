/**
 * The viewer as a new user meets it with `npm start`: the embedded sample study in the
 * worklist, opened in the SPA mode with the SPA panel on the right.
 */
import { screenshot } from './browser';
import { SAMPLE_STUDY_UID, dismissInvestigationalBanner, startViewer, viewerAndBrowser, waitForRenderedImage } from './harness';

const env = viewerAndBrowser();

test('serves the viewer with cross-origin isolation and the wasm runtime with its MIME types', async () => {
  const index = await fetch(`${env.server.url}/spa?StudyInstanceUIDs=${SAMPLE_STUDY_UID}`);
  expect(index.status).toBe(200);
  expect(index.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  expect(index.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
  const html = await index.text();
  expect(html).toContain('<script type="importmap">');
  expect(html.indexOf('/spa-plugin/bootstrap.js')).toBeLessThan(html.indexOf('app.bundle.'));

  const wasm = await fetch(`${env.server.url}/onnxruntime-web/ort-wasm-simd-threaded.wasm`, { method: 'HEAD' });
  expect(wasm.headers.get('content-type')).toBe('application/wasm');
  const mjs = await fetch(`${env.server.url}/onnxruntime-web/ort-wasm-simd-threaded.mjs`, { method: 'HEAD' });
  expect(mjs.headers.get('content-type')).toMatch(/^text\/javascript/);
  const studies = await fetch(`${env.server.url}/sample-dicomweb/studies?limit=101&offset=0`);
  expect(studies.headers.get('content-type')).toBe('application/dicom+json');
  expect((await studies.json())[0]['0020000D'].Value[0]).toBe(SAMPLE_STUDY_UID);
});

test('the plugin reads React from the host instead of bundling it', async () => {
  const extension = await (await fetch(`${env.server.url}/spa-plugin/extension.js`)).text();
  expect(extension).toContain('window["react"]');
  expect(extension).not.toMatch(/__SECRET_INTERNALS|ReactCurrentOwner|react\.production/);
});

test('a second server on a port in use says so', async () => {
  await expect(startViewer({ port: env.server.port })).rejects.toThrow(`port ${env.server.port} on 127.0.0.1 is already in use`);
});

test('the worklist lists the sample study without any filter and opens it in the SPA mode', async () => {
  const { page, errors, failedRequests } = env.browser;
  errors.length = 0;
  failedRequests.length = 0;
  await page.goto(`${env.server.url}/`);
  const row = page.getByRole('row').filter({ hasText: '01-Jan-2000' }).filter({ hasText: 'CT' });
  await row.first().waitFor({ timeout: 60000 });
  expect(await row.count()).toBe(1);
  await expect(row.first().textContent()).resolves.toContain('39');
  await dismissInvestigationalBanner(page);
  await screenshot(page, 'worklist');

  await row.first().click();
  const launchSpa = page.getByRole('button', { name: 'SPA Segmentation' });
  await launchSpa.first().waitFor({ timeout: 30000 });
  await launchSpa.first().click();

  await page.waitForURL(url => url.pathname === '/spa' && url.searchParams.get('StudyInstanceUIDs') === SAMPLE_STUDY_UID, {
    timeout: 30000,
  });
  const panel = page.getByTestId('spa-panel');
  await panel.waitFor({ timeout: 60000 });
  await waitForRenderedImage(page);
  await expect(page.getByTestId('spa-active-series').textContent()).resolves.toContain('39 images');
  await page.getByTestId('spa-model-status').waitFor();

  // The panel is on the right of the viewport, the study browser on the left.
  const panelBox = (await panel.boundingBox())!;
  const viewportBox = (await page.locator('[data-cy="viewport-pane"]').first().boundingBox())!;
  const browserBox = (await page.locator('[data-cy="studyBrowser-panel"]').first().boundingBox())!;
  expect(panelBox.x).toBeGreaterThan(viewportBox.x + viewportBox.width / 2);
  expect(browserBox.x).toBeLessThan(viewportBox.x);

  await screenshot(page, 'spa-mode-sample');
  expect(errors).toEqual([]);
  expect(failedRequests).toEqual([]);
});

test('the SPA toolbar button reopens the SPA panel', async () => {
  const { page, errors, failedRequests } = env.browser;
  errors.length = 0;
  failedRequests.length = 0;
  await page.goto(`${env.server.url}/spa?StudyInstanceUIDs=${SAMPLE_STUDY_UID}`);
  await page.getByTestId('spa-panel').waitFor({ timeout: 60000 });
  await waitForRenderedImage(page);
  // Close the right panel, then open it again from our toolbar button.
  await page.locator('[data-cy="side-panel-header-right"]').first().click();
  await page.getByTestId('spa-panel').waitFor({ state: 'hidden', timeout: 10000 });
  await page.locator('[data-cy="SpaPanel"]').first().click();
  await page.getByTestId('spa-panel').waitFor({ timeout: 10000 });
  expect(errors).toEqual([]);
  expect(failedRequests).toEqual([]);
});

test('a host whose React does not match shows a clear message in the page', async () => {
  const { page, errors } = env.browser;
  // Simulate a different host by changing the React version the bootstrap expects.
  await page.route('**/spa-plugin/bootstrap.js', async route => {
    const response = await route.fetch();
    const body = (await response.text()).replace(/reactVersion:\s*"18\.3\.1"|"reactVersion":"18\.3\.1"/, m => m.replace('18.3.1', '99.0.0'));
    await route.fulfill({ response, body });
  });
  try {
    errors.length = 0;
    await page.goto(`${env.server.url}/`);
    const alert = page.getByTestId('spa-host-error');
    await alert.waitFor({ timeout: 60000 });
    const text = await alert.textContent();
    expect(text).toContain('@ohif/app@3.13.2');
    expect(text).toContain('React is 18.3.1');
    await screenshot(page, 'host-mismatch');
  } finally {
    await page.unroute('**/spa-plugin/bootstrap.js');
  }
});

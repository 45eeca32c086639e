/**
 * The PACS path: a real Orthanc (own port, temporary storage) holding the sample study,
 * reverse-proxied by the viewer server under /dicomweb and used as the default data
 * source; and the clear start-up failure when the DICOMweb server cannot be reached.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StartupError } from '../../viewer/server';
import { screenshot } from './browser';
import { SAMPLE_STUDY_UID, dismissInvestigationalBanner, freePort, startViewer, viewerAndBrowser, waitForRenderedImage } from './harness';

const REPO = path.resolve(__dirname, '..', '..');
/** A real DX radiograph (highdicom's test data): an image study SPA must refuse. */
const DX_FILE = path.join(REPO, '..', 'shared', 'data', 'dicom-seg-samples', 'highdicom', 'dx_image.dcm');
const DX_STUDY_UID = '1.2.826.0.1.3680043.8.498.54401662452014863547255413372440461885';

describe('with Orthanc behind the proxy', () => {
  const env = viewerAndBrowser({ pacs: true });

  test('proxied QIDO answers with the study and same-origin bulk data URIs', async () => {
    const studies = await (await fetch(`${env.server.url}/dicomweb/studies`)).json();
    expect(studies.map((s: Record<string, { Value: string[] }>) => s['0020000D'].Value[0])).toContain(SAMPLE_STUDY_UID);
    const series = await (await fetch(`${env.server.url}/dicomweb/studies/${SAMPLE_STUDY_UID}/series`)).json();
    const seriesUid = series[0]['0020000E'].Value[0];
    const metadata = await (await fetch(`${env.server.url}/dicomweb/studies/${SAMPLE_STUDY_UID}/series/${seriesUid}/metadata`)).text();
    expect(metadata).not.toContain(env.pacs.url);
    expect(metadata).toContain(`${env.server.url}/dicomweb/studies/`);
  });

  test('the worklist comes from Orthanc and the SPA mode opens the study through the proxy', async () => {
    const { page, errors, failedRequests } = env.browser;
    errors.length = 0;
    failedRequests.length = 0;
    const proxied: string[] = [];
    page.on('response', r => {
      if (new URL(r.url()).pathname.startsWith('/dicomweb/')) proxied.push(`${r.status()} ${r.url()}`);
    });
    await page.goto(`${env.server.url}/`);
    const row = page.getByRole('row').filter({ hasText: '01-Jan-2000' }).filter({ hasText: 'CT' });
    await row.first().waitFor({ timeout: 60000 });
    await dismissInvestigationalBanner(page);
    await row.first().click();
    const launchSpa = page.getByRole('button', { name: 'SPA Segmentation' });
    await launchSpa.first().waitFor({ timeout: 30000 });
    await launchSpa.first().click();
    await page.getByTestId('spa-panel').waitFor({ timeout: 60000 });
    await waitForRenderedImage(page);
    await expect(page.getByTestId('spa-active-series').textContent()).resolves.toContain('39 images');
    await screenshot(page, 'spa-mode-orthanc');

    expect(proxied.some(r => r.startsWith('200') && r.includes('/frames/'))).toBe(true);
    expect(proxied.filter(r => !r.startsWith('200'))).toEqual([]);
    expect(errors).toEqual([]);
    expect(failedRequests).toEqual([]);
  });

  test('the embedded sample stays available as the data source "sample"', async () => {
    const { page, errors, failedRequests } = env.browser;
    errors.length = 0;
    failedRequests.length = 0;
    const fromSample: string[] = [];
    const onResponse = (r: { url(): string; status(): number }) => {
      if (new URL(r.url()).pathname.startsWith('/sample-dicomweb/')) fromSample.push(`${r.status()} ${r.url()}`);
    };
    page.on('response', onResponse);
    try {
      await page.goto(`${env.server.url}/spa/sample?StudyInstanceUIDs=${SAMPLE_STUDY_UID}`);
      await page.getByTestId('spa-panel').waitFor({ timeout: 60000 });
      await waitForRenderedImage(page);
      expect(fromSample.some(r => r.startsWith('200') && r.includes('/frames/'))).toBe(true);
      expect(errors).toEqual([]);
    expect(failedRequests).toEqual([]);
    } finally {
      page.off('response', onResponse);
    }
  });

  test('the SPA mode opened on a study without CT or MR says why', async () => {
    const stored = await fetch(`${env.pacs.url}/instances`, { method: 'POST', body: fs.readFileSync(DX_FILE) });
    expect(stored.status).toBe(200);
    const { page } = env.browser;
    await page.goto(`${env.server.url}/spa?StudyInstanceUIDs=${DX_STUDY_UID}`);
    const warning = page.getByTestId('spa-study-warning');
    await warning.waitFor({ timeout: 60000 });
    await expect(warning.textContent()).resolves.toBe('SPA segments CT or MR images; this study has only DX');
    // A click with the SPA point tool on the radiograph is refused in the panel; nothing starts.
    await waitForRenderedImage(page);
    const box = (await page.locator('[data-cy="viewport-pane"] canvas').first().boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const error = page.getByTestId('spa-error');
    await error.waitFor({ timeout: 10000 });
    await expect(error.getAttribute('data-problem')).resolves.toBe('unsupported-series');
    await expect(error.textContent()).resolves.toContain('this series is DX');
    await expect(page.getByTestId('spa-round').count()).resolves.toBe(0);
    await screenshot(page, 'spa-mode-refuses-dx');
  });
});

describe('with an unreachable DICOMweb server', () => {
  test('startServer refuses with a clear message', async () => {
    const url = `http://127.0.0.1:${await freePort()}/dicom-web`;
    await expect(startViewer({ dicomweb: url })).rejects.toThrow(StartupError);
    await expect(startViewer({ dicomweb: url })).rejects.toThrow(`cannot reach the DICOMweb server at ${url}`);
  });

  test('a malformed --dicomweb value is refused with an example of a valid one', async () => {
    await expect(startViewer({ dicomweb: 'not a url' })).rejects.toThrow(
      '--dicomweb "not a url" is not a valid URL (expected e.g. http://127.0.0.1:8042/dicom-web)'
    );
  });

  test('`npm start -- --dicomweb <url>` exits with the message instead of serving a blank viewer', async () => {
    const url = `http://127.0.0.1:${await freePort()}/dicom-web`;
    const result = spawnSync(path.join(REPO, 'node_modules', '.bin', 'tsx'), ['viewer/server.ts', '--port', '0', '--dicomweb', url], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60000,
    });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`cannot reach the DICOMweb server at ${url}`);
  });
});

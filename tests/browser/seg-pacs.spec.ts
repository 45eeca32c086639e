/**
 * DICOM SEG through a real PACS: "Save to PACS" stores SPA's SEG in Orthanc by STOW-RS
 * through the server's proxy, QIDO-RS finds the new series, the study browser lists it at
 * once and opens it, and so does the reloaded study, with the segments on the right slices.
 * Faults lose nothing: an HTTP error, a timeout and a stopped Orthanc each show the status
 * and the server's message, keep the segmentation, and offer Retry and Download; Retry
 * succeeds once Orthanc is back.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startPacs, stopPacs, type PacsState } from '../../scripts/pacs';
import { readContract } from '../../tools/lib/nodeModel';
import type { RunningServer } from '../../viewer/server';
import { ARTIFACTS, launch, screenshot, type BrowserSession } from './browser';
import { SAMPLE_STUDY_UID, freePort, openSpaStudy, startViewer } from './harness';
import {
  createTestSegmentation,
  expectedFrames,
  framesByKey,
  openSegFromStudyBrowser,
  readLabelmap,
  readWithPydicom,
  sampleSegments,
  waitForSaveResult,
  type CreatedSegmentation,
} from './seg/segTestUtils';

const MODEL = readContract();

let stateDir: string;
let pacs: PacsState;
let server: RunningServer;
let browser: BrowserSession;
let created: CreatedSegmentation;
let savedSeriesUID: string;
/** Both saves of the first test (same content, two series). */
let savedSeriesUIDs: string[] = [];

async function qidoSegSeries(): Promise<Array<{ uid: string; description: string }>> {
  const response = await fetch(`${server.url}/dicomweb/studies/${SAMPLE_STUDY_UID}/series?Modality=SEG`);
  if (response.status === 204) return [];
  expect(response.status).toBe(200);
  const series = (await response.json()) as Array<Record<string, { Value?: string[] }>>;
  return series.map(s => ({ uid: s['0020000E'].Value![0], description: s['0008103E']?.Value?.[0] ?? '' }));
}

const openSampleStudy = () => openSpaStudy(browser.page, server.url, { waitForImage: true, timeoutMs: 60000 });

beforeAll(async () => {
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spa-seg-pacs-'));
  pacs = await startPacs({ port: await freePort(), stateDir });
  server = await startViewer({ dicomweb: pacs.dicomwebUrl });
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await stopPacs({ stateDir });
  fs.rmSync(stateDir, { recursive: true, force: true });
});

test('Save to PACS stores the SEG by STOW-RS through the proxy, and QIDO-RS finds the new series', async () => {
  const { page, errors } = browser;
  await openSampleStudy();
  const stow: string[] = [];
  page.on('response', r => {
    if (r.request().method() === 'POST') stow.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  created = await createTestSegmentation(page, sampleSegments());
  const save = page.getByTestId('spa-save-pacs');
  await page.waitForFunction(() => !(document.querySelector('[data-testid="spa-save-pacs"]') as HTMLButtonElement)?.disabled);
  await save.click();
  const result = await waitForSaveResult(page);
  expect(result.phase).toBe('saved');
  expect(result.text).toContain('Saved to');
  expect(stow).toEqual(['200 /dicomweb/studies']);
  savedSeriesUID = await page.evaluate(() => (window as any).services.spaSegSaveService.getState().lastSaved.seriesInstanceUID);
  expect(result.text).toContain(savedSeriesUID);

  const series = await qidoSegSeries();
  expect(series).toEqual([{ uid: savedSeriesUID, description: `SPA segmentation (${MODEL.name} ${MODEL.version})` }]);

  // What the PACS holds is the SEG with the pixels that were written.
  const file = path.join(ARTIFACTS, 'spa-pacs-seg.dcm');
  const instances = await (await fetch(`${pacs.url}/series?expand`)).json();
  const orthancSeries = instances.find((s: any) => s.MainDicomTags.SeriesInstanceUID === savedSeriesUID);
  const bytes = await (await fetch(`${pacs.url}/instances/${orthancSeries.Instances[0]}/file`)).arrayBuffer();
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(file, Buffer.from(bytes));
  const reading = readWithPydicom(file);
  const expected = expectedFrames(sampleSegments(created.columns), created.sopBySlice);
  expect(Object.fromEntries(framesByKey(reading))).toEqual(Object.fromEntries(expected));

  // A second save is a new series.
  await save.click();
  expect((await waitForSaveResult(page)).phase).toBe('saved');
  const again = await qidoSegSeries();
  expect(again.length).toBe(2);
  savedSeriesUIDs = again.map(s => s.uid);
  expect(new Set(savedSeriesUIDs).size).toBe(2);
  expect(savedSeriesUIDs).toContain(savedSeriesUID);
  await screenshot(page, 'spa-seg-saved');
  expect(errors).toEqual([]);
});

/** Opens a saved SPA SEG from the study browser and checks its segments, labels and pixels. */
async function expectSavedSegOpens(): Promise<void> {
  const { page } = browser;
  // Either of the two saved series (same content); the study browser lists both.
  await openSegFromStudyBrowser(page, 'SPA segmentation');
  const segmentationId = await page.waitForFunction(
    uids => {
      const w = window as any;
      const ds = w.services.displaySetService
        .getActiveDisplaySets()
        .find((d: any) => uids.includes(d.SeriesInstanceUID) && w.services.segmentationService.getSegmentation(d.displaySetInstanceUID));
      return ds ? ds.displaySetInstanceUID : null;
    },
    savedSeriesUIDs,
    { timeout: 60000, polling: 250 }
  );
  const content = await readLabelmap(page, (await segmentationId.jsonValue()) as string);
  expect(Object.values(content.labels)).toEqual(['Nodule 1', 'Nodule 2', 'Nodule 3']);
  const expected = expectedFrames(sampleSegments(created.columns), created.sopBySlice);
  expect(content.frames).toEqual(Object.fromEntries(expected));
}

test('the saved SEG is in the study browser at once, without a reload, and opens from the PACS', async () => {
  const { page, errors } = browser;
  errors.length = 0;
  const listed = await page.evaluate(
    uids => (window as any).services.displaySetService.getActiveDisplaySets().filter((d: any) => uids.includes(d.SeriesInstanceUID)).map((d: any) => d.Modality),
    savedSeriesUIDs
  );
  expect(listed).toEqual(['SEG', 'SEG']);
  await expectSavedSegOpens();
  await screenshot(page, 'spa-seg-saved-opened');
  expect(errors).toEqual([]);
});

test('the reloaded study opens the saved SEG in OHIF with each segment on the right slices', async () => {
  const { page, errors } = browser;
  errors.length = 0;
  await openSampleStudy();
  await expectSavedSegOpens();
  // A SEG opened from the PACS is not offered for saving as SPA's own.
  await expect(page.getByTestId('spa-save-pacs').isDisabled()).resolves.toBe(true);
  await expect(page.getByTestId('spa-save-empty').isVisible()).resolves.toBe(true);
  await screenshot(page, 'spa-seg-reloaded');
  expect(errors).toEqual([]);
});

/** Sets the STOW-RS timeout of the page's save service (test only). */
async function setStoreTimeout(ms: number): Promise<void> {
  await browser.page.evaluate(value => {
    (window as any).services.spaSegSaveService.config.segStoreTimeoutMs = value;
  }, ms);
}

test('an HTTP error and a timeout each show the reason and offer Retry and Download', async () => {
  const { page } = browser;
  await openSampleStudy();
  await createTestSegmentation(page, sampleSegments(), 'spa-fault-seg');
  let answer: () => void = () => undefined;
  const answered = new Promise<void>(resolve => (answer = resolve));
  await page.route('**/dicomweb/studies', async route => {
    if (route.request().method() !== 'POST') return route.continue();
    await answered;
    await route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ Message: 'Conflict', Details: 'Test PACS refuses this instance' }) });
  });
  await page.getByTestId('spa-save-pacs').click();
  // In progress while the PACS has not answered.
  await page.waitForFunction(() => document.querySelector('[data-testid="spa-save-status"]')?.getAttribute('data-phase') === 'saving');
  await expect(page.getByTestId('spa-save-status').textContent()).resolves.toMatch(/^Saving/);
  await expect(page.getByTestId('spa-save-pacs').isDisabled()).resolves.toBe(true);
  answer();
  let result = await waitForSaveResult(page);
  expect(result.phase).toBe('failed');
  expect(result.text).toContain('HTTP 409');
  expect(result.text).toContain('Conflict: Test PACS refuses this instance');
  await expect(page.getByTestId('spa-retry').isVisible()).resolves.toBe(true);
  await page.unroute('**/dicomweb/studies');

  await setStoreTimeout(1500);
  await page.route('**/dicomweb/studies', route => {
    if (route.request().method() !== 'POST') return route.continue();
    // never answered: the client's timeout has to end it
  });
  await page.getByTestId('spa-retry').click();
  result = await waitForSaveResult(page);
  expect(result.phase).toBe('failed');
  expect(result.text).toContain('timeout');
  await page.unroute('**/dicomweb/studies');
  await setStoreTimeout(60000);
  await expect(page.getByTestId('spa-retry').isVisible()).resolves.toBe(true);
  await expect(page.getByTestId('spa-download-seg').isEnabled()).resolves.toBe(true);
  await screenshot(page, 'spa-seg-timeout');
});

test('Orthanc stopped mid-way: failure with the proxy message, segmentation kept, Download works, Retry succeeds after restart', async () => {
  const { page } = browser;
  const before = await readLabelmap(page, 'spa-fault-seg');
  const port = pacs.port;
  await stopPacs({ stateDir });

  await page.getByTestId('spa-retry').click();
  const result = await waitForSaveResult(page);
  expect(result.phase).toBe('failed');
  expect(result.text).toContain('HTTP 502');
  expect(result.text).toContain('unreachable');
  expect(result.text).toContain('still in the viewer');
  await expect(page.getByTestId('spa-retry').isVisible()).resolves.toBe(true);
  await screenshot(page, 'spa-seg-pacs-down');

  // The segmentation is untouched.
  expect(await readLabelmap(page, 'spa-fault-seg')).toEqual(before);

  // Download gives the very SEG that failed to store.
  const pending = await page.evaluate(() => (window as any).services.spaSegSaveService.getState().pending);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.getByTestId('spa-download-seg').click()]);
  const file = path.join(ARTIFACTS, 'spa-unsaved-seg.dcm');
  await download.saveAs(file);
  expect(download.suggestedFilename()).toBe(pending.fileName);
  expect(readWithPydicom(file).seriesInstanceUID).toBe(pending.seriesInstanceUID);

  pacs = await startPacs({ port, stateDir });
  await page.getByTestId('spa-retry').click();
  const retried = await waitForSaveResult(page);
  expect(retried.phase).toBe('saved');
  expect(retried.text).toContain(pending.seriesInstanceUID);
  await expect(page.getByTestId('spa-retry').count()).resolves.toBe(0);
  expect((await qidoSegSeries()).map(s => s.uid)).toContain(pending.seriesInstanceUID);
  await screenshot(page, 'spa-seg-retried');
});

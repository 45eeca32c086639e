/**
 * SEGs written by other tools open in the viewer: every SEG in
 * ../shared/data/dicom-seg-samples whose source images are there (dcmqi's ct-3slice
 * SEGs and highdicom's CT2 and ct_image SEGs) is stored in Orthanc with its sources,
 * opened in OHIF as a user does (SEG into the viewport, "Yes"), and its labelmap is
 * compared with what pydicom reads from the file. The one OHIF 3.13.2 cannot open (a
 * true FRACTIONAL SEG) is listed with OHIF's own message.
 */
import fs from 'node:fs';
import path from 'node:path';
import { screenshot } from './browser';
import { openSpaStudy, viewerAndBrowser, waitForRenderedImage } from './harness';
import { framesByKey, readLabelmap, readWithPydicom } from './seg/segTestUtils';

const SAMPLES = path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'dicom-seg-samples');

interface SampleSeg {
  file: string;
  /** source images (files or folders) */
  sources: string[];
  /**
   * A limitation of OHIF 3.13.2 itself: the error it reports instead of opening the SEG.
   * The test then checks that this is the only error and that the viewer keeps working.
   */
  ohifRefuses?: string;
}

const SEGS: SampleSeg[] = [
  { file: 'dcmqi/liver.dcm', sources: ['dcmqi/ct-3slice'] },
  { file: 'dcmqi/partial_overlaps.dcm', sources: ['dcmqi/ct-3slice'] },
  { file: 'highdicom/seg_image_ct_binary.dcm', sources: ['highdicom/pydicom_dicomdirtests_77654033_CT2'] },
  { file: 'highdicom/seg_image_ct_binary_overlap.dcm', sources: ['highdicom/pydicom_dicomdirtests_77654033_CT2'] },
  { file: 'highdicom/seg_image_ct_binary_fractional.dcm', sources: ['highdicom/pydicom_dicomdirtests_77654033_CT2'] },
  // Probabilities between 0 and 1: OHIF 3.13.2's SEG loader (@cornerstonejs/adapters
  // createLabelmapsFromSegImageIds) opens FRACTIONAL SEGs only when they are pseudo-binary.
  {
    file: 'highdicom/seg_image_ct_true_fractional.dcm',
    sources: ['highdicom/pydicom_dicomdirtests_77654033_CT2'],
    ohifRefuses: 'Fractional segmentations are not yet supported',
  },
  { file: 'highdicom/seg_image_ct_binary_single_frame.dcm', sources: ['highdicom/ct_image.dcm'] },
];

function filesOf(p: string): string[] {
  const full = path.join(SAMPLES, p);
  return fs.statSync(full).isDirectory() ? fs.readdirSync(full).sort().map(f => path.join(full, f)) : [full];
}

const env = viewerAndBrowser({ pacs: true });

// After the PACS, server and browser have started (hooks run in the order registered).
beforeAll(async () => {
  for (const file of new Set(SEGS.flatMap(s => [...s.sources.flatMap(filesOf), path.join(SAMPLES, s.file)]))) {
    const r = await fetch(`${env.pacs.url}/instances`, { method: 'POST', body: fs.readFileSync(file) });
    if (r.status !== 200) throw new Error(`Orthanc refused ${file}: HTTP ${r.status} ${await r.text()}`);
  }
});

test.each(SEGS.map(s => [s.file, s.ohifRefuses ? `is refused by OHIF 3.13.2 ("${s.ohifRefuses}") and nothing else breaks` : 'opens in the viewer without errors and with its pixels', s] as const))('%s %s', async (_name, _what, sample) => {
  const { page, errors, failedRequests } = env.browser;
  errors.length = 0;
  failedRequests.length = 0;
  const file = path.join(SAMPLES, sample.file);
  const reading = readWithPydicom(file);
  await openSpaStudy(page, env.server.url, { studyUid: reading.studyInstanceUID, waitForImage: true, timeoutMs: 60000 });

  // The SEG into the active viewport, as a double-click on its thumbnail does.
  const segDisplaySetUID = await page.waitForFunction(
    uid => {
      const { displaySetService, hangingProtocolService, viewportGridService } = (window as any).services;
      const ds = displaySetService.getActiveDisplaySets().find((d: any) => d.SeriesInstanceUID === uid);
      if (!ds) return null;
      const viewportId = viewportGridService.getActiveViewportId();
      viewportGridService.setDisplaySetsForViewports(hangingProtocolService.getViewportsRequireUpdate(viewportId, ds.displaySetInstanceUID));
      return ds.displaySetInstanceUID;
    },
    reading.seriesInstanceUID,
    { timeout: 60000, polling: 250 }
  );
  const uid = (await segDisplaySetUID.jsonValue()) as string;
  if (sample.ohifRefuses) {
    const refusal = sample.ohifRefuses;
    const deadline = Date.now() + 60000;
    while (!errors.some(e => e.includes(refusal)) && Date.now() < deadline) await page.waitForTimeout(250);
    expect(errors.filter(e => !e.includes(refusal))).toEqual([]);
    expect(errors.length).toBeGreaterThan(0);
    await screenshot(page, `seg-sample-${path.basename(sample.file, '.dcm')}-refused`);
    // The study is still usable: the source series goes back into the viewport and renders.
    await page.evaluate(() => {
      const { displaySetService, hangingProtocolService, viewportGridService } = (window as any).services;
      const ct = displaySetService.getActiveDisplaySets().find((d: any) => d.Modality === 'CT');
      const viewportId = viewportGridService.getActiveViewportId();
      viewportGridService.setDisplaySetsForViewports(hangingProtocolService.getViewportsRequireUpdate(viewportId, ct.displaySetInstanceUID));
    });
    await waitForRenderedImage(page);
    return;
  }
  const yes = page.getByRole('button', { name: 'Yes', exact: true });
  try {
    await yes.waitFor({ timeout: 20000 });
  } catch (e) {
    await screenshot(page, `seg-sample-${path.basename(sample.file, '.dcm')}-noprompt`);
    throw new Error(`${(e as Error).message}\nerrors: ${JSON.stringify(errors)}`);
  }
  await yes.click();
  await page.waitForFunction(id => Boolean((window as any).services.segmentationService.getSegmentation(id)), uid, { timeout: 60000 });
  await page.waitForTimeout(500);
  await screenshot(page, `seg-sample-${path.basename(sample.file, '.dcm')}`);

  const content = await readLabelmap(page, uid);
  expect(Object.values(content.labels)).toEqual(reading.segments.map(s => s.label));
  const expected = Object.fromEntries(framesByKey(reading));
  expect(content.frames).toEqual(expected);
  expect(errors).toEqual([]);
  expect(failedRequests).toEqual([]);
});

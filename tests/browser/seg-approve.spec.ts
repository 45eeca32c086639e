/**
 * SPA end to end into a SEG: the SPA point tool on the sample nodule, Approve (issue 5's
 * path into OHIF's labelmap "SPA segmentation"), then Download SEG. The file has the
 * approved structure as "Nodule 1" with SPA's codes and exactly the approved pixels.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, screenshot } from './browser';
import { openSpaStudy, viewerAndBrowser } from './harness';
import { dciodvfy, framesByKey, readLabelmap, readWithPydicom } from './seg/segTestUtils';
import { LARGEST_NODULE_SLICE, NODULE_CENTRE, pagePointOfPixel, showImage } from './spaPage';

const env = viewerAndBrowser();

test('an approved SPA structure downloads as a valid SEG with the approved pixels', async () => {
  const { page, errors } = env.browser;
  await openSpaStudy(page, env.server.url, { waitForImage: true });
  await expect(page.getByTestId('spa-download-seg').isDisabled()).resolves.toBe(true);

  await showImage(page, LARGEST_NODULE_SLICE.SOPInstanceUID);
  const { x, y } = await pagePointOfPixel(page, NODULE_CENTRE.row, NODULE_CENTRE.col);
  await page.mouse.click(x, y);
  await page.getByTestId('spa-recommendation').waitFor({ timeout: 120000 });
  await page.getByTestId('spa-approve').click();
  await page.getByTestId('spa-structure').first().waitFor({ timeout: 30000 });

  const segmentationId = await page.evaluate(() => (window as any).services.spaService.getState().structures[0].segmentationId as string);
  const approved = await readLabelmap(page, segmentationId);
  expect(Object.keys(approved.frames)).toEqual([`Nodule 1|${LARGEST_NODULE_SLICE.SOPInstanceUID}`]);

  await page.waitForFunction(() => !(document.querySelector('[data-testid="spa-download-seg"]') as HTMLButtonElement)?.disabled);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), page.getByTestId('spa-download-seg').click()]);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, 'spa-approved-seg.dcm');
  await download.saveAs(file);
  await screenshot(page, 'spa-seg-approved-download');

  expect(dciodvfy(file).errors).toEqual([]);
  const reading = readWithPydicom(file);
  expect(reading.segments.map(s => [s.label, s.type[2], s.algorithmType, s.algorithmName])).toEqual([['Nodule 1', 'Nodule', 'SEMIAUTOMATIC', 'SPA']]);
  expect(Object.fromEntries(framesByKey(reading))).toEqual(approved.frames);
  expect(errors).toEqual([]);
});

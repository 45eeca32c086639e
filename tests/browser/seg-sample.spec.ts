/**
 * DICOM SEG from the embedded sample study (a read-only static DICOMweb tree): "Save to
 * PACS" is off with a note, "Download SEG" writes a SEG of a known labelmap, and that
 * file passes dciodvfy and reads back with pydicom and dcmjs with the same pixels.
 */
import dcmjs from 'dcmjs';
import fs from 'node:fs';
import path from 'node:path';
import { readContract } from '../../tools/lib/nodeModel';
import { ARTIFACTS, screenshot } from './browser';
import { SAMPLE_SERIES_UID, SAMPLE_STUDY_UID, viewerAndBrowser, waitForRenderedImage } from './harness';
import {
  createTestSegmentation,
  dciodvfy,
  expectedFrames,
  framesByKey,
  readWithDcmjs,
  readWithPydicom,
  sampleSegments,
  type CreatedSegmentation,
  type SegReading,
} from './seg/segTestUtils';

const MODEL = readContract();

/**
 * dciodvfy warnings tolerated in SPA's SEG, each with the reason. Anything else fails.
 * Both are inherited from the (anonymised) LIDC study, whose images have an empty
 * StudyTime and StudyID; a SEG must copy the study's values, and the test checks that
 * dciodvfy warns the same about the source CT image.
 */
const TOLERATED_WARNINGS: RegExp[] = [
  /^Warning - <\/StudyTime\(0008,0030\)> - Missing attribute or value that would be needed to build DICOMDIR$/,
  /^Warning - <\/StudyID\(0020,0010\)> - Missing attribute or value that would be needed to build DICOMDIR$/,
];
const SAMPLE_DIR = path.resolve(__dirname, '..', '..', 'sample-data', 'lidc-idri-0001');
function sampleSourceFile(): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.dcm')) files.push(path.join(dir, e.name));
    }
  };
  walk(SAMPLE_DIR);
  return files.sort()[0];
}

const env = viewerAndBrowser();
let created: CreatedSegmentation;
let segFile: string;

test('on the static sample, Save to PACS is off with a note and Download SEG saves a .dcm', async () => {
  const { page, errors } = env.browser;
  await page.goto(`${env.server.url}/spa?StudyInstanceUIDs=${SAMPLE_STUDY_UID}`);
  await page.getByTestId('spa-panel').waitFor({ timeout: 60000 });
  await waitForRenderedImage(page);
  await expect(page.getByTestId('spa-save-pacs').isDisabled()).resolves.toBe(true);
  await expect(page.getByTestId('spa-save-note').textContent()).resolves.toContain('read-only');

  created = await createTestSegmentation(page, sampleSegments());
  expect(created.numSlices).toBe(39);
  const download = page.getByTestId('spa-download-seg');
  await page.waitForFunction(() => !(document.querySelector('[data-testid="spa-download-seg"]') as HTMLButtonElement)?.disabled);
  const [file] = await Promise.all([page.waitForEvent('download', { timeout: 60000 }), download.click()]);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  segFile = path.join(ARTIFACTS, 'spa-sample-seg.dcm');
  await file.saveAs(segFile);
  expect(file.suggestedFilename()).toMatch(/^SPA-SEG-.*\.dcm$/);
  await expect(page.getByTestId('spa-download-status').textContent()).resolves.toContain('Downloaded');
  await screenshot(page, 'spa-seg-download');
  expect(errors).toEqual([]);
});

test('the SEG passes dciodvfy without errors and only listed warnings', () => {
  const result = dciodvfy(segFile);
  expect(result.errors).toEqual([]);
  const unexpected = result.warnings.filter(w => !TOLERATED_WARNINGS.some(t => t.test(w)));
  expect(unexpected).toEqual([]);
  // The tolerated ones are the source study's own.
  const source = dciodvfy(sampleSourceFile(), 'CTImage');
  for (const w of result.warnings) expect(source.warnings).toContain(w);
});

function checkReading(reading: SegReading) {
  expect(reading.sopClassUID).toBe('1.2.840.10008.5.1.4.1.1.66.4');
  expect(reading.segmentationType).toBe('BINARY');
  expect(reading.studyInstanceUID).toBe(SAMPLE_STUDY_UID);
  expect(reading.referencedSeries).toEqual([SAMPLE_SERIES_UID]);
  expect(reading.seriesDescription).toContain('SPA');
  expect(reading.seriesInstanceUID).not.toBe(SAMPLE_SERIES_UID);
  expect(reading.segments.map(s => [s.number, s.label])).toEqual([
    [1, 'Nodule 1'],
    [2, 'Nodule 2'],
    [3, 'Nodule 3'],
  ]);
  for (const s of reading.segments) {
    expect(s.category).toEqual(['49755003', 'SCT', 'Morphologically abnormal structure']);
    expect(s.type).toEqual(['27925004', 'SCT', 'Nodule']);
    expect(s.algorithmType).toBe('SEMIAUTOMATIC');
    expect(s.algorithmName).toBe('SPA');
    expect(s.algorithmVersion).toBe(`${MODEL.name} ${MODEL.version}`);
  }
  const expected = expectedFrames(sampleSegments(created.columns), created.sopBySlice);
  const actual = framesByKey(reading);
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, pixels] of expected) expect({ key, pixels: actual.get(key) }).toEqual({ key, pixels });
}

test('pydicom reads the SEG back: codes, algorithm, references and the same pixels frame by frame', () => {
  checkReading(readWithPydicom(segFile));
});

test('dcmjs reads the SEG back with the same content', () => {
  const reading = readWithDcmjs(segFile);
  checkReading(reading);
  const source = dcmjs.data.DicomMetaDictionary.naturalizeDataset(
    dcmjs.data.DicomMessage.readFile(new Uint8Array(fs.readFileSync(sampleSourceFile())).buffer).dict
  ) as Record<string, any>;
  expect(reading.frameOfReferenceUID).toBe(source.FrameOfReferenceUID);
  expect(readWithPydicom(segFile).frameOfReferenceUID).toBe(source.FrameOfReferenceUID);
});

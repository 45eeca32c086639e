import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { PATHS, SAMPLE_NODULE } from '../../scripts/projectConfig';
import { readNaturalDicom } from '../../tools/lib/dicomFile';
import { SpaInputError } from './errors';
import { checkImageSupport, describeDicomImage, type DicomInstanceLike, type ImageDescription } from './imageSupport';

const REPO = resolve(__dirname, '..', '..');
const SAMPLES = resolve(REPO, '..', 'shared', 'data', 'dicom-seg-samples');
const LIDC_SLICE = join(PATHS.sampleDicom, SAMPLE_NODULE.largestSliceFile);

/** Reads a DICOM file with dcmjs and describes it as the adapter does with OHIF's instance metadata. */
function describeFile(file: string): ImageDescription {
  return describeDicomImage(readNaturalDicom(file) as DicomInstanceLike);
}

/** The refusal an image gets: [problem, message]. */
function refusal(image: ImageDescription): [string, string] {
  try {
    checkImageSupport(image);
  } catch (err) {
    expect(err).toBeInstanceOf(SpaInputError);
    return [(err as SpaInputError).problem, (err as Error).message];
  }
  throw new Error(`expected a refusal for ${JSON.stringify(image)}`);
}

const CT: ImageDescription = {
  modality: 'CT',
  sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
  samplesPerPixel: 1,
  photometricInterpretation: 'MONOCHROME2',
  pixelSpacingMm: [0.703125, 0.703125],
  rows: 512,
  columns: 512,
};

describe('checkImageSupport on real DICOM files', () => {
  it('accepts the sample study CT slice (LIDC-IDRI-0001) without a notice', () => {
    expect(checkImageSupport(describeFile(LIDC_SLICE))).toEqual({ ok: true });
  });

  const haveSamples = existsSync(SAMPLES);
  (haveSamples ? it : it.skip)('accepts dcmqi ct-3slice, highdicom ct_image (128 x 128) and the 16 x 16 CT of pydicom', () => {
    const files = [
      ...readdirSync(join(SAMPLES, 'dcmqi', 'ct-3slice')).map(f => join(SAMPLES, 'dcmqi', 'ct-3slice', f)),
      join(SAMPLES, 'highdicom', 'ct_image.dcm'),
      join(SAMPLES, 'highdicom', 'pydicom_dicomdirtests_77654033_CT2', '17106'),
    ];
    for (const file of files) expect({ file, ...checkImageSupport(describeFile(file)) }).toEqual({ file, ok: true });
  });

  (haveSamples ? it : it.skip)('refuses the highdicom DX radiograph, naming the modality', () => {
    const [problem, message] = refusal(describeFile(join(SAMPLES, 'highdicom', 'dx_image.dcm')));
    expect(problem).toBe('unsupported-image');
    expect(message).toBe("SPA segments CT or MR slices; this image's modality is digital X-ray (DX), which the model cannot read.");
  });
});

describe('describeDicomImage', () => {
  it('reads the sample CT slice', () => {
    expect(describeFile(LIDC_SLICE)).toEqual({
      modality: 'CT',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.2',
      samplesPerPixel: 1,
      photometricInterpretation: 'MONOCHROME2',
      pixelSpacingMm: [0.703125, 0.703125],
      numberOfFrames: undefined,
      rows: 512,
      columns: 512,
    });
  });

  it('reads DICOM JSON strings, a backslash-separated spacing and the spacing of an Enhanced CT functional group', () => {
    expect(describeDicomImage({ Modality: 'CT', SamplesPerPixel: '1', PixelSpacing: '0.5\\0.6', NumberOfFrames: '1', Rows: '64', Columns: '64' })).toMatchObject({
      samplesPerPixel: 1,
      pixelSpacingMm: [0.5, 0.6],
      numberOfFrames: 1,
      rows: 64,
    });
    const enhanced = describeDicomImage({
      Modality: 'CT',
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2.1',
      NumberOfFrames: 40,
      SharedFunctionalGroupsSequence: [{ PixelMeasuresSequence: [{ PixelSpacing: [0.8, 0.8] }] }],
    });
    expect(enhanced).toMatchObject({ pixelSpacingMm: [0.8, 0.8], numberOfFrames: 40 });
    expect(refusal(enhanced)[1]).toContain('(Enhanced CT, 40 frames)');
    expect(describeDicomImage({ Modality: 'CT' }).pixelSpacingMm).toBeNull();
    expect(refusal(describeDicomImage({ Modality: 'CT', PixelSpacing: null }))[0]).toBe('missing-spacing');
  });
});

describe('checkImageSupport rules', () => {
  it('allows MR with a notice that the model was trained on CT', () => {
    expect(checkImageSupport({ ...CT, modality: 'MR', sopClassUid: '1.2.840.10008.5.1.4.1.1.4' })).toEqual({
      ok: true,
      notice: 'The model was trained on CT (LIDC-IDRI lung nodules), not MR; check its candidates with care.',
    });
  });

  it('refuses ultrasound and other modalities by name', () => {
    expect(refusal({ ...CT, modality: 'US', photometricInterpretation: 'MONOCHROME2' })).toEqual([
      'unsupported-image',
      "SPA segments CT or MR slices; this image's modality is ultrasound (US), which the model cannot read.",
    ]);
    expect(refusal({ ...CT, modality: 'PT' })[1]).toContain('PET (PT)');
    expect(refusal({ ...CT, modality: 'XYZ' })[1]).toContain('modality is XYZ,');
  });

  it.each([
    ['RGB', 3],
    ['YBR_FULL_422', 3],
    ['PALETTE COLOR', 1],
  ])('refuses colour images (%s, %i samples per pixel)', (photometric, samples) => {
    const [problem, message] = refusal({ ...CT, photometricInterpretation: photometric, samplesPerPixel: samples });
    expect(problem).toBe('unsupported-image');
    expect(message).toBe(`This image is in colour (${photometric}); SPA segments greyscale CT or MR slices (one sample per pixel, MONOCHROME1/2).`);
  });

  it('refuses three samples per pixel even without a photometric interpretation', () => {
    expect(refusal({ ...CT, photometricInterpretation: undefined, samplesPerPixel: 3 })[1]).toContain('in colour (3 samples per pixel)');
  });

  it('accepts MONOCHROME1 greyscale', () => {
    expect(checkImageSupport({ ...CT, photometricInterpretation: 'MONOCHROME1' })).toEqual({ ok: true });
  });

  it('refuses a multi-frame Enhanced CT, by SOP class or by frame count', () => {
    expect(refusal({ ...CT, sopClassUid: '1.2.840.10008.5.1.4.1.1.2.1', numberOfFrames: 120 })).toEqual([
      'unsupported-image',
      "This is a multi-frame image (Enhanced CT, 120 frames); SPA segments single-frame slices, whose spacing and rescale it reads from each image. Convert the series to single-frame images (e.g. with dcmtk's or highdicom's converters) to use SPA.",
    ]);
    expect(refusal({ ...CT, sopClassUid: '1.2.840.10008.5.1.4.1.1.2.2', numberOfFrames: 1 })[1]).toContain('(Legacy Converted Enhanced CT)');
    expect(refusal({ ...CT, numberOfFrames: 3 })[1]).toContain('(CT, 3 frames)');
    expect(checkImageSupport({ ...CT, numberOfFrames: 1 })).toEqual({ ok: true });
  });

  it.each([[undefined], [null], [[]], [[0.7]], [[0, 0.7]], [[Number.NaN, 0.7]], [[-1, -1]]])('refuses missing or invalid PixelSpacing %p', spacing => {
    const [problem, message] = refusal({ ...CT, pixelSpacingMm: spacing as number[] | null | undefined });
    expect(problem).toBe('missing-spacing');
    expect(message).toMatch(/^This image has no valid Pixel Spacing \(.+\), so its scale in millimetres is unknown; SPA needs it/);
  });

  it('allows anisotropic pixels; a notice when they differ by more than 25 %', () => {
    expect(checkImageSupport({ ...CT, pixelSpacingMm: [0.7, 0.8] })).toEqual({ ok: true });
    expect(checkImageSupport({ ...CT, pixelSpacingMm: [0.7, 1.4] })).toEqual({
      ok: true,
      notice: 'The pixels are not square (0.7 x 1.4 mm); SPA works in image pixels, so shapes look stretched to the model and its candidates may be less accurate.',
    });
    // MR and anisotropic: both notices.
    expect(checkImageSupport({ ...CT, modality: 'MR', pixelSpacingMm: [2, 0.5] }).notice).toMatch(/not MR;.*not square \(2 x 0.5 mm\)/);
  });

  it('accepts small and large slices; refuses an image without pixels', () => {
    expect(checkImageSupport({ ...CT, rows: 16, columns: 16 })).toEqual({ ok: true });
    expect(checkImageSupport({ ...CT, rows: 1024, columns: 1024 })).toEqual({ ok: true });
    expect(refusal({ ...CT, rows: 0, columns: 512 })).toEqual(['unsupported-image', 'This image has no pixels (0 x 512).']);
  });

  it('refuses in a fixed order: modality, colour, frames, spacing', () => {
    expect(refusal({ modality: 'US', samplesPerPixel: 3, photometricInterpretation: 'RGB', numberOfFrames: 50 })[1]).toContain('ultrasound (US)');
    expect(refusal({ modality: 'CT', samplesPerPixel: 3, photometricInterpretation: 'RGB', numberOfFrames: 50 })[1]).toContain('in colour');
    expect(refusal({ modality: 'CT', numberOfFrames: 50 })[1]).toContain('multi-frame');
    expect(refusal({ modality: 'CT' })[0]).toBe('missing-spacing');
  });
});

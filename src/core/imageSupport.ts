/**
 * Which images SPA segments, decided from their DICOM attributes before any pixel is read.
 * Framework-free: the OHIF adapter fills an ImageDescription from the image's metadata
 * (cornerstone's metadata providers or the DICOM dataset) and calls `checkImageSupport`.
 *
 * The model was trained on single-frame greyscale CT slices of the lung (LIDC-IDRI) at their
 * native pixel spacing (about 0.5-1 mm). What it cannot read is refused with a
 * SpaInputError whose message tells the user why; what it can read but was not trained on
 * (MR, very anisotropic pixels) is allowed with a notice.
 */
import { SpaInputError } from './errors';

/** The attributes that decide support (DICOM keywords in camelCase). */
export interface ImageDescription {
  /** (0008,0060), e.g. 'CT'. */
  modality?: string | null;
  /** (0008,0016); Enhanced and Legacy Converted Enhanced CT/MR are multi-frame. */
  sopClassUid?: string | null;
  /** (0028,0002); 1 for greyscale. */
  samplesPerPixel?: number | null;
  /** (0028,0004), e.g. 'MONOCHROME2', 'RGB', 'YBR_FULL_422', 'PALETTE COLOR'. */
  photometricInterpretation?: string | null;
  /** (0028,0030) [row spacing, column spacing] in mm, or the per-frame Pixel Measures. */
  pixelSpacingMm?: readonly number[] | null;
  /** (0028,0008); absent or 1 for a single-frame image. */
  numberOfFrames?: number | null;
  rows?: number | null;
  columns?: number | null;
}

export interface ImageSupport {
  ok: true;
  /** Something the user should know while using SPA on this image (one or more sentences). */
  notice?: string;
}

/** Modalities SPA segments; anything else is refused. */
export const SEGMENTED_MODALITIES = ['CT', 'MR'] as const;
/** Modalities allowed although the model was not trained on them (with a notice). */
export const NOTICE_MODALITIES: Record<string, string> = {
  MR: 'The model was trained on CT (LIDC-IDRI lung nodules), not MR; check its candidates with care.',
};

/** Multi-frame SOP classes that carry per-frame geometry and rescale in functional groups. */
export const MULTIFRAME_SOP_CLASSES: Record<string, string> = {
  '1.2.840.10008.5.1.4.1.1.2.1': 'Enhanced CT',
  '1.2.840.10008.5.1.4.1.1.2.2': 'Legacy Converted Enhanced CT',
  '1.2.840.10008.5.1.4.1.1.4.1': 'Enhanced MR',
  '1.2.840.10008.5.1.4.1.1.4.4': 'Legacy Converted Enhanced MR',
};

const MODALITY_NAMES: Record<string, string> = {
  US: 'ultrasound',
  DX: 'digital X-ray',
  CR: 'computed radiography',
  MG: 'mammography',
  XA: 'X-ray angiography',
  NM: 'nuclear medicine',
  PT: 'PET',
  SM: 'slide microscopy',
  OT: 'other',
  SEG: 'segmentation',
};

/** Pixels whose row and column spacing differ by more than this factor get a notice. */
export const ANISOTROPY_NOTICE_RATIO = 1.25;

const GREYSCALE = ['MONOCHROME1', 'MONOCHROME2'];

/**
 * A DICOM instance's attributes by keyword, as dcmjs' `naturalizeDataset` gives them and as
 * OHIF keeps instance metadata (`displaySet.instances[i]`, or cornerstone's
 * `metaData.get('instance', imageId)` in OHIF). Multi-frame images may carry the pixel
 * spacing only in their functional groups.
 */
export interface DicomInstanceLike {
  Modality?: string;
  SOPClassUID?: string;
  SamplesPerPixel?: number | string;
  PhotometricInterpretation?: string;
  PixelSpacing?: ArrayLike<number | string> | number | string | null;
  NumberOfFrames?: number | string;
  Rows?: number | string;
  Columns?: number | string;
  SharedFunctionalGroupsSequence?: unknown;
}

function first(value: unknown): Record<string, unknown> | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
}

function numbers(value: unknown): number[] | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value === 'string') return value.split('\\').map(Number);
  if (typeof value === 'number') return [value];
  return Array.from(value as ArrayLike<number | string>, Number);
}

/** The attributes `checkImageSupport` needs, read from a DICOM instance's metadata. */
export function describeDicomImage(instance: DicomInstanceLike): ImageDescription {
  const shared = first(instance.SharedFunctionalGroupsSequence);
  const measures = first(shared?.PixelMeasuresSequence);
  const optionalNumber = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : Number(v));
  return {
    modality: instance.Modality,
    sopClassUid: instance.SOPClassUID,
    samplesPerPixel: optionalNumber(instance.SamplesPerPixel),
    photometricInterpretation: instance.PhotometricInterpretation,
    pixelSpacingMm: numbers(instance.PixelSpacing ?? measures?.PixelSpacing),
    numberOfFrames: optionalNumber(instance.NumberOfFrames),
    rows: optionalNumber(instance.Rows),
    columns: optionalNumber(instance.Columns),
  };
}

/**
 * Whether SPA can segment an image with these attributes. Returns `{ ok: true, notice? }`;
 * throws SpaInputError('unsupported-image' | 'missing-spacing') with a message for the user.
 * Attributes that are absent are not held against the image, except the pixel spacing.
 */
export function checkImageSupport(image: ImageDescription): ImageSupport {
  const modality = (image.modality ?? '').trim().toUpperCase();
  const photometric = (image.photometricInterpretation ?? '').trim().toUpperCase();
  const samples = image.samplesPerPixel ?? 1;
  const notices: string[] = [];

  if (modality && !(SEGMENTED_MODALITIES as readonly string[]).includes(modality)) {
    const name = MODALITY_NAMES[modality] ? `${MODALITY_NAMES[modality]} (${modality})` : modality;
    throw new SpaInputError('unsupported-image', `SPA segments CT or MR slices; this image's modality is ${name}, which the model cannot read.`);
  }
  if (samples !== 1 || (photometric && !GREYSCALE.includes(photometric))) {
    throw new SpaInputError(
      'unsupported-image',
      `This image is in colour (${photometric || `${samples} samples per pixel`}); SPA segments greyscale CT or MR slices (one sample per pixel, MONOCHROME1/2).`
    );
  }
  const frames = image.numberOfFrames ?? 1;
  const multiframeClass = image.sopClassUid ? MULTIFRAME_SOP_CLASSES[image.sopClassUid] : undefined;
  if (frames > 1 || multiframeClass) {
    const what = [multiframeClass ?? modality, frames > 1 ? `${frames} frames` : ''].filter(Boolean).join(', ');
    throw new SpaInputError(
      'unsupported-image',
      `This is a multi-frame image${what ? ` (${what})` : ''}; SPA segments single-frame slices, whose spacing and rescale it reads from each image. Convert the series to single-frame images (e.g. with dcmtk's or highdicom's converters) to use SPA.`
    );
  }
  if (!(Number(image.rows) > 0 && Number(image.columns) > 0) && (image.rows != null || image.columns != null)) {
    throw new SpaInputError('unsupported-image', `This image has no pixels (${image.rows ?? '?'} x ${image.columns ?? '?'}).`);
  }
  const spacing = image.pixelSpacingMm;
  if (!spacing || spacing.length !== 2 || !spacing.every(v => Number.isFinite(v) && v > 0)) {
    throw new SpaInputError(
      'missing-spacing',
      `This image has no valid Pixel Spacing (${spacing ? `[${spacing.join(', ')}]` : 'absent'}), so its scale in millimetres is unknown; SPA needs it because the model works on CT pixels of about 0.5-1 mm.`
    );
  }
  if (modality && NOTICE_MODALITIES[modality]) notices.push(NOTICE_MODALITIES[modality]);
  const [rowMm, colMm] = spacing;
  if (Math.max(rowMm, colMm) / Math.min(rowMm, colMm) > ANISOTROPY_NOTICE_RATIO) {
    notices.push(
      `The pixels are not square (${fmt(rowMm)} x ${fmt(colMm)} mm); SPA works in image pixels, so shapes look stretched to the model and its candidates may be less accurate.`
    );
  }
  return notices.length ? { ok: true, notice: notices.join(' ') } : { ok: true };
}

function fmt(mm: number): string {
  return String(Math.round(mm * 1000) / 1000);
}

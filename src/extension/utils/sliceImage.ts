import type { PixelPoint, SliceImage } from '../../core';
import type { CsImage } from '../cornerstone';

/** Why a cornerstone image cannot be segmented, or null when it can. */
export function unsupportedImageReason(image: Pick<CsImage, 'color' | 'numberOfComponents' | 'rows' | 'columns'>): string | null {
  if (image.color || (image.numberOfComponents ?? 1) !== 1) {
    return 'This image is in colour; SPA segments single-channel CT or MR images.';
  }
  if (!(image.rows > 0 && image.columns > 0)) return `This image has no pixels (${image.rows} x ${image.columns}).`;
  return null;
}

/**
 * A cornerstone3D image as the SPA engine's SliceImage. cornerstone's DICOM image loader
 * usually applies RescaleSlope/Intercept while decoding (`preScale.scaled`): its pixel data
 * then already holds modality values (HU for CT), so the slice carries slope 1, intercept 0.
 * Otherwise the pixel data holds stored values and the image's slope and intercept apply.
 */
export function toSliceImage(image: CsImage): SliceImage {
  const reason = unsupportedImageReason(image);
  if (reason) throw new Error(reason);
  const pixelData = image.voxelManager?.getScalarData() ?? image.getPixelData();
  if (pixelData.length !== image.rows * image.columns) {
    throw new Error(`image ${image.imageId}: expected ${image.rows * image.columns} pixel values, got ${pixelData.length}`);
  }
  const scaled = image.preScale?.scaled === true;
  const rowMm = image.rowPixelSpacing || 1;
  const colMm = image.columnPixelSpacing || rowMm;
  return {
    rows: image.rows,
    columns: image.columns,
    pixelData,
    rescaleSlope: scaled ? 1 : image.slope ?? 1,
    rescaleIntercept: scaled ? 0 : image.intercept ?? 0,
    pixelSpacingMm: [rowMm, colMm],
  };
}

/**
 * cornerstone's image coordinates ([x along a row, y down the columns], the top-left corner of
 * pixel (0, 0) at [0, 0], as `utilities.worldToImageCoords` returns them) as the pixel they fall
 * in, and whether that pixel is inside a rows x columns image.
 */
export function pixelFromImageCoords(imageXY: readonly [number, number], rows: number, columns: number): PixelPoint & { inside: boolean } {
  const col = Math.floor(imageXY[0]);
  const row = Math.floor(imageXY[1]);
  return { row, col, inside: row >= 0 && col >= 0 && row < rows && col < columns };
}

/** The centre of pixel (row, col) in cornerstone's image coordinates ([x, y]). */
export function imageCoordsOfPixelCentre(p: PixelPoint): [number, number] {
  return [p.col + 0.5, p.row + 0.5];
}

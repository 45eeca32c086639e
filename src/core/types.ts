/** Shared value types of the SPA core. Coordinates are image pixels: row down, col right. */

export interface PixelPoint {
  row: number;
  col: number;
}

export interface Click extends PixelPoint {
  positive: boolean;
}

/** One CT/MR slice as stored in DICOM: stored values, rescale to HU (or MR units). */
export interface SliceImage {
  rows: number;
  columns: number;
  /** Stored pixel values, row-major, rows * columns. */
  pixelData: ArrayLike<number>;
  rescaleSlope: number;
  rescaleIntercept: number;
  /** [row spacing, column spacing] in mm. */
  pixelSpacingMm: [number, number];
}

import { imageCoordsOfPixelCentre, pixelFromImageCoords, toSliceImage, unsupportedImageReason } from './sliceImage';

const base = {
  imageId: 'wadors:x',
  rows: 2,
  columns: 3,
  rowPixelSpacing: 0.7,
  columnPixelSpacing: 0.8,
  getPixelData: () => Int16Array.from([-1000, 0, 40, 100, 200, 300]),
};

describe('toSliceImage', () => {
  it('keeps pixel values as they are and states slope 1 / intercept 0 when cornerstone pre-scaled them', () => {
    const slice = toSliceImage({ ...base, slope: 1, intercept: -1024, preScale: { scaled: true } });
    expect(slice).toMatchObject({ rows: 2, columns: 3, rescaleSlope: 1, rescaleIntercept: 0, pixelSpacingMm: [0.7, 0.8] });
    expect(Array.from(slice.pixelData)).toEqual([-1000, 0, 40, 100, 200, 300]);
  });

  it("applies the image's slope and intercept when the pixel data holds stored values", () => {
    const slice = toSliceImage({ ...base, slope: 2, intercept: -1024, preScale: { scaled: false } });
    expect(slice.rescaleSlope).toBe(2);
    expect(slice.rescaleIntercept).toBe(-1024);
  });

  it('prefers the voxel manager and falls back to square pixels of 1 mm', () => {
    const data = Int16Array.from([1, 2, 3, 4, 5, 6]);
    const slice = toSliceImage({ ...base, rowPixelSpacing: undefined, columnPixelSpacing: undefined, voxelManager: { getScalarData: () => data } });
    expect(slice.pixelData).toBe(data);
    expect(slice.pixelSpacingMm).toEqual([1, 1]);
  });

  it('refuses colour images and pixel data of the wrong size, saying why', () => {
    expect(unsupportedImageReason({ rows: 2, columns: 2, color: true })).toContain('colour');
    expect(() => toSliceImage({ ...base, numberOfComponents: 3 })).toThrow('single-channel');
    expect(() => toSliceImage({ ...base, rows: 3 })).toThrow('expected 9 pixel values, got 6');
  });
});

describe('pixelFromImageCoords', () => {
  it('maps image coordinates to the pixel they fall in', () => {
    expect(pixelFromImageCoords([316.5, 366.5], 512, 512)).toEqual({ row: 366, col: 316, inside: true });
    expect(pixelFromImageCoords([0, 0], 512, 512)).toEqual({ row: 0, col: 0, inside: true });
    expect(pixelFromImageCoords([511.99, 511.99], 512, 512)).toEqual({ row: 511, col: 511, inside: true });
  });

  it('says when a point is outside the image', () => {
    expect(pixelFromImageCoords([-0.1, 10], 512, 512).inside).toBe(false);
    expect(pixelFromImageCoords([10, 512], 512, 512).inside).toBe(false);
  });

  it('round-trips with the pixel centre', () => {
    const p = { row: 12, col: 34 };
    expect(pixelFromImageCoords(imageCoordsOfPixelCentre(p), 100, 100)).toEqual({ ...p, inside: true });
  });
});

import { boundaryHW, candidateRgb, CANDIDATE_RGB, cssColour, heatmapRGBA, maskRGBA, thumbnailRGBA, thumbnailWindow } from './maskDrawing';

// A 3 x 3 square inside a 5 x 5 crop.
const size = 5;
const square = new Uint8Array(size * size);
for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) square[y * size + x] = 1;

describe('mask drawing', () => {
  it('finds the boundary of a mask (the square minus its centre)', () => {
    const edge = boundaryHW(square, size);
    expect(edge.reduce((a, b) => a + b, 0)).toBe(8);
    expect(edge[2 * size + 2]).toBe(0);
    expect(edge[1 * size + 1]).toBe(1);
    expect(edge[0]).toBe(0);
  });

  it('paints the outline opaque and the inside at the fill alpha', () => {
    const rgba = maskRGBA(square, size, [10, 20, 30], 0.5);
    expect(Array.from(rgba.slice((1 * size + 1) * 4, (1 * size + 1) * 4 + 4))).toEqual([10, 20, 30, 255]);
    expect(Array.from(rgba.slice((2 * size + 2) * 4, (2 * size + 2) * 4 + 4))).toEqual([10, 20, 30, 128]);
    expect(rgba[3]).toBe(0);
    const outlineOnly = maskRGBA(square, size, [10, 20, 30], 0);
    expect(outlineOnly[(2 * size + 2) * 4 + 3]).toBe(0);
  });

  it('draws a thumbnail: grey crop with the outline in colour', () => {
    const grey = new Uint8Array(size * size).fill(100);
    const rgba = thumbnailRGBA(grey, square, size, [255, 0, 0]);
    expect(Array.from(rgba.slice(0, 4))).toEqual([100, 100, 100, 255]);
    expect(Array.from(rgba.slice((1 * size + 1) * 4, (1 * size + 1) * 4 + 4))).toEqual([255, 0, 0, 255]);
    expect(Array.from(rgba.slice((2 * size + 2) * 4, (2 * size + 2) * 4 + 4))).toEqual([100, 100, 100, 255]);
  });

  it('maps uncertainty to a transparent-to-red heat map', () => {
    const u = new Float32Array(size * size);
    u[0] = 0.25;
    u[1] = 0.001;
    const rgba = heatmapRGBA(u, size, 1);
    expect(Array.from(rgba.slice(0, 4))).toEqual([255, 0, 0, 255]);
    expect(rgba[7]).toBe(0);
  });

  it('has a distinct colour for each of up to six candidates', () => {
    expect(new Set(CANDIDATE_RGB.map(c => c.join())).size).toBe(6);
    expect(candidateRgb(6)).toBe(candidateRgb(0));
    expect(cssColour([1, 2, 3])).toBe('rgb(1, 2, 3)');
    expect(cssColour([1, 2, 3], 0.5)).toBe('rgba(1, 2, 3, 0.5)');
  });
});

describe('thumbnailWindow', () => {
  it('frames all masks with a margin, at least the minimum side, inside the crop', () => {
    const size = 128;
    const a = new Uint8Array(size * size);
    a[60 * size + 60] = 1;
    a[70 * size + 66] = 1;
    expect(thumbnailWindow([a], size, 8, 40)).toEqual({ x0: 44, y0: 46, side: 40 });
    const b = new Uint8Array(size * size);
    b[0] = 1;
    b[127 * size + 127] = 1;
    expect(thumbnailWindow([a, b], size)).toEqual({ x0: 0, y0: 0, side: 128 });
    expect(thumbnailWindow([new Uint8Array(size * size)], size)).toEqual({ x0: 0, y0: 0, side: 128 });
    const edge = new Uint8Array(size * size);
    edge[2 * size + 2] = 1;
    expect(thumbnailWindow([edge], size)).toEqual({ x0: 0, y0: 0, side: 40 });
  });
});

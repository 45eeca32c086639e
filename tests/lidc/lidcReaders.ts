/**
 * LIDC-IDRI reader outlines (the XML that comes with each case) as pixel masks, the way the
 * training masks were made (tests/fixtures/PREPROCESSING.md): the inside of each edgeMap
 * contour, the contour pixels themselves left out; ROIs with inclusion FALSE cut holes
 * (outline included). LIDC-IDRI-0001's nodule has no excluded ROI.
 *
 * XML: LidcReadMessage > readingSession > unblindedReadNodule > roi > imageSOP_UID,
 * inclusion, edgeMap > xCoord (column) / yCoord (row).
 */
export interface LidcRoi {
  sopInstanceUID: string;
  inclusion: boolean;
  /** Contour points as [col, row]. */
  points: Array<[number, number]>;
}

export interface LidcNodule {
  noduleId: string;
  rois: LidcRoi[];
}

export interface LidcReading {
  /** 0-based, in document order (bit r of the crops' raters.png). */
  session: number;
  nodules: LidcNodule[];
}

const blocks = (xml: string, tag: string): string[] =>
  Array.from(xml.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g')), m => m[1]);
const text = (xml: string, tag: string): string | undefined => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1]?.trim();

export function parseLidcXml(xml: string): LidcReading[] {
  return blocks(xml, 'readingSession').map((session, index) => ({
    session: index,
    nodules: blocks(session, 'unblindedReadNodule').map(nodule => ({
      noduleId: text(nodule, 'noduleID') ?? '',
      rois: blocks(nodule, 'roi').map(roi => ({
        sopInstanceUID: text(roi, 'imageSOP_UID') ?? '',
        inclusion: (text(roi, 'inclusion') ?? 'TRUE').toUpperCase() === 'TRUE',
        points: blocks(roi, 'edgeMap').map(e => [Number(text(e, 'xCoord')), Number(text(e, 'yCoord'))] as [number, number]),
      })),
    })),
  }));
}

/** Even-odd test of the pixel centre (col, row) against the polygon of contour points. */
function insidePolygon(points: ReadonlyArray<[number, number]>, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i];
    const [xj, yj] = points[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The inside of a contour on a rows x columns grid, contour pixels excluded. */
export function rasteriseContour(points: ReadonlyArray<[number, number]>, rows: number, columns: number): Uint8Array {
  const mask = new Uint8Array(rows * columns);
  if (points.length < 3) return mask;
  const xs = points.map(p => p[0]);
  const ys = points.map(p => p[1]);
  for (let y = Math.max(0, Math.min(...ys)); y <= Math.min(rows - 1, Math.max(...ys)); y++) {
    for (let x = Math.max(0, Math.min(...xs)); x <= Math.min(columns - 1, Math.max(...xs)); x++) {
      if (insidePolygon(points, x, y)) mask[y * columns + x] = 1;
    }
  }
  for (const [x, y] of points) if (x >= 0 && y >= 0 && x < columns && y < rows) mask[y * columns + x] = 0;
  return mask;
}

/**
 * One reader's mask of one nodule per SOPInstanceUID: included contours filled, excluded
 * ones cut out.
 */
export function noduleMasks(nodule: LidcNodule, rows: number, columns: number): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const roi of [...nodule.rois].sort((a, b) => Number(b.inclusion) - Number(a.inclusion))) {
    const mask = out.get(roi.sopInstanceUID) ?? new Uint8Array(rows * columns);
    const fill = rasteriseContour(roi.points, rows, columns);
    // An excluded outline is not nodule either: a hole takes its outline with it.
    if (!roi.inclusion) for (const [x, y] of roi.points) if (x >= 0 && y >= 0 && x < columns && y < rows) fill[y * columns + x] = 1;
    for (let i = 0; i < mask.length; i++) if (fill[i]) mask[i] = roi.inclusion ? 1 : 0;
    out.set(roi.sopInstanceUID, mask);
  }
  return out;
}

/** Each reader's nodule that has an outline (>= 3 points) on `sopInstanceUID`, largest first per reader. */
export function readerNodulesOn(readings: LidcReading[], sopInstanceUID: string): Array<{ session: number; nodule: LidcNodule }> {
  const out: Array<{ session: number; nodule: LidcNodule }> = [];
  for (const reading of readings) {
    const hits = reading.nodules.filter(n => n.rois.some(r => r.sopInstanceUID === sopInstanceUID && r.points.length >= 3));
    hits.sort((a, b) => b.rois.length - a.rois.length);
    if (hits[0]) out.push({ session: reading.session, nodule: hits[0] });
  }
  return out;
}

/** Dice over a stack: masks per SOPInstanceUID (missing = empty). */
export function dice3d(a: Map<string, ArrayLike<number>>, b: Map<string, ArrayLike<number>>): number {
  let inter = 0;
  let sum = 0;
  for (const sop of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(sop);
    const y = b.get(sop);
    const n = (x ?? y)!.length;
    for (let i = 0; i < n; i++) {
      const p = x?.[i] ? 1 : 0;
      const q = y?.[i] ? 1 : 0;
      inter += p & q;
      sum += p + q;
    }
  }
  return sum === 0 ? 1 : (2 * inter) / sum;
}

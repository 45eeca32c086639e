/**
 * Page-side helpers for the SPA interaction tests: the stack viewport through
 * cornerstone3D's own API (window.cornerstone), image pixels to page coordinates, and the
 * SPA labelmap read back per SOPInstanceUID. Plain JavaScript strings are evaluated in the
 * page so that Babel does not rewrite them.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { SAMPLE_NODULE } from '../../scripts/projectConfig';

/** The sample study's slices that LIDC crops were cut from (tests/fixtures/lidc0001-crops.json): all show the nodule. */
export const NODULE_SLICES = (
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', 'fixtures', 'lidc0001-crops.json'), 'utf8')) as {
    slices: Array<{ SOPInstanceUID: string; z: number; file: string }>;
  }
).slices;

/** The slice at `zMm` (slice location) among NODULE_SLICES. */
export function noduleSliceAt(zMm: number): (typeof NODULE_SLICES)[number] {
  const slice = NODULE_SLICES.find(s => s.z === zMm);
  if (!slice) throw new Error(`tests/fixtures/lidc0001-crops.json has no slice at z = ${zMm} mm`);
  return slice;
}

/** The slice where the sample nodule is largest (z = -115 mm), and the nodule's centre there. */
export const LARGEST_NODULE_SLICE = noduleSliceAt(-115);
export const NODULE_CENTRE = SAMPLE_NODULE.centre;

const VIEWPORT_JS = `
  const spaViewport = (id) => {
    const vps = window.cornerstone.getRenderingEngines().flatMap(e => e.getViewports());
    const vp = id ? vps.find(v => v.id === id) : vps.find(v => v.type === 'stack');
    if (!vp) throw new Error('no stack viewport among ' + vps.map(v => v.id + ':' + v.type).join(', '));
    return vp;
  };
  const sopOf = imageId => (/\\/instances\\/([0-9.]+)\\//.exec(imageId) || [])[1];
`;

/** Shows the image with this SOPInstanceUID (in the first stack viewport, or `viewportId`); returns its index. */
export async function showImage(page: Page, sopInstanceUID: string, viewportId?: string): Promise<number> {
  return (await page.evaluate(`(async () => {
    ${VIEWPORT_JS}
    const vp = spaViewport(${JSON.stringify(viewportId ?? '')});
    const index = vp.getImageIds().findIndex(id => sopOf(id) === ${JSON.stringify(sopInstanceUID)});
    if (index < 0) throw new Error('SOP not in the stack');
    await vp.setImageIdIndex(index);
    await new Promise(r => setTimeout(r, 300));
    return index;
  })()`)) as number;
}

/** Zooms and pans the viewport (the mapping must stay right after both). */
export async function zoomAndPan(page: Page, zoom: number, panWorld: [number, number]): Promise<void> {
  await page.evaluate(`(() => {
    ${VIEWPORT_JS}
    const vp = spaViewport();
    vp.setZoom(${zoom});
    vp.setPan(${JSON.stringify(panWorld)});
    vp.render();
  })()`);
  await page.waitForTimeout(300);
}

/** Page coordinates (CSS px) of the centre of image pixel (row, col) on the current image. */
export async function pagePointOfPixel(page: Page, row: number, col: number, viewportId?: string): Promise<{ x: number; y: number }> {
  return (await page.evaluate(`(() => {
    ${VIEWPORT_JS}
    const vp = spaViewport(${JSON.stringify(viewportId ?? '')});
    const world = window.cornerstone.utilities.imageToWorldCoords(vp.getCurrentImageId(), [${col} + 0.5, ${row} + 0.5]);
    const [cx, cy] = vp.worldToCanvas(world);
    const rect = vp.canvas.getBoundingClientRect();
    return { x: rect.left + cx, y: rect.top + cy };
  })()`)) as { x: number; y: number };
}

export async function currentImageIndex(page: Page): Promise<number> {
  return (await page.evaluate(`(() => { ${VIEWPORT_JS} return spaViewport().getCurrentImageIdIndex(); })()`)) as number;
}

export interface LabelmapReadout {
  segmentationId: string;
  label: string;
  rows: number;
  columns: number;
  /** Per SOPInstanceUID: indices of pixels with this segment. */
  pixelsBySop: Record<string, number[]>;
}

/** The pixels of segment `segmentIndex` of the SPA labelmap, per SOPInstanceUID. */
export async function readSpaLabelmap(page: Page, segmentIndex = 1): Promise<LabelmapReadout> {
  return (await page.evaluate(`(() => {
    ${VIEWPORT_JS}
    const vp = spaViewport();
    const segs = window.cornerstoneTools.segmentation.state.getSegmentations();
    const seg = segs.find(s => s.label === 'SPA segmentation');
    if (!seg) throw new Error('no SPA segmentation among ' + segs.map(s => s.label).join(', '));
    const out = { segmentationId: seg.segmentationId, label: seg.segments[${segmentIndex}] && seg.segments[${segmentIndex}].label, rows: 0, columns: 0, pixelsBySop: {} };
    for (const imageId of vp.getImageIds()) {
      const ids = window.cornerstoneTools.segmentation.getLabelmapImageIdsForImageId(imageId, seg.segmentationId) || [];
      const image = ids.length && window.cornerstone.cache.getImage(ids[0]);
      if (!image) continue;
      out.rows = image.rows; out.columns = image.columns;
      const data = image.voxelManager ? image.voxelManager.getScalarData() : image.getPixelData();
      const on = [];
      for (let i = 0; i < data.length; i++) if (data[i] === ${segmentIndex}) on.push(i);
      if (on.length) out.pixelsBySop[sopOf(imageId)] = on;
    }
    return out;
  })()`)) as LabelmapReadout;
}

export interface RoundReadout {
  round: number;
  cropOriginPx: { row: number; col: number };
  cropSizePx: number;
  /** Indices (in the crop) of the recommendation's and each candidate's pixels. */
  recommendation: number[];
  candidates: number[][];
}

/** The active viewport's current SPA round, read through the `?spaDebug=1` hook. */
export async function readRound(page: Page): Promise<RoundReadout> {
  return (await page.evaluate(`(() => {
    const state = window.__spa.getState();
    const session = state.sessions[state.activeViewportId];
    const r = session && session.result;
    if (!r) throw new Error('no SPA round in the active viewport');
    const on = m => { const out = []; for (let i = 0; i < m.length; i++) if (m[i]) out.push(i); return out; };
    return { round: r.round, cropOriginPx: r.cropOriginPx, cropSizePx: r.cropSizePx, recommendation: on(r.recommendationHW), candidates: r.candidates.map(c => on(c.maskHW)) };
  })()`)) as RoundReadout;
}

/** Splits the grid into two stack viewports, "default" and "second", both on the active series. */
export async function twoViewports(page: Page): Promise<void> {
  await page.evaluate(`(async () => {
    const grid = window.services.viewportGridService;
    const uid = grid.getDisplaySetsUIDsForViewport(grid.getActiveViewportId())[0];
    grid.setLayout({
      numRows: 1,
      numCols: 2,
      findOrCreateViewport: position => ({
        displaySetInstanceUIDs: [uid],
        displaySetOptions: [{}],
        viewportOptions: { viewportId: position === 0 ? 'default' : 'second', viewportType: 'stack', toolGroupId: 'default' },
      }),
    });
  })()`);
  await page.waitForFunction(`window.cornerstone.getRenderingEngines().flatMap(e => e.getViewports()).filter(v => v.type === 'stack' && v.getImageIds().length).length === 2`, undefined, { timeout: 30000 });
  await page.waitForTimeout(500);
}

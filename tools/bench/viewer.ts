/**
 * Click -> candidates drawn, measured in the real viewer: OHIF with the SPA mode on the sample
 * study (LIDC-IDRI-0001) in headless Chromium, the model on onnxruntime-web (wasm, the thread
 * count the panel reports). Each timing runs from the SPA point tool's mouse event to the
 * panel's thumbnails being drawn (SpaService's CANDIDATES_DRAWN, read through `?spaDebug=1`).
 *
 * Clicks alternate between a new structure (Esc resets, then a click: SpaSession.start) and a
 * further click on the same structure (SpaSession.addClick), around the nodule's centre on the
 * slice where it is largest. The model is loaded before the first timed click (cold start is
 * measured separately by the other environments).
 */
import { launch } from '../../tests/browser/browser';
import { openSpaStudy } from '../../tests/browser/harness';
import { LARGEST_NODULE_SLICE, NODULE_CENTRE, pagePointOfPixel, showImage } from '../../tests/browser/spaPage';
import { startServer } from '../../viewer/server';

export interface ViewerTiming {
  clickToDrawnMs: number;
  /** Click -> round computed (image read, model pass, sampling, clustering). */
  clickToResultMs: number;
  /** Round computed -> thumbnails drawn (React, overlay, thumbnails). */
  resultToDrawnMs: number;
  round: number;
  kind: 'start' | 'addClick';
}

export interface ViewerBenchResult {
  timings: ViewerTiming[];
  provider: string;
  threads: number;
  crossOriginIsolated: boolean;
  userAgent: string;
}

export async function runViewerBench(clicks: number, warmupClicks: number): Promise<ViewerBenchResult> {
  const server = await startServer({ port: 0 });
  const browser = await launch();
  try {
    const { page, errors } = browser;
    await openSpaStudy(page, server.url, { query: '&spaDebug=1', waitForImage: true, timeoutMs: 120000 });
    // The model loads when the mode opens.
    await page.waitForSelector('[data-testid="spa-model-status"][data-state="ready"]', { timeout: 120000 });
    await showImage(page, LARGEST_NODULE_SLICE.SOPInstanceUID);

    const timingCount = () => page.evaluate('(window.__spaTimings || []).length') as Promise<number>;
    const idle = () =>
      page.waitForFunction(() => document.querySelector('[data-testid="spa-candidate"]') && !document.querySelector('[data-testid="spa-busy"]'), undefined, {
        timeout: 60000,
      });
    const kinds: Array<ViewerTiming['kind']> = [];
    for (let i = 0; i < warmupClicks + clicks; i++) {
      const kind = i % 2 === 0 ? 'start' : 'addClick';
      if (kind === 'start' && i > 0) {
        await page.keyboard.press('Escape');
        await page.getByTestId('spa-hint').waitFor({ timeout: 10000 });
      }
      // Small, deterministic offsets: each click is a real new input, never a cache hit.
      const offset = { row: ((i * 3) % 5) - 2, col: ((i * 2) % 5) - 2 };
      const { x, y } = await pagePointOfPixel(page, NODULE_CENTRE.row + offset.row, NODULE_CENTRE.col + offset.col);
      const before = await timingCount();
      await page.mouse.click(x, y);
      await page.waitForFunction(n => ((window as unknown as { __spaTimings?: unknown[] }).__spaTimings?.length ?? 0) > n, before, { timeout: 60000 });
      await idle();
      kinds.push(kind);
    }
    const raw = (await page.evaluate('window.__spaTimings')) as Array<{ clickToDrawnMs: number; round: number; clickAt: number; resultAt: number; drawnAt: number }>;
    if (raw.length !== kinds.length) throw new Error(`expected ${kinds.length} click timings from the page, got ${raw.length}`);
    const status = (await page.evaluate(`(() => { const s = window.__spa.getState().modelStatus; return { provider: s.provider, threads: s.threads }; })()`)) as {
      provider?: string;
      threads?: number;
    };
    const env = (await page.evaluate('({ crossOriginIsolated: self.crossOriginIsolated, userAgent: navigator.userAgent })')) as { crossOriginIsolated: boolean; userAgent: string };
    if (errors.length) throw new Error(`the viewer reported errors:\n${errors.join('\n')}`);
    if (!status.provider || !status.threads) throw new Error('the SPA panel does not report the model provider and threads');
    const timings = raw.map((t, i) => ({
        clickToDrawnMs: t.clickToDrawnMs,
        clickToResultMs: t.resultAt - t.clickAt,
        resultToDrawnMs: t.drawnAt - t.resultAt,
        round: t.round,
        kind: kinds[i],
      })).slice(warmupClicks);
    return { timings, provider: status.provider, threads: status.threads, ...env };
  } finally {
    await browser.close();
    await server.close();
  }
}

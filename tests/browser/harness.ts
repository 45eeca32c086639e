/** Server, PACS and page helpers shared by the browser specs. */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startPacs, stopPacs, type PacsState } from '../../scripts/pacs';
import { startServer, type RunningServer, type ServerOptions } from '../../viewer/server';
import { launch, type BrowserSession, type LaunchOptions } from './browser';

export const SAMPLE_STUDY_UID = '1.3.6.1.4.1.14519.5.2.1.6279.6001.298806137288633453246975630178';
export const SAMPLE_SERIES_UID = '1.3.6.1.4.1.14519.5.2.1.6279.6001.179049373636438705059720603192';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startViewer(options: ServerOptions = {}): Promise<RunningServer> {
  return startServer({ port: 0, ...options });
}

export interface TestPacs extends PacsState {
  stop(): Promise<void>;
}

/** An Orthanc of its own (own port, own state folder), loaded with the sample study. */
export async function startTestPacs(): Promise<TestPacs> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spa-pacs-state-'));
  const state = await startPacs({ port: await freePort(), stateDir });
  return {
    ...state,
    stop: async () => {
      await stopPacs({ stateDir });
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export interface ViewerAndBrowserOptions {
  /** Start a test PACS first and serve it as the viewer's DICOMweb source. */
  pacs?: boolean;
  server?: ServerOptions;
  browser?: LaunchOptions;
}

export interface ViewerAndBrowser {
  readonly server: RunningServer;
  readonly browser: BrowserSession;
  readonly page: Page;
  /** Only with `pacs: true`. */
  readonly pacs: TestPacs;
}

/**
 * Registers beforeAll/afterAll that start (and stop) a viewer server and a browser for the
 * enclosing spec or describe block; read them through the getters, inside hooks and tests.
 */
export function viewerAndBrowser(options: ViewerAndBrowserOptions = {}): ViewerAndBrowser {
  let pacs: TestPacs | undefined;
  let server: RunningServer;
  let browser: BrowserSession;
  beforeAll(async () => {
    if (options.pacs) pacs = await startTestPacs();
    server = await startViewer(pacs ? { ...options.server, dicomweb: pacs.dicomwebUrl } : options.server);
    browser = await launch(options.browser);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await pacs?.stop();
  });
  return {
    get server() {
      return server;
    },
    get browser() {
      return browser;
    },
    get page() {
      return browser.page;
    },
    get pacs() {
      if (!pacs) throw new Error('viewerAndBrowser was not asked for a PACS');
      return pacs;
    },
  };
}

export interface OpenSpaStudyOptions {
  /** Default: the sample study. */
  studyUid?: string;
  /** Appended to the URL's query, e.g. '&spaDebug=1'. */
  query?: string;
  waitForImage?: boolean;
  /** For the panel and the image; default 90 s for the panel, waitForRenderedImage's own for the image. */
  timeoutMs?: number;
}

/** Opens a study in the SPA mode and waits for the SPA panel (and the image), then dismisses the banner. */
export async function openSpaStudy(page: Page, serverUrl: string, options: OpenSpaStudyOptions = {}): Promise<void> {
  const { studyUid = SAMPLE_STUDY_UID, query = '', waitForImage = false, timeoutMs } = options;
  await page.goto(`${serverUrl}/spa?StudyInstanceUIDs=${studyUid}${query}`);
  await page.getByTestId('spa-panel').waitFor({ timeout: timeoutMs ?? 90000 });
  if (waitForImage) await waitForRenderedImage(page, timeoutMs);
  await dismissInvestigationalBanner(page);
}

/** Dismisses OHIF's "investigational use" banner if it shows. */
export async function dismissInvestigationalBanner(page: Page): Promise<void> {
  const button = page.getByRole('button', { name: 'Confirm and hide' });
  if (await button.isVisible().catch(() => false)) await button.click();
}

/** Waits until the active viewport has drawn the image (a canvas with non-black pixels). */
export async function waitForRenderedImage(page: Page, timeoutMs = 60000): Promise<void> {
  await page.waitForFunction(
    () => {
      const canvases = Array.from(document.querySelectorAll('[data-cy="viewport-pane"] canvas')) as HTMLCanvasElement[];
      return canvases.some(c => {
        if (c.width < 64 || c.height < 64) return false;
        const probe = document.createElement('canvas');
        probe.width = 32;
        probe.height = 32;
        const ctx = probe.getContext('2d');
        if (!ctx) return false;
        ctx.drawImage(c, 0, 0, 32, 32);
        const { data } = ctx.getImageData(0, 0, 32, 32);
        let bright = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 150) bright++;
        return bright > 50;
      });
    },
    undefined,
    { timeout: timeoutMs, polling: 500 }
  );
}

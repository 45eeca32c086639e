/** Server, PACS and page helpers shared by the browser specs. */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { startPacs, stopPacs, type PacsState } from '../../scripts/pacs';
import { startServer, type RunningServer, type ServerOptions } from '../../viewer/server';

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

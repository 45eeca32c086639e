/**
 * Launching Debian's Chromium for the browser tests: headless, software WebGL, a fresh
 * profile per launch, no background traffic (this network refuses most hosts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const ARTIFACTS = path.resolve(__dirname, '..', '..', 'artifacts');

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors seen so far. */
  errors: string[];
  /** Image/metadata requests OHIF reported as failed (our app-config's httpErrorHandler). */
  failedRequests: string[];
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Chromium switches on top of the defaults (the viewer soak's heap readings need `--js-flags=--expose-gc`). */
  extraArgs?: string[];
}

export async function launch({ extraArgs = [] }: LaunchOptions = {}): Promise<BrowserSession> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'spa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--enable-unsafe-swiftshader',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-dev-shm-usage',
      ...extraArgs,
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  const failedRequests: string[] = [];
  page.on('pageerror', err => errors.push(`pageerror: ${err.message}`));
  page.on('console', msg => {
    if (msg.type() === 'error') errors.push(`console.error: ${msg.text()} (${msg.location().url})`);
    if (msg.type() === 'warning' && msg.text().startsWith('[SPA for OHIF] request failed')) {
      failedRequests.push(`${msg.text()} at ${page.url()}`);
    }
  });
  return {
    context,
    page,
    errors,
    failedRequests,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

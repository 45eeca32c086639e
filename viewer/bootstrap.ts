/**
 * Host bootstrap: a classic script that index.html loads before the OHIF app bundle.
 *
 * 1. It pushes a probe chunk onto `globalThis.rspackChunk`. When the host's rspack
 *    runtime starts, it calls the probe's runtime callback with its `__webpack_require__`
 *    (before any host module runs); the probe wraps each module factory so it records
 *    the module objects as the host evaluates them.
 * 2. It wraps `window.browserImportFunction` (the host's dynamic `import()` for plugins):
 *    before the first import of one of our plugin modules it finds React and ReactDOM
 *    among the recorded modules by identity (hostShared.ts), checks their versions and
 *    publishes them as `window['react']` / `window['react-dom']`, the globals our plugin
 *    bundle reads its externals from (OHIF's runtime-plugin convention: full package name).
 *    On a mismatch it shows a message in the page and refuses to load the plugin.
 */
import { ExpectedHost, resolveSharedModules } from './hostShared';

declare const __SPA_EXPECTED_HOST__: ExpectedHost;
declare const __SPA_PLUGIN_MODULES__: string[];

type WebpackRequire = { m: Record<string, (this: unknown, ...args: unknown[]) => unknown> };
type ChunkEntry = [Array<string | number>, Record<string, unknown>, (req: WebpackRequire) => void];

interface HostWindow {
  rspackChunk?: ChunkEntry[];
  browserImportFunction?: (name: string) => Promise<unknown>;
  spaHost?: { status: 'waiting' | 'ready' | 'error'; message?: string; moduleCount: () => number };
  [shared: string]: unknown;
}

const win = window as unknown as HostWindow;
const evaluatedModules: Array<{ exports: unknown }> = [];
let registryReached = false;

function hookRegistry(req: WebpackRequire): void {
  registryReached = true;
  const factories = req.m;
  for (const id of Object.keys(factories)) {
    const factory = factories[id];
    factories[id] = function (this: unknown, module: unknown, ...rest: unknown[]) {
      evaluatedModules.push(module as { exports: unknown });
      return factory.call(this, module, ...rest);
    };
  }
}

(win.rspackChunk = win.rspackChunk || []).push([['spa-host-probe'], {}, hookRegistry]);

const state: NonNullable<HostWindow['spaHost']> = {
  status: 'waiting',
  moduleCount: () => evaluatedModules.length,
};
win.spaHost = state;

function showError(message: string): void {
  const show = () => {
    const box = document.createElement('div');
    box.setAttribute('data-testid', 'spa-host-error');
    box.setAttribute('role', 'alert');
    box.style.cssText =
      'position:fixed;top:0;left:0;right:0;z-index:100000;padding:16px 20px;background:#7f1d1d;color:#fff;' +
      'font:15px/1.4 system-ui,sans-serif;box-shadow:0 2px 8px rgba(0,0,0,.5)';
    box.textContent = message;
    document.body.appendChild(box);
  };
  if (document.body) show();
  else document.addEventListener('DOMContentLoaded', show, { once: true });
}

let sharedPromise: Promise<void> | null = null;

function ensureShared(): Promise<void> {
  sharedPromise ??= new Promise<void>((resolve, reject) => {
    const result = registryReached
      ? resolveSharedModules(
          evaluatedModules.map(m => m.exports),
          __SPA_EXPECTED_HOST__
        )
      : {
          ok: false as const,
          message:
            `SPA for OHIF cannot start: the page's viewer is not the rspack build of ` +
            `${__SPA_EXPECTED_HOST__.hostPackage}@${__SPA_EXPECTED_HOST__.hostVersion} it expects (no module registry found).`,
        };
    if (result.ok) {
      win['react'] = result.shared.react;
      win['react-dom'] = result.shared['react-dom'];
      state.status = 'ready';
      resolve();
    } else {
      state.status = 'error';
      state.message = result.message;
      showError(result.message);
      reject(new Error(result.message));
    }
  });
  return sharedPromise;
}

const hostImport = win.browserImportFunction ?? ((name: string) => import(/* webpackIgnore: true */ name));
win.browserImportFunction = (name: string) =>
  __SPA_PLUGIN_MODULES__.includes(name) ? ensureShared().then(() => hostImport(name)) : hostImport(name);

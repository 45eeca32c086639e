/**
 * Patches the host's index.html (served, never written back):
 * - at the top of <head>: the import map that resolves our plugin's module names (the
 *   host imports `window.config.extensions` / `modes` by name with a dynamic import())
 *   and the runtime-config script that app-config.js reads;
 * - right before the host's app bundle: bootstrap.js (see viewer/bootstrap.ts).
 */
export interface IndexHtmlOptions {
  imports: Record<string, string>;
  runtimeConfigSrc: string;
  bootstrapSrc: string;
}

const APP_BUNDLE_TAG = /<script defer="defer" src="[^"]*app\.bundle\.[^"]*\.js"><\/script>|<script defer src="[^"]*app\.bundle\.[^"]*\.js"><\/script>/;

export function patchIndexHtml(html: string, { imports, runtimeConfigSrc, bootstrapSrc }: IndexHtmlOptions): string {
  const head = html.indexOf('<head>');
  if (head < 0) throw new Error('host index.html has no <head>');
  const bundle = html.match(APP_BUNDLE_TAG);
  if (!bundle || bundle.index === undefined) {
    throw new Error('host index.html has no deferred app.bundle script; is it the @ohif/app viewer build?');
  }
  const importMap = `<script type="importmap">${JSON.stringify({ imports })}</script>`;
  const runtime = `<script src="${runtimeConfigSrc}"></script>`;
  const bootstrap = `<script src="${bootstrapSrc}"></script>`;
  const at = head + '<head>'.length;
  // Insert the bootstrap first (later offset), then the head block.
  const withBootstrap = html.slice(0, bundle.index) + bootstrap + html.slice(bundle.index);
  return withBootstrap.slice(0, at) + importMap + runtime + withBootstrap.slice(at);
}

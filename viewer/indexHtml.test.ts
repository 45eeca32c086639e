import { patchIndexHtml } from './indexHtml';

const HOST_HTML =
  '<!doctype html><html lang="en"><head><meta charset="UTF-8"><script rel="preload" as="script" src="/app-config.js"></script>' +
  '<script>function browserImportFunction(n){return import(n)}window.PUBLIC_URL="/"</script>' +
  '<script defer src="/app.bundle.0f6159c501addfe9.js"></script></head><body><div id="root"></div></body></html>';

const options = {
  imports: { '@spa-ohif/extension-spa': '/spa-plugin/extension.js' },
  runtimeConfigSrc: '/spa-runtime-config.js',
  bootstrapSrc: '/spa-plugin/bootstrap.js',
};

describe('patchIndexHtml', () => {
  it('puts the import map and runtime config first and the bootstrap just before the app bundle', () => {
    const html = patchIndexHtml(HOST_HTML, options);
    const at = (s: string) => html.indexOf(s);
    expect(at('<script type="importmap">{"imports":{"@spa-ohif/extension-spa":"/spa-plugin/extension.js"}}</script>')).toBe(
      at('<head>') + '<head>'.length
    );
    expect(at('/spa-runtime-config.js')).toBeLessThan(at('/app-config.js'));
    expect(at('browserImportFunction')).toBeLessThan(at('/spa-plugin/bootstrap.js'));
    expect(at('/spa-plugin/bootstrap.js')).toBeLessThan(at('/app.bundle.'));
  });

  it('refuses a page that is not the OHIF build', () => {
    expect(() => patchIndexHtml('<html><head></head><body></body></html>', options)).toThrow(/no deferred app.bundle script/);
  });
});

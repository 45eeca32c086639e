/**
 * Builds two things into dist/ (served under /spa-plugin/):
 *
 * 1. The runtime plugin: `extension.js` and `mode.js`, ES modules whose default exports
 *    are the OHIF extension and mode. OHIF imports them by package name through the
 *    import map in index.html. React and ReactDOM are externals read from the globals
 *    `window['react']` / `window['react-dom']` (OHIF's runtime-plugin convention: the
 *    full package name), which bootstrap.js fills with the host's own copies, so React
 *    is never bundled twice.
 * 2. `bootstrap.js`, a classic script run before the host bundle (viewer/bootstrap.ts).
 */
const path = require('path');
const webpack = require('webpack');
const pkg = require('./package.json');

const MODE_NAME = pkg.ohif.modeName;

const common = argv => ({
  mode: argv.mode || 'production',
  devtool: 'source-map',
  resolve: { extensions: ['.ts', '.tsx', '.js'] },
  module: {
    rules: [{ test: /\.[jt]sx?$/, exclude: /node_modules/, use: 'babel-loader' }],
  },
  performance: { hints: false },
  stats: 'errors-warnings',
});

module.exports = (env = {}, argv = {}) => [
  {
    ...common(argv),
    name: 'plugin',
    entry: {
      extension: './src/extension/index.ts',
      mode: './src/mode/index.ts',
    },
    experiments: { outputModule: true },
    output: {
      path: path.resolve(__dirname, 'dist'),
      filename: '[name].js',
      // Lazy chunks (e.g. `import('onnxruntime-web/wasm')`) load relative to the plugin.
      chunkFilename: 'chunks/[name].[contenthash:8].js',
      module: true,
      library: { type: 'module' },
      // Use `globalThis` as the global object: webpack's fallback for older browsers is
      // `new Function('return this')`, which a Content-Security-Policy without
      // 'unsafe-eval' forbids (tests/browser/security.spec.ts scans the bundle).
      environment: { globalThis: true },
      clean: { keep: /^bootstrap\.js/ },
    },
    resolve: {
      extensions: ['.ts', '.tsx', '.js'],
      // onnxruntime-web: take the build that loads its wasm glue (.mjs) and .wasm from
      // `ort.env.wasm.wasmPaths` (the server's /onnxruntime-web/) instead of bundling them.
      conditionNames: ['onnxruntime-web-use-extern-wasm', 'import', 'module', 'browser', 'default'],
    },
    module: {
      rules: [{ test: /\.[jt]sx?$/, exclude: /node_modules/, use: 'babel-loader' }],
      // Do not emit onnxruntime-web's `new URL('…mjs', import.meta.url)` files as assets:
      // they are served from /onnxruntime-web/.
      parser: { javascript: { url: false } },
    },
    externalsType: 'window',
    externals: { react: 'react', 'react-dom': 'react-dom' },
    optimization: { splitChunks: false, runtimeChunk: false, minimize: false },
    plugins: [
      new webpack.DefinePlugin({
        __SPA_EXTENSION_ID__: JSON.stringify(pkg.name),
        __SPA_MODE_ID__: JSON.stringify(MODE_NAME),
        __SPA_VERSION__: JSON.stringify(pkg.version),
      }),
    ],
  },
  {
    ...common(argv),
    name: 'bootstrap',
    entry: { bootstrap: './viewer/bootstrap.ts' },
    output: { path: path.resolve(__dirname, 'dist'), filename: '[name].js', iife: true },
    plugins: [
      new webpack.DefinePlugin({
        __SPA_EXPECTED_HOST__: JSON.stringify({
          hostPackage: pkg.ohif.hostPackage,
          hostVersion: pkg.ohif.hostVersion,
          reactVersion: pkg.ohif.reactVersion,
          reactDomVersion: pkg.ohif.reactDomVersion,
        }),
        __SPA_PLUGIN_MODULES__: JSON.stringify([pkg.name, MODE_NAME]),
      }),
    ],
  },
];

/**
 * The benchmark page: src/core + onnxruntime-web's wasm-only build, one ES module in
 * dist/bench/. onnxruntime-web loads its wasm glue (.mjs) and .wasm from
 * `ort.env.wasm.wasmPaths` (the bench server's /ort/), as in the viewer's build.
 *
 *   npx webpack -c tools/bench/webpack.config.cjs   (npm run bench builds it itself)
 */
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');

module.exports = {
  name: 'bench',
  mode: 'production',
  context: ROOT,
  devtool: false,
  entry: { page: './tools/bench/page.ts' },
  experiments: { outputModule: true },
  output: {
    path: path.join(ROOT, 'dist', 'bench'),
    filename: '[name].js',
    module: true,
    clean: true,
  },
  resolve: {
    extensions: ['.ts', '.js'],
    conditionNames: ['onnxruntime-web-use-extern-wasm', 'import', 'module', 'browser', 'default'],
  },
  module: {
    rules: [{ test: /\.ts$/, exclude: /node_modules/, use: 'babel-loader' }],
    // Keep onnxruntime-web's `new URL('…mjs', import.meta.url)` as is: served from /ort/.
    parser: { javascript: { url: false } },
  },
  optimization: { splitChunks: false, runtimeChunk: false },
  performance: { hints: false },
  stats: 'errors-warnings',
};

/**
 * The soak page: tools/soak/page.ts + src/core + onnxruntime-web's wasm-only build, one ES
 * module in dist/soak/ (same set-up as the benchmark page, tools/bench/webpack.config.cjs).
 */
const path = require('path');
const bench = require('../bench/webpack.config.cjs');

const ROOT = path.resolve(__dirname, '..', '..');

module.exports = {
  ...bench,
  name: 'soak',
  entry: { page: './tools/soak/page.ts' },
  output: { ...bench.output, path: path.join(ROOT, 'dist', 'soak') },
};

/**
 * One Babel configuration for both consumers:
 * - jest (NODE_ENV=test): CommonJS modules, targets the running Node.
 * - webpack (babel-loader): keeps ES modules for tree shaking, targets the
 *   browsers the OHIF 3.13 host itself supports (ES2020-capable).
 * React uses the classic runtime (React.createElement), so the plugin needs only the
 * host's `react` module and never `react/jsx-runtime`.
 */
module.exports = api => {
  const isTest = api.env('test');
  return {
    presets: [
      [
        '@babel/preset-env',
        isTest
          ? { targets: { node: 'current' } }
          : { modules: false, targets: { esmodules: true }, bugfixes: true },
      ],
      ['@babel/preset-react', { runtime: 'classic' }],
      ['@babel/preset-typescript', { allowDeclareFields: true }],
    ],
  };
};

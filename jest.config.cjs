/**
 * Unit tests: framework-free core (src/core/**) and everything else under src/, tools/ and
 * tests/ named *.test.ts(x). Browser end-to-end tests live in tests/browser/ and run
 * with their own configuration (tests/browser/jest.config.cjs).
 *
 * Run with NODE_OPTIONS=--experimental-vm-modules (see package.json): onnxruntime-web
 * loads its .mjs backend with a dynamic import().
 */
module.exports = {
  rootDir: __dirname,
  testEnvironment: '<rootDir>/tests/jest-environment.cjs',
  testMatch: ['<rootDir>/src/**/*.test.{ts,tsx}', '<rootDir>/tests/**/*.test.{ts,tsx}', '<rootDir>/viewer/**/*.test.ts', '<rootDir>/scripts/**/*.test.ts', '<rootDir>/tools/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/browser/', '<rootDir>/viewer/dist-host/', '<rootDir>/dist/'],
  modulePathIgnorePatterns: ['<rootDir>/viewer/dist-host/', '<rootDir>/dist/'],
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
  transform: { '^.+\\.[jt]sx?$': 'babel-jest' },
  // Model-backed tests create onnxruntime sessions; give them room on a loaded 2-core machine.
  testTimeout: 60000,
};

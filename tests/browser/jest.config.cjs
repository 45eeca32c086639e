/**
 * Browser end-to-end tests: playwright-core driving Debian's /usr/bin/chromium against
 * the real viewer server (and a real Orthanc for the PACS path). Each spec starts and
 * stops its own server and Orthanc on free ports. Serial: one Chromium at a time.
 */
const path = require('path');

module.exports = {
  rootDir: path.resolve(__dirname, '../..'),
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/browser/**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.[jt]sx?$': 'babel-jest' },
  maxWorkers: 1,
  testTimeout: 240000,
  slowTestThreshold: 60,
};

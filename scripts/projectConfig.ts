/**
 * Project-level constants shared by the Node scripts and the viewer server: paths in
 * the repository and the pinned host (read from package.json's "ohif" block, so that
 * one place says which published OHIF viewer the plugin is built against).
 */
import fs from 'node:fs';
import path from 'node:path';

// Scripts run as CommonJS (tsx, jest), so __dirname is available.
export const REPO_ROOT = path.resolve(__dirname, '..');

interface PackageJson {
  name: string;
  version: string;
  ohif: {
    hostPackage: string;
    hostVersion: string;
    hostIntegrity: string;
    reactVersion: string;
    reactDomVersion: string;
    modeName: string;
  };
}

export const PACKAGE_JSON: PackageJson = JSON.parse(
  fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')
);

export const PATHS = {
  hostDist: path.join(REPO_ROOT, 'viewer', 'dist-host'),
  hostMarker: path.join(REPO_ROOT, 'viewer', 'dist-host', '.spa-host.json'),
  pluginDist: path.join(REPO_ROOT, 'dist'),
  appConfig: path.join(REPO_ROOT, 'viewer', 'app-config.js'),
  models: path.join(REPO_ROOT, 'models'),
  ortDist: path.join(REPO_ROOT, 'node_modules', 'onnxruntime-web', 'dist'),
  sampleDicom: path.join(REPO_ROOT, 'sample-data', 'lidc-idri-0001', 'ct'),
  sampleDicomweb: path.join(REPO_ROOT, 'sample-data', 'dicomweb'),
  pacsState: path.join(REPO_ROOT, '.pacs'),
} as const;

/**
 * The sample study's nodule (LIDC-IDRI-0001): largest on `1-043.dcm` (z = -115 mm),
 * centred there on image pixel (row 366, col 316). Tests and tools click here.
 */
export const SAMPLE_NODULE = { largestSliceFile: '1-043.dcm', centre: { row: 366, col: 316 } } as const;

/** URL paths the viewer server exposes (one table, used by server, app-config and tests). */
export const ROUTES = {
  plugin: '/spa-plugin/',
  models: '/models/',
  ort: '/onnxruntime-web/',
  sampleDicomweb: '/sample-dicomweb',
  dicomwebProxy: '/dicomweb',
  runtimeConfig: '/spa-runtime-config.js',
} as const;

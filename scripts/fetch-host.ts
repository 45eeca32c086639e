/**
 * Unpacks the published OHIF viewer (`@ohif/app`, pinned in package.json "ohif") into
 * viewer/dist-host/, which is ignored by git.
 *
 * Why not a dependency: `npm install @ohif/app` fails on a dependency missing from the
 * registry, and we need only its prebuilt `dist/`. So we `npm pack` the exact version
 * (through npm's own client and cache), check the tarball against the pinned sha512
 * integrity and extract `package/dist`.
 *
 *   tsx scripts/fetch-host.ts [--force]
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PACKAGE_JSON, PATHS } from './projectConfig';

interface HostMarker {
  package: string;
  version: string;
  integrity: string;
}

function readMarker(): HostMarker | null {
  try {
    return JSON.parse(fs.readFileSync(PATHS.hostMarker, 'utf8'));
  } catch {
    return null;
  }
}

function sha512Integrity(file: string): string {
  return 'sha512-' + crypto.createHash('sha512').update(fs.readFileSync(file)).digest('base64');
}

export function fetchHost({ force = false } = {}): void {
  const { hostPackage, hostVersion, hostIntegrity } = PACKAGE_JSON.ohif;
  const wanted: HostMarker = { package: hostPackage, version: hostVersion, integrity: hostIntegrity };
  const marker = readMarker();
  if (!force && marker && marker.version === hostVersion && marker.integrity === hostIntegrity) {
    console.log(`[fetch-host] ${hostPackage}@${hostVersion} already unpacked in ${PATHS.hostDist}`);
    return;
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'spa-host-'));
  try {
    console.log(`[fetch-host] npm pack ${hostPackage}@${hostVersion} ...`);
    const out = execFileSync(
      'npm',
      ['pack', `${hostPackage}@${hostVersion}`, '--pack-destination', work, '--json', '--silent'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }
    );
    const [{ filename }] = JSON.parse(out) as Array<{ filename: string }>;
    const tarball = path.join(work, path.basename(filename));
    const integrity = sha512Integrity(tarball);
    if (integrity !== hostIntegrity) {
      throw new Error(
        `${hostPackage}@${hostVersion} tarball integrity ${integrity} does not match the pinned ${hostIntegrity}`
      );
    }
    execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/dist']);
    const extracted = path.join(work, 'package', 'dist');
    if (!fs.existsSync(path.join(extracted, 'index.html'))) {
      throw new Error(`${hostPackage}@${hostVersion} has no dist/index.html; is it the prebuilt viewer?`);
    }
    fs.rmSync(PATHS.hostDist, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(PATHS.hostDist), { recursive: true });
    fs.renameSync(extracted, PATHS.hostDist);
    fs.writeFileSync(PATHS.hostMarker, JSON.stringify(wanted, null, 2) + '\n');
    console.log(`[fetch-host] unpacked ${hostPackage}@${hostVersion} into ${PATHS.hostDist}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('scripts', 'fetch-host.ts'))) {
  try {
    fetchHost({ force: process.argv.includes('--force') });
  } catch (err) {
    console.error(`[fetch-host] ${(err as Error).message}`);
    process.exit(1);
  }
}

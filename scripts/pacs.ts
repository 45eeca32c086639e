/**
 * A real PACS for development and tests: Orthanc (Debian packages `orthanc`,
 * `orthanc-dicomweb`) with the project's own configuration — DICOMweb plugin on, HTTP
 * only on loopback use (remote access refused), no DICOM listener, storage in a fresh
 * temporary folder — loaded with the sample study.
 *
 *   tsx scripts/pacs.ts start [--port N]   prints the DICOMweb URL (default port 8142)
 *   tsx scripts/pacs.ts stop
 *
 * The running instance is recorded in .pacs/state.json (ignored by git).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PATHS } from './projectConfig';

export const ORTHANC_BIN = process.env.ORTHANC_BIN || '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = process.env.ORTHANC_DICOMWEB_PLUGIN || '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
export const DEFAULT_PACS_PORT = 8142;

export interface PacsState {
  pid: number;
  port: number;
  dir: string;
  url: string;
  dicomwebUrl: string;
}

export interface PacsOptions {
  port?: number;
  /** Folder holding state.json; tests pass their own so they never touch a dev PACS. */
  stateDir?: string;
  /** DICOM files to load; default: the sample study. */
  loadDir?: string | null;
  timeoutMs?: number;
}

function stateFile(stateDir: string): string {
  return path.join(stateDir, 'state.json');
}

export function readPacsState(stateDir: string = PATHS.pacsState): PacsState | null {
  try {
    return JSON.parse(fs.readFileSync(stateFile(stateDir), 'utf8'));
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilAnswering(url: string, pid: number, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) {
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
      throw new Error(`Orthanc exited during start-up; last log lines:\n${log}`);
    }
    try {
      const r = await fetch(`${url}/system`);
      if (r.ok) {
        await r.arrayBuffer();
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error(`Orthanc did not answer ${url}/system within ${timeoutMs} ms (log: ${logFile})`);
}

async function loadDicomFolder(url: string, dir: string): Promise<number> {
  const files = fs.readdirSync(dir).filter(f => f.toLowerCase().endsWith('.dcm')).sort();
  for (const f of files) {
    const r = await fetch(`${url}/instances`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/dicom' },
      body: fs.readFileSync(path.join(dir, f)),
    });
    if (!r.ok) throw new Error(`Orthanc refused ${f}: HTTP ${r.status} ${await r.text()}`);
    await r.arrayBuffer();
  }
  return files.length;
}

export async function startPacs({
  port = DEFAULT_PACS_PORT,
  stateDir = PATHS.pacsState,
  loadDir = PATHS.sampleDicom,
  timeoutMs = 30000,
}: PacsOptions = {}): Promise<PacsState> {
  const existing = readPacsState(stateDir);
  if (existing && isAlive(existing.pid)) {
    throw new Error(`a PACS is already running (pid ${existing.pid}, ${existing.dicomwebUrl}); stop it first`);
  }
  for (const [what, p] of [['Orthanc', ORTHANC_BIN], ['the Orthanc DICOMweb plugin', DICOMWEB_PLUGIN]]) {
    if (!fs.existsSync(p)) throw new Error(`${what} not found at ${p}; install the Debian packages orthanc and orthanc-dicomweb`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spa-orthanc-'));
  const config = {
    Name: 'SPA-for-OHIF',
    StorageDirectory: path.join(dir, 'db'),
    IndexDirectory: path.join(dir, 'db'),
    HttpPort: port,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomServerEnabled: false,
    HttpCompressionEnabled: false,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: true, WadoRoot: '/wado', Ssl: false },
  };
  const configFile = path.join(dir, 'orthanc.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const logFile = path.join(dir, 'orthanc.log');
  const log = fs.openSync(logFile, 'a');
  const child = spawn(ORTHANC_BIN, [configFile], { detached: true, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  child.unref();
  const url = `http://127.0.0.1:${port}`;
  const state: PacsState = { pid: child.pid!, port, dir, url, dicomwebUrl: `${url}/dicom-web` };
  fs.mkdirSync(stateDir, { recursive: true });
  fs.writeFileSync(stateFile(stateDir), JSON.stringify(state, null, 2));
  try {
    await waitUntilAnswering(url, state.pid, logFile, timeoutMs);
    if (loadDir) await loadDicomFolder(url, loadDir);
  } catch (err) {
    await stopPacs({ stateDir });
    throw err;
  }
  return state;
}

export async function stopPacs({ stateDir = PATHS.pacsState, timeoutMs = 10000 }: PacsOptions = {}): Promise<boolean> {
  const state = readPacsState(stateDir);
  if (!state) return false;
  if (isAlive(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + timeoutMs;
    while (isAlive(state.pid) && Date.now() < deadline) await new Promise(r => setTimeout(r, 100));
    if (isAlive(state.pid)) process.kill(state.pid, 'SIGKILL');
  }
  fs.rmSync(state.dir, { recursive: true, force: true });
  fs.rmSync(stateFile(stateDir), { force: true });
  return true;
}

async function main() {
  const [command] = process.argv.slice(2);
  const portArg = process.argv.indexOf('--port');
  const port = portArg > 0 ? Number(process.argv[portArg + 1]) : Number(process.env.PACS_PORT || DEFAULT_PACS_PORT);
  if (command === 'start') {
    const state = await startPacs({ port });
    console.log(`[pacs] Orthanc running (pid ${state.pid}), sample study loaded. DICOMweb: ${state.dicomwebUrl}`);
    console.log(`[pacs] view it: npm start -- --dicomweb ${state.dicomwebUrl}`);
  } else if (command === 'stop') {
    console.log((await stopPacs()) ? '[pacs] stopped' : '[pacs] no PACS was running');
  } else {
    throw new Error(`unknown command "${command ?? ''}"; one of start, stop`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('scripts', 'pacs.ts'))) {
  main().catch(err => {
    console.error(`[pacs] ${(err as Error).message}`);
    process.exit(1);
  });
}

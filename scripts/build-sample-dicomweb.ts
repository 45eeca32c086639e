/**
 * Generates a static DICOMweb tree from DICOM Part 10 files: the layout that OHIF's
 * dicomweb data source reads with `staticWado: true` (the way OHIF's own public demo
 * is served). For each request path the server answers with `<path>/index.json`:
 *
 *   studies/index.json                                   QIDO-RS: all studies
 *   studies/<study>/series/index.json                    QIDO-RS: series of a study
 *   studies/<study>/series/<series>/metadata/index.json  WADO-RS: instance metadata
 *   studies/<study>/series/<series>/instances/<sop>/frames/1   raw frame bytes
 *
 * The tree is derived data: sample-data/dicomweb/ is ignored by git and regenerated
 * (by `npm install` and the server at start-up) whenever the source files change.
 *
 *   tsx scripts/build-sample-dicomweb.ts [--force] [--src DIR] [--out DIR]
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DicomJsonDataset, PIXEL_DATA_TAG, firstString, readPart10, toDicomJson } from './dicomJson';
import { PATHS } from './projectConfig';

const STAMP = '.source.json';

const STUDY_TAGS = ['00080005', '00080020', '00080030', '00080050', '00080090', '00081030', '00100010', '00100020', '00100030', '00100040', '0020000D', '00200010'];
const SERIES_TAGS = ['00080005', '00080021', '00080060', '0008103E', '0020000D', '0020000E', '00200011'];

interface Instance {
  study: string;
  series: string;
  sop: string;
  metadata: DicomJsonDataset;
  frames: Uint8Array[];
}

function pick(ds: DicomJsonDataset, tags: string[]): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const tag of tags) if (ds[tag]) out[tag] = ds[tag];
  return out;
}

function sourceFingerprint(srcDir: string, files: string[]): string {
  const h = crypto.createHash('sha256');
  for (const f of files) {
    const st = fs.statSync(path.join(srcDir, f));
    h.update(`${f}:${st.size}:${st.mtimeMs}\n`);
  }
  return h.digest('hex');
}

function listDicomFiles(srcDir: string): string[] {
  return fs
    .readdirSync(srcDir)
    .filter(f => f.toLowerCase().endsWith('.dcm'))
    .sort();
}

function readInstance(file: string): Instance {
  const { dict, meta } = readPart10(new Uint8Array(fs.readFileSync(file)));
  const transferSyntax = String(meta['00020010']?.Value?.[0] ?? '');
  if (transferSyntax !== '1.2.840.10008.1.2.1' && transferSyntax !== '1.2.840.10008.1.2') {
    throw new Error(`${file}: transfer syntax ${transferSyntax} is not supported (only uncompressed little endian)`);
  }
  const pixel = dict[PIXEL_DATA_TAG]?.Value?.[0];
  if (!(pixel instanceof ArrayBuffer)) throw new Error(`${file}: no PixelData`);
  const sop = String(dict['00080018']?.Value?.[0]);
  const metadata = toDicomJson(dict, tag => (tag === PIXEL_DATA_TAG ? `instances/${sop}/frames/1` : undefined));
  // WADO-RS frames are returned in the stored (Explicit VR Little Endian) syntax.
  metadata['00083002'] = { vr: 'UI', Value: ['1.2.840.10008.1.2.1'] };
  const study = firstString(metadata, '0020000D');
  const series = firstString(metadata, '0020000E');
  if (!study || !series) throw new Error(`${file}: missing Study/Series Instance UID`);
  return { study, series, sop, metadata, frames: [new Uint8Array(pixel)] };
}

function writeJson(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(value));
}

export interface BuildSummary {
  built: boolean;
  studies: number;
  series: number;
  instances: number;
  outDir: string;
}

export function buildStaticDicomweb({
  srcDir = PATHS.sampleDicom,
  outDir = PATHS.sampleDicomweb,
  force = false,
}: { srcDir?: string; outDir?: string; force?: boolean } = {}): BuildSummary {
  const files = listDicomFiles(srcDir);
  if (!files.length) throw new Error(`no .dcm files in ${srcDir}`);
  const fingerprint = sourceFingerprint(srcDir, files);
  const stampFile = path.join(outDir, STAMP);
  if (!force && fs.existsSync(stampFile)) {
    const stamp = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
    if (stamp.fingerprint === fingerprint) return { built: false, ...stamp.summary, outDir };
  }

  const instances = files.map(f => readInstance(path.join(srcDir, f)));
  fs.rmSync(outDir, { recursive: true, force: true });

  const byStudy = new Map<string, Map<string, Instance[]>>();
  for (const inst of instances) {
    const seriesMap = byStudy.get(inst.study) ?? new Map<string, Instance[]>();
    byStudy.set(inst.study, seriesMap);
    seriesMap.set(inst.series, [...(seriesMap.get(inst.series) ?? []), inst]);
  }

  const studyRecords: DicomJsonDataset[] = [];
  let seriesCount = 0;
  for (const [study, seriesMap] of byStudy) {
    const studyDir = path.join(outDir, 'studies', study);
    const seriesRecords: DicomJsonDataset[] = [];
    const modalities = new Set<string>();
    let studyInstances = 0;
    for (const [series, list] of seriesMap) {
      seriesCount++;
      list.sort((a, b) => Number(firstString(a.metadata, '00200013') ?? 0) - Number(firstString(b.metadata, '00200013') ?? 0));
      const seriesDir = path.join(studyDir, 'series', series);
      writeJson(path.join(seriesDir, 'metadata', 'index.json'), list.map(i => i.metadata));
      for (const inst of list) {
        inst.frames.forEach((frame, k) => {
          const frameFile = path.join(seriesDir, 'instances', inst.sop, 'frames', String(k + 1));
          fs.mkdirSync(path.dirname(frameFile), { recursive: true });
          fs.writeFileSync(frameFile, frame);
        });
        writeJson(path.join(seriesDir, 'instances', inst.sop, 'metadata', 'index.json'), [inst.metadata]);
      }
      const modality = firstString(list[0].metadata, '00080060');
      if (modality) modalities.add(modality);
      studyInstances += list.length;
      seriesRecords.push({
        ...pick(list[0].metadata, SERIES_TAGS),
        '00201209': { vr: 'IS', Value: [list.length] },
      });
    }
    writeJson(path.join(studyDir, 'series', 'index.json'), seriesRecords);
    const first = seriesMap.values().next().value![0];
    studyRecords.push({
      ...pick(first.metadata, STUDY_TAGS),
      '00080061': { vr: 'CS', Value: [...modalities].sort() },
      '00201206': { vr: 'IS', Value: [seriesMap.size] },
      '00201208': { vr: 'IS', Value: [studyInstances] },
    });
  }
  writeJson(path.join(outDir, 'studies', 'index.json'), studyRecords);

  const summary = { studies: byStudy.size, series: seriesCount, instances: instances.length };
  writeJson(stampFile, { fingerprint, summary, source: path.relative(outDir, srcDir) });
  return { built: true, ...summary, outDir };
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && path.resolve(process.argv[1]).endsWith(path.join('scripts', 'build-sample-dicomweb.ts'))) {
  try {
    const s = buildStaticDicomweb({
      srcDir: argValue('--src') ? path.resolve(argValue('--src')!) : undefined,
      outDir: argValue('--out') ? path.resolve(argValue('--out')!) : undefined,
      force: process.argv.includes('--force'),
    });
    console.log(
      `[sample-dicomweb] ${s.built ? 'generated' : 'up to date'}: ${s.studies} study, ${s.series} series, ${s.instances} instances in ${s.outDir}`
    );
  } catch (err) {
    console.error(`[sample-dicomweb] ${(err as Error).message}`);
    process.exit(1);
  }
}

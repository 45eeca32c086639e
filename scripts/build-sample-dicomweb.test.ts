import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildStaticDicomweb } from './build-sample-dicomweb';
import { PATHS } from './projectConfig';

const STUDY = '1.3.6.1.4.1.14519.5.2.1.6279.6001.298806137288633453246975630178';
const SERIES = '1.3.6.1.4.1.14519.5.2.1.6279.6001.179049373636438705059720603192';

describe('buildStaticDicomweb (sample study)', () => {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'spa-dicomweb-test-'));
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('writes QIDO, metadata and frame files for the 39-slice LIDC CT, then is up to date', () => {
    const first = buildStaticDicomweb({ srcDir: PATHS.sampleDicom, outDir });
    expect(first).toMatchObject({ built: true, studies: 1, series: 1, instances: 39 });
    const read = (...p: string[]) => JSON.parse(fs.readFileSync(path.join(outDir, ...p), 'utf8'));

    const [study] = read('studies', 'index.json');
    expect(study['0020000D'].Value).toEqual([STUDY]);
    expect(study['00100020'].Value).toEqual(['LIDC-IDRI-0001']);
    expect(study['00080061'].Value).toEqual(['CT']);
    expect(study['00201208'].Value).toEqual([39]);

    const [series] = read('studies', STUDY, 'series', 'index.json');
    expect(series['0020000E'].Value).toEqual([SERIES]);
    expect(series['00201209'].Value).toEqual([39]);

    const metadata = read('studies', STUDY, 'series', SERIES, 'metadata', 'index.json');
    expect(metadata).toHaveLength(39);
    const numbers = metadata.map((m: Record<string, { Value: number[] }>) => m['00200013'].Value[0]);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    const sop = metadata[0]['00080018'].Value[0];
    expect(metadata[0]['7FE00010']).toEqual({ vr: 'OW', BulkDataURI: `instances/${sop}/frames/1` });
    expect(metadata[0]['00280010'].Value).toEqual([512]);

    const frame = fs.statSync(path.join(outDir, 'studies', STUDY, 'series', SERIES, 'instances', sop, 'frames', '1'));
    expect(frame.size).toBe(512 * 512 * 2);

    expect(buildStaticDicomweb({ srcDir: PATHS.sampleDicom, outDir }).built).toBe(false);
  });
});

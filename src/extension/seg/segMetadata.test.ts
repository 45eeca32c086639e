import {
  applySpaSegMetadata,
  frameSegmentIndices,
  repairDerivationReferences,
  spaSeriesDescription,
  type SpaSegMetadata,
} from './segMetadata';

const CT = '1.2.840.10008.5.1.4.1.1.2';
const ENHANCED_CT = '1.2.840.10008.5.1.4.1.1.2.1';

function frame(referencedSegmentNumber: number, dimensionSegment: number, sop: string, frameNumber?: number) {
  return {
    FrameContentSequence: { DimensionIndexValues: [dimensionSegment, 7] },
    SegmentIdentificationSequence: { ReferencedSegmentNumber: referencedSegmentNumber },
    DerivationImageSequence: [{ SourceImageSequence: [{ ReferencedSOPInstanceUID: sop, ...(frameNumber ? { ReferencedFrameNumber: frameNumber } : {}) }] }],
  };
}

/**
 * What OHIF 3.13.2's generateSegmentation (BINARY) gives for segments 1 "Nodule 1" and
 * 3 "Nodule 3" with pixels and 2 "Nodule 2" empty: the written segments renumbered 1..2,
 * frames referring to the viewer's segment indices (1 and 3), "Tissue" codes.
 */
function adapterDataset(frameNumbers: 'indices' | 'renumbered' = 'indices') {
  const tissue = { CodeValue: 'T-D0050', CodingSchemeDesignator: 'SRT', CodeMeaning: 'Tissue' };
  const third = frameNumbers === 'indices' ? 3 : 2;
  return {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.66.4',
    SOPInstanceUID: '1.2.3.4',
    SeriesInstanceUID: '1.2.3.5',
    StudyID: 'No Study ID',
    SeriesDescription: 'Research Derived Series',
    _meta: { MediaStorageSOPInstanceUID: { Value: ['1.2.3.4'], vr: 'UI' } },
    ReferencedSeriesSequence: {
      SeriesInstanceUID: '9.9',
      ReferencedInstanceSequence: [
        { ReferencedSOPClassUID: CT, ReferencedSOPInstanceUID: '9.9.1' },
        { ReferencedSOPClassUID: CT, ReferencedSOPInstanceUID: '9.9.2' },
        { ReferencedSOPClassUID: CT, ReferencedSOPInstanceUID: '9.9.3' },
      ],
    },
    SourceImageSequence: [{ ReferencedSOPInstanceUID: '9.9.1' }],
    SegmentSequence: [
      { SegmentNumber: '1', SegmentLabel: 'Nodule 1', SegmentAlgorithmType: 'MANUAL', SegmentedPropertyCategoryCodeSequence: tissue, SegmentedPropertyTypeCodeSequence: tissue, RecommendedDisplayCIELabValue: [1, 2, 3] },
      { SegmentNumber: '2', SegmentLabel: 'Nodule 3', SegmentAlgorithmType: 'MANUAL', SegmentedPropertyCategoryCodeSequence: tissue, SegmentedPropertyTypeCodeSequence: tissue },
    ],
    PerFrameFunctionalGroupsSequence: [frame(1, 1, '9.9.1', 1), frame(1, 1, '9.9.2', 2), frame(third, 2, '9.9.3', 3)],
  } as Record<string, any>;
}

const META: SpaSegMetadata = {
  segments: [
    { segmentIndex: 3, label: 'Nodule 3', cielab: [10, 20, 30] },
    { segmentIndex: 1, label: 'Nodule 1' },
    { segmentIndex: 2, label: 'Nodule 2', cielab: [40, 50, 60] },
  ],
  nonEmptySegmentIndices: [3, 1],
  modelName: 'spa-lidc',
  modelVersion: '0.1.0',
  seriesInstanceUID: '2.25.1',
  sopInstanceUID: '2.25.2',
  seriesDescription: spaSeriesDescription('spa-lidc', '0.1.0'),
  seriesNumber: 901,
  softwareVersion: 'SPA for OHIF 0.1.0',
};

describe('applySpaSegMetadata', () => {
  test('keeps the empty segment, numbers segments 1..N in index order and renumbers the frames', () => {
    const ds = adapterDataset();
    const numbers = applySpaSegMetadata(ds, META);
    expect([...numbers.entries()]).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(ds.SegmentSequence.map((s: any) => [s.SegmentNumber, s.SegmentLabel])).toEqual([
      [1, 'Nodule 1'],
      [2, 'Nodule 2'],
      [3, 'Nodule 3'],
    ]);
    const frames = ds.PerFrameFunctionalGroupsSequence;
    expect(frames.map((f: any) => f.SegmentIdentificationSequence.ReferencedSegmentNumber)).toEqual([1, 1, 3]);
    expect(frames.map((f: any) => f.FrameContentSequence.DimensionIndexValues)).toEqual([
      [1, 7],
      [1, 7],
      [3, 7],
    ]);
  });

  test('reads frames written with the older 1..k numbering the same way', () => {
    const a = adapterDataset('indices');
    const b = adapterDataset('renumbered');
    applySpaSegMetadata(a, META);
    applySpaSegMetadata(b, META);
    expect(b.PerFrameFunctionalGroupsSequence).toEqual(a.PerFrameFunctionalGroupsSequence);
  });

  test('writes SNOMED CT nodule codes, SEMIAUTOMATIC, algorithm "SPA" with the model name and version', () => {
    const ds = adapterDataset();
    applySpaSegMetadata(ds, META);
    for (const s of ds.SegmentSequence) {
      expect(s.SegmentedPropertyCategoryCodeSequence).toEqual([
        { CodeValue: '49755003', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Morphologically abnormal structure' },
      ]);
      expect(s.SegmentedPropertyTypeCodeSequence).toEqual([{ CodeValue: '27925004', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Nodule' }]);
      expect(s.SegmentAlgorithmType).toBe('SEMIAUTOMATIC');
      expect(s.SegmentAlgorithmName).toBe('SPA');
      expect(s.SegmentationAlgorithmIdentificationSequence).toEqual([
        {
          AlgorithmFamilyCodeSequence: [{ CodeValue: '123110', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Artificial Intelligence' }],
          AlgorithmName: 'SPA',
          AlgorithmVersion: 'spa-lidc 0.1.0',
          AlgorithmParameters: 'model=spa-lidc; version=0.1.0',
        },
      ]);
    }
    // Colours: the viewer's where given, else what the adapter wrote.
    expect(ds.SegmentSequence.map((s: any) => s.RecommendedDisplayCIELabValue)).toEqual([
      [1, 2, 3],
      [40, 50, 60],
      [10, 20, 30],
    ]);
  });

  test('gives the SEG a new series, SPA series description and software version', () => {
    const ds = adapterDataset();
    applySpaSegMetadata(ds, META);
    expect(ds.SeriesInstanceUID).toBe('2.25.1');
    expect(ds.SOPInstanceUID).toBe('2.25.2');
    expect(ds._meta.MediaStorageSOPInstanceUID).toEqual({ Value: ['2.25.2'], vr: 'UI' });
    expect(ds.SeriesDescription).toBe('SPA segmentation (spa-lidc 0.1.0)');
    expect(ds.SeriesNumber).toBe(901);
    expect(ds.ContentLabel).toBe('SPA');
    expect(ds.SoftwareVersions).toBe('SPA for OHIF 0.1.0');
    expect(ds.StudyID).toBe('');
    expect(ds.ContentCreatorName).toBe('');
  });

  test('a MANUAL segmentation names no algorithm', () => {
    const ds = adapterDataset();
    applySpaSegMetadata(ds, { ...META, algorithmType: 'MANUAL' });
    expect(ds.SegmentSequence[0].SegmentAlgorithmType).toBe('MANUAL');
    expect(ds.SegmentSequence[0].SegmentAlgorithmName).toBeUndefined();
  });

  test.each<[string, Partial<SpaSegMetadata>, string]>([
    ['no segments', { segments: [], nonEmptySegmentIndices: [] }, 'has no segments'],
    ['segment index 0', { segments: [{ segmentIndex: 0, label: 'x' }] }, 'segment index 0 is invalid'],
    ['a repeated index', { segments: [...META.segments, { segmentIndex: 1, label: 'again' }] }, 'segment index 1 appears twice'],
    ['an empty label', { segments: [{ segmentIndex: 1, label: ' ' }, ...META.segments.slice(0, 1), { segmentIndex: 2, label: 'b' }] }, 'segment 1 has no label'],
    ['an unknown algorithm type', { algorithmType: 'GUESSED' as never }, 'algorithm type "GUESSED" is not one of MANUAL, SEMIAUTOMATIC, AUTOMATIC'],
    ['no model version', { modelVersion: '' }, 'model name and version are required'],
    ['a bad UID', { seriesInstanceUID: 'abc' }, 'invalid UIDs'],
    ['a non-empty index that is not a segment', { nonEmptySegmentIndices: [1, 9] }, 'non-empty segment index 9 is not among the segments'],
    ['a count that differs from the written segments', { nonEmptySegmentIndices: [1] }, 'has 2 segment(s) but 1 segment(s) have pixels'],
  ])('refuses %s', (_what, patch, message) => {
    expect(() => applySpaSegMetadata(adapterDataset(), { ...META, ...patch })).toThrow(message);
  });
});

describe('frameSegmentIndices', () => {
  test('maps frame numbers to segment indices under either convention', () => {
    const frames = [frame(2, 0, 'a'), frame(5, 0, 'b')];
    expect(frameSegmentIndices(frames, [2, 5])).toEqual([2, 5]);
    expect(frameSegmentIndices([frame(1, 0, 'a'), frame(2, 0, 'b')], [2, 5])).toEqual([2, 5]);
  });

  test('refuses numbers that fit neither', () => {
    expect(() => frameSegmentIndices([frame(4, 0, 'a')], [2, 5])).toThrow('the frames refer to segments 4, expected 2,5 (or 1..2)');
    expect(() => frameSegmentIndices([{}], [1])).toThrow('frame 1 has no SegmentIdentificationSequence');
  });
});

describe('repairDerivationReferences', () => {
  test('completes the Derivation Image Macro and drops frame numbers of single-frame sources', () => {
    const ds = adapterDataset();
    repairDerivationReferences(ds);
    expect(ds.PerFrameFunctionalGroupsSequence[0].DerivationImageSequence).toEqual([
      {
        DerivationCodeSequence: [{ CodeValue: '113076', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Segmentation' }],
        SourceImageSequence: [
          {
            ReferencedSOPClassUID: CT,
            ReferencedSOPInstanceUID: '9.9.1',
            PurposeOfReferenceCodeSequence: [{ CodeValue: '121322', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Source image for image processing operation' }],
          },
        ],
      },
    ]);
    expect(ds.SourceImageSequence).toBeUndefined();
  });

  test('keeps the frame number of a multi-frame source', () => {
    const ds = adapterDataset();
    ds.ReferencedSeriesSequence.ReferencedInstanceSequence[1].ReferencedSOPClassUID = ENHANCED_CT;
    repairDerivationReferences(ds);
    expect(ds.PerFrameFunctionalGroupsSequence[1].DerivationImageSequence[0].SourceImageSequence[0].ReferencedFrameNumber).toBe(2);
    expect(ds.PerFrameFunctionalGroupsSequence[0].DerivationImageSequence[0].SourceImageSequence[0].ReferencedFrameNumber).toBeUndefined();
  });

  test('refuses a source image that the SEG does not reference', () => {
    const ds = adapterDataset();
    ds.PerFrameFunctionalGroupsSequence[2] = frame(3, 2, '7.7.7');
    expect(() => repairDerivationReferences(ds)).toThrow('frame 3 refers to 7.7.7, which is not in ReferencedSeriesSequence');
  });
});

test('spaSeriesDescription fits a LO (64 characters)', () => {
  expect(spaSeriesDescription('spa-lidc', '0.1.0')).toBe('SPA segmentation (spa-lidc 0.1.0)');
  expect(spaSeriesDescription('m'.repeat(80), '1').length).toBe(64);
});

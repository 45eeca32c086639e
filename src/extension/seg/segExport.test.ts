import { findSegmentationToSave, nextSeriesNumber, savableSegmentations, segFileName } from './segExport';
import type { SegHost, SegmentationLike } from './types';

function host(segmentations: SegmentationLike[], { active, segDisplaySets = [] }: { active?: string; segDisplaySets?: string[] } = {}) {
  return {
    services: {
      segmentationService: {
        getSegmentations: () => segmentations,
        getSegmentation: (id: string) => segmentations.find(s => s.segmentationId === id),
        getActiveSegmentation: () => segmentations.find(s => s.segmentationId === active),
      },
      viewportGridService: { getActiveViewportId: () => 'default' },
      displaySetService: {
        // OHIF 3.13 also makes a SEG display set (without a series) for a new segmentation.
        getDisplaySetByUID: (uid: string) => (segDisplaySets.includes(uid) ? { Modality: 'SEG', SeriesInstanceUID: `1.2.${uid.length}` } : { Modality: 'SEG' }),
      },
    },
  } as unknown as Pick<SegHost, 'services'>;
}

const seg = (segmentationId: string, label = segmentationId): SegmentationLike => ({ segmentationId, label, segments: {} });

describe('findSegmentationToSave', () => {
  test('the given id wins', () => {
    expect(findSegmentationToSave(host([seg('a'), seg('b')], { active: 'a' }), 'b')?.segmentationId).toBe('b');
    expect(findSegmentationToSave(host([seg('a')]), 'zzz')).toBeUndefined();
  });

  test("then the active one, then SPA's, then the newest", () => {
    expect(findSegmentationToSave(host([seg('a'), seg('spa', 'SPA segmentation'), seg('c')], { active: 'a' }))?.segmentationId).toBe('a');
    expect(findSegmentationToSave(host([seg('a'), seg('spa', 'SPA segmentation'), seg('c')]))?.segmentationId).toBe('spa');
    expect(findSegmentationToSave(host([seg('a'), seg('c')]))?.segmentationId).toBe('c');
    expect(findSegmentationToSave(host([]))).toBeUndefined();
  });

  test('never one opened from a SEG series, even when it is active', () => {
    const h = host([seg('spa', 'SPA segmentation'), seg('loaded-seg')], { active: 'loaded-seg', segDisplaySets: ['loaded-seg'] });
    expect(findSegmentationToSave(h)?.segmentationId).toBe('spa');
    expect(savableSegmentations(host([seg('loaded-seg')], { segDisplaySets: ['loaded-seg'] }))).toEqual([]);
  });
});

test('segFileName names the patient and the series', () => {
  expect(segFileName({ PatientID: 'LIDC-IDRI-0001', SeriesInstanceUID: '2.25.1234567890123' })).toBe('SPA-SEG-LIDC-IDRI-0001-67890123.dcm');
  expect(segFileName({ PatientID: 'a/b c', SeriesInstanceUID: '1.2' })).toBe('SPA-SEG-abc-12.dcm');
  expect(segFileName({ SeriesInstanceUID: '1.2' })).toBe('SPA-SEG-patient-12.dcm');
});

test('nextSeriesNumber follows the highest series number of the study', () => {
  const h = (numbers: Array<number | string | undefined>) =>
    ({ services: { displaySetService: { getActiveDisplaySets: () => numbers.map(SeriesNumber => ({ SeriesNumber })) } } }) as unknown as Pick<SegHost, 'services'>;
  expect(nextSeriesNumber(h([3000566, '2', undefined]))).toBe(3000567);
  expect(nextSeriesNumber(h([]))).toBe(1);
});

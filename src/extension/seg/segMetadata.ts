/**
 * SPA's identity in a DICOM SEG, applied to the dataset that OHIF's own
 * `generateSegmentation` (@cornerstonejs/adapters + dcmjs) produced. Framework-free:
 * it edits a naturalized dcmjs dataset (plain object) and encodes nothing itself.
 *
 * What it changes (highdicom's conventions for AI output):
 * - every segment: SNOMED CT category/type codes instead of OHIF's "Tissue", algorithm
 *   type SEMIAUTOMATIC, algorithm name "SPA", and an algorithm identification naming the
 *   model and its version;
 * - segments with no pixels, which the adapter leaves out, are put back, and segment
 *   numbers run 1..N in the viewer's segment order (frames are renumbered to match);
 * - a new SeriesInstanceUID / SOPInstanceUID and a series description naming SPA.
 */

/** A coded concept as dcmjs writes it in a naturalized dataset. */
export interface CodedConcept {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}

/** SCT 49755003 "Morphologically abnormal structure" (CID 7150). */
export const CATEGORY_MORPHOLOGICALLY_ABNORMAL: CodedConcept = {
  CodeValue: '49755003',
  CodingSchemeDesignator: 'SCT',
  CodeMeaning: 'Morphologically abnormal structure',
};
/** SCT 27925004 "Nodule" (CID 7151 via 7159). */
export const TYPE_NODULE: CodedConcept = { CodeValue: '27925004', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Nodule' };
/** DCM 123110 "Artificial Intelligence" (CID 7162 algorithm family). */
export const FAMILY_ARTIFICIAL_INTELLIGENCE: CodedConcept = {
  CodeValue: '123110',
  CodingSchemeDesignator: 'DCM',
  CodeMeaning: 'Artificial Intelligence',
};

export const SEGMENT_ALGORITHM_TYPES = ['MANUAL', 'SEMIAUTOMATIC', 'AUTOMATIC'] as const;
export type SegmentAlgorithmType = (typeof SEGMENT_ALGORITHM_TYPES)[number];

export const SPA_ALGORITHM_NAME = 'SPA';
export const SPA_CONTENT_LABEL = 'SPA';

/** One segment as the viewer holds it (OHIF segment index and label). */
export interface SegmentInput {
  /** OHIF/cornerstone segment index (labelmap value), >= 1. */
  segmentIndex: number;
  label: string;
  /** RecommendedDisplayCIELabValue (DICOM-scaled CIELab, 3 integers 0..65535). */
  cielab?: number[];
  category?: CodedConcept;
  type?: CodedConcept;
}

export interface SpaSegMetadata {
  /** Every segment of the segmentation, including empty ones. */
  segments: SegmentInput[];
  /** Segment indices that have at least one labelled pixel (the ones the adapter wrote). */
  nonEmptySegmentIndices: number[];
  modelName: string;
  modelVersion: string;
  seriesInstanceUID: string;
  sopInstanceUID: string;
  seriesDescription: string;
  seriesNumber?: number;
  algorithmType?: SegmentAlgorithmType;
  /** e.g. 'SPA for OHIF 0.1.0' */
  softwareVersion?: string;
}

type Dataset = Record<string, any>;

function asArray<T>(value: T | T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** `SPA (spa-lidc 0.1.0)`: the series description SPA writes. */
export function spaSeriesDescription(modelName: string, modelVersion: string): string {
  // LO: at most 64 characters.
  return `SPA segmentation (${modelName} ${modelVersion})`.slice(0, 64);
}

function validate(meta: SpaSegMetadata): void {
  if (!meta.segments.length) throw new Error('SPA SEG: the segmentation has no segments');
  const seen = new Set<number>();
  for (const s of meta.segments) {
    if (!Number.isInteger(s.segmentIndex) || s.segmentIndex < 1) {
      throw new Error(`SPA SEG: segment index ${s.segmentIndex} is invalid (expected an integer >= 1)`);
    }
    if (seen.has(s.segmentIndex)) throw new Error(`SPA SEG: segment index ${s.segmentIndex} appears twice`);
    seen.add(s.segmentIndex);
    if (!s.label?.trim()) throw new Error(`SPA SEG: segment ${s.segmentIndex} has no label`);
  }
  for (const i of meta.nonEmptySegmentIndices) {
    if (!seen.has(i)) throw new Error(`SPA SEG: non-empty segment index ${i} is not among the segments ${[...seen].join(', ')}`);
  }
  const type = meta.algorithmType ?? 'SEMIAUTOMATIC';
  if (!SEGMENT_ALGORITHM_TYPES.includes(type)) {
    throw new Error(`SPA SEG: algorithm type "${type}" is not one of ${SEGMENT_ALGORITHM_TYPES.join(', ')}`);
  }
  if (!meta.modelName || !meta.modelVersion) {
    throw new Error(`SPA SEG: model name and version are required (got "${meta.modelName}", "${meta.modelVersion}")`);
  }
  if (!/^[0-9.]+$/.test(meta.seriesInstanceUID) || !/^[0-9.]+$/.test(meta.sopInstanceUID)) {
    throw new Error(`SPA SEG: invalid UIDs "${meta.seriesInstanceUID}", "${meta.sopInstanceUID}"`);
  }
}

/**
 * The segment index of each frame. The adapter writes the segments that have pixels,
 * renumbered 1..k in ascending index order, but (3.13.2's adapter) its frames refer to
 * the viewer's segment indices; an older one referred to 1..k. The set of numbers the
 * frames use tells which, since every written segment has at least one frame.
 */
export function frameSegmentIndices(frames: Dataset[], nonEmpty: number[]): number[] {
  const numbers = frames.map((frame, k) => {
    const ident = asArray<Dataset>(frame.SegmentIdentificationSequence)[0];
    if (!ident) throw new Error(`SPA SEG: frame ${k + 1} has no SegmentIdentificationSequence`);
    return Number(ident.ReferencedSegmentNumber);
  });
  const used = [...new Set(numbers)].sort((a, b) => a - b).join(',');
  if (used === nonEmpty.join(',')) return numbers;
  if (used === nonEmpty.map((_, k) => k + 1).join(',')) return numbers.map(n => nonEmpty[n - 1]);
  throw new Error(`SPA SEG: the frames refer to segments ${used}, expected ${nonEmpty.join(',')} (or 1..${nonEmpty.length})`);
}

/**
 * Rewrites a generated SEG dataset in place with SPA's segment identification and a new
 * series. Returns the SegmentNumber given to each segment index.
 */
export function applySpaSegMetadata(dataset: Dataset, meta: SpaSegMetadata): Map<number, number> {
  validate(meta);
  const segments = [...meta.segments].sort((a, b) => a.segmentIndex - b.segmentIndex);
  const written = asArray<Dataset>(dataset.SegmentSequence);
  const nonEmpty = [...new Set(meta.nonEmptySegmentIndices)].sort((a, b) => a - b);
  if (written.length !== nonEmpty.length) {
    throw new Error(
      `SPA SEG: the generated SEG has ${written.length} segment(s) but ${nonEmpty.length} segment(s) have pixels (${nonEmpty.join(', ')})`
    );
  }
  const frames = asArray<Dataset>(dataset.PerFrameFunctionalGroupsSequence);
  const frameSegmentIndex = frameSegmentIndices(frames, nonEmpty);
  const writtenByIndex = new Map<number, Dataset>();
  written.forEach((item, k) => writtenByIndex.set(nonEmpty[k], item));

  const numberByIndex = new Map<number, number>();
  const algorithmType = meta.algorithmType ?? 'SEMIAUTOMATIC';
  dataset.SegmentSequence = segments.map((segment, position) => {
    const number = position + 1;
    numberByIndex.set(segment.segmentIndex, number);
    const previous = writtenByIndex.get(segment.segmentIndex);
    const cielab = segment.cielab ?? previous?.RecommendedDisplayCIELabValue;
    const item: Dataset = {
      SegmentNumber: number,
      SegmentLabel: segment.label.slice(0, 64),
      SegmentedPropertyCategoryCodeSequence: [{ ...(segment.category ?? CATEGORY_MORPHOLOGICALLY_ABNORMAL) }],
      SegmentedPropertyTypeCodeSequence: [{ ...(segment.type ?? TYPE_NODULE) }],
      SegmentAlgorithmType: algorithmType,
    };
    if (algorithmType !== 'MANUAL') {
      item.SegmentAlgorithmName = SPA_ALGORITHM_NAME;
      item.SegmentationAlgorithmIdentificationSequence = [
        {
          AlgorithmFamilyCodeSequence: [{ ...FAMILY_ARTIFICIAL_INTELLIGENCE }],
          AlgorithmName: SPA_ALGORITHM_NAME,
          AlgorithmVersion: `${meta.modelName} ${meta.modelVersion}`.slice(0, 64),
          AlgorithmParameters: `model=${meta.modelName}; version=${meta.modelVersion}`,
        },
      ];
    }
    if (cielab) item.RecommendedDisplayCIELabValue = [...cielab].map(v => Math.round(v));
    return item;
  });

  frames.forEach((frame, k) => {
    const number = numberByIndex.get(frameSegmentIndex[k])!;
    asArray<Dataset>(frame.SegmentIdentificationSequence)[0].ReferencedSegmentNumber = number;
    const content = asArray<Dataset>(frame.FrameContentSequence)[0];
    if (content?.DimensionIndexValues !== undefined) {
      const values = asArray<number>(content.DimensionIndexValues);
      values[0] = number;
      content.DimensionIndexValues = values;
    }
  });

  dataset.SeriesInstanceUID = meta.seriesInstanceUID;
  dataset.SOPInstanceUID = meta.sopInstanceUID;
  if (dataset._meta?.MediaStorageSOPInstanceUID) {
    dataset._meta.MediaStorageSOPInstanceUID = { Value: [meta.sopInstanceUID], vr: 'UI' };
  }
  dataset.SeriesDescription = meta.seriesDescription.slice(0, 64);
  if (meta.seriesNumber !== undefined) dataset.SeriesNumber = meta.seriesNumber;
  dataset.InstanceNumber = 1;
  dataset.ContentLabel = SPA_CONTENT_LABEL;
  dataset.ContentDescription = `SPA, model ${meta.modelName} ${meta.modelVersion}`.slice(0, 64);
  // Type 2: the person who approved it is not known to the viewer.
  if (dataset.ContentCreatorName === undefined) dataset.ContentCreatorName = '';
  repairDerivationReferences(dataset);
  if (meta.softwareVersion) dataset.SoftwareVersions = meta.softwareVersion.slice(0, 64);
  // dcmjs puts a placeholder here; an empty StudyID is what OHIF's own store writes.
  if (dataset.StudyID === 'No Study ID') dataset.StudyID = '';
  return numberByIndex;
}

/** DCM 113076 "Segmentation" (derivation) and DCM 121322 "Source image for image processing operation". */
export const DERIVATION_SEGMENTATION: CodedConcept = { CodeValue: '113076', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Segmentation' };
export const PURPOSE_SOURCE_IMAGE: CodedConcept = {
  CodeValue: '121322',
  CodingSchemeDesignator: 'DCM',
  CodeMeaning: 'Source image for image processing operation',
};

/** Multi-frame image storage classes: only their references carry a ReferencedFrameNumber. */
const MULTI_FRAME_SOP_CLASSES = new Set([
  '1.2.840.10008.5.1.4.1.1.2.1', // Enhanced CT
  '1.2.840.10008.5.1.4.1.1.2.2', // Legacy Converted Enhanced CT
  '1.2.840.10008.5.1.4.1.1.4.1', // Enhanced MR
  '1.2.840.10008.5.1.4.1.1.4.4', // Legacy Converted Enhanced MR
  '1.2.840.10008.5.1.4.1.1.128.1', // Legacy Converted Enhanced PET
  '1.2.840.10008.5.1.4.1.1.130', // Enhanced PET
]);

/**
 * Completes each frame's Derivation Image Macro, which the 3.13.2 adapter writes with
 * only the source SOP Instance UID (and a frame number even for single-frame sources):
 * DerivationCodeSequence "Segmentation", and per source image its SOP Class UID (from
 * ReferencedSeriesSequence) and PurposeOfReferenceCodeSequence. A top-level
 * SourceImageSequence (not part of the Segmentation IOD) is removed.
 */
export function repairDerivationReferences(dataset: Dataset): void {
  const sopClassByInstance = new Map<string, string>();
  for (const series of asArray<Dataset>(dataset.ReferencedSeriesSequence)) {
    for (const instance of asArray<Dataset>(series.ReferencedInstanceSequence)) {
      sopClassByInstance.set(String(instance.ReferencedSOPInstanceUID), String(instance.ReferencedSOPClassUID));
    }
  }
  asArray<Dataset>(dataset.PerFrameFunctionalGroupsSequence).forEach((frame, k) => {
    const derivations = asArray<Dataset>(frame.DerivationImageSequence);
    if (!derivations.length) throw new Error(`SPA SEG: frame ${k + 1} has no DerivationImageSequence`);
    frame.DerivationImageSequence = derivations.map(derivation => ({
      ...derivation,
      DerivationCodeSequence: asArray(derivation.DerivationCodeSequence).length ? derivation.DerivationCodeSequence : [{ ...DERIVATION_SEGMENTATION }],
      SourceImageSequence: asArray<Dataset>(derivation.SourceImageSequence).map(source => {
        const uid = String(source.ReferencedSOPInstanceUID);
        const sopClass = source.ReferencedSOPClassUID ?? sopClassByInstance.get(uid);
        if (!sopClass) throw new Error(`SPA SEG: frame ${k + 1} refers to ${uid}, which is not in ReferencedSeriesSequence`);
        const item: Dataset = { ReferencedSOPClassUID: sopClass, ReferencedSOPInstanceUID: uid };
        if (source.ReferencedFrameNumber !== undefined && MULTI_FRAME_SOP_CLASSES.has(sopClass)) {
          item.ReferencedFrameNumber = source.ReferencedFrameNumber;
        }
        item.PurposeOfReferenceCodeSequence = asArray(source.PurposeOfReferenceCodeSequence).length
          ? source.PurposeOfReferenceCodeSequence
          : [{ ...PURPOSE_SOURCE_IMAGE }];
        return item;
      }),
    }));
  });
  delete dataset.SourceImageSequence;
}

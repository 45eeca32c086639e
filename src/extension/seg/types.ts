/**
 * The parts of OHIF 3.13.2 and cornerstone3D that saving a SEG uses, each checked
 * against the unminified host bundle (viewer/dist-host): segmentationService,
 * viewportGridService, extensionManager's data sources, commandsManager's
 * `generateSegmentation` (extension-cornerstone-dicom-seg) and cornerstone's image cache.
 */
export interface SegmentLike {
  segmentIndex: number;
  label?: string;
}

export interface LabelmapLayerLike {
  imageIds?: string[];
  referencedImageIds?: string[];
}

export interface SegmentationLike {
  segmentationId: string;
  label?: string;
  segments: Record<string, SegmentLike | null | undefined>;
  representationData?: { Labelmap?: LabelmapLayerLike & { labelmaps?: Record<string, LabelmapLayerLike> } };
}

export interface SegmentationServiceLike {
  EVENTS: Record<string, string>;
  subscribe(event: string, callback: (payload: any) => void): { unsubscribe: () => void };
  getSegmentation(segmentationId: string): SegmentationLike | null | undefined;
  getSegmentations(): SegmentationLike[];
  getActiveSegmentation(viewportId: string): SegmentationLike | null | undefined;
  getRepresentationsForSegmentation(segmentationId: string): Array<{ viewportId: string }>;
  getSegmentColor(viewportId: string, segmentationId: string, segmentIndex: number): number[];
}

export interface DataSourceConfigLike {
  name?: string;
  friendlyName?: string;
  staticWado?: boolean;
  dicomUploadEnabled?: boolean;
  wadoRoot?: string;
}

export interface DataSourceLike {
  getConfig?: () => DataSourceConfigLike;
  store?: { dicom?: (dataset: ArrayBuffer, request?: XMLHttpRequest | null) => Promise<unknown> };
  deleteStudyMetadataPromise?: (studyInstanceUID: string) => void;
}

export interface SegExtensionManager {
  getActiveDataSource(): DataSourceLike[] | undefined;
  getActiveDataSourceDefinition?: () => { sourceName?: string; configuration?: DataSourceConfigLike } | undefined;
}

export interface CornerstoneLike {
  cache: { getImage(imageId: string): { getPixelData(): ArrayLike<number> } | undefined };
  imageLoader: { loadAndCacheImage(imageId: string): Promise<unknown> };
}

/** What the SEG code needs from the host, gathered once per call. */
export interface SegHost {
  services: {
    segmentationService: SegmentationServiceLike;
    viewportGridService: { getActiveViewportId(): string };
    displaySetService?: {
      getDisplaySetByUID(uid: string): { Modality?: string; SeriesInstanceUID?: string } | undefined;
      getActiveDisplaySets?: () => Array<{ SeriesNumber?: number | string }>;
      makeDisplaySets?: (instances: Record<string, unknown>[], options: { madeInClient: boolean }) => unknown;
    };
  };
  extensionManager: SegExtensionManager;
  commandsManager: { runCommand(name: string, options?: Record<string, unknown>, context?: string): unknown };
  cornerstone: CornerstoneLike;
}

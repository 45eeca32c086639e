/** Module ids of the OHIF extensions this mode builds on (checked in the 3.13.2 host). */
export const ohif = {
  layout: '@ohif/extension-default.layoutTemplateModule.viewerLayout',
  sopClassHandler: '@ohif/extension-default.sopClassHandlerModule.stack',
  thumbnailList: '@ohif/extension-default.panelModule.seriesList',
} as const;

export const cornerstone = {
  viewport: '@ohif/extension-cornerstone.viewportModule.cornerstone',
  /** OHIF's segmentation panel: lists the SPA labelmap's segments. */
  segmentationPanel: '@ohif/extension-cornerstone.panelModule.panelSegmentation',
} as const;

export const dicomSeg = {
  sopClassHandler: '@ohif/extension-cornerstone-dicom-seg.sopClassHandlerModule.dicom-seg',
  viewport: '@ohif/extension-cornerstone-dicom-seg.viewportModule.dicom-seg',
} as const;

export const dicomSr = {
  sopClassHandler: '@ohif/extension-cornerstone-dicom-sr.sopClassHandlerModule.dicom-sr',
  sopClassHandler3D: '@ohif/extension-cornerstone-dicom-sr.sopClassHandlerModule.dicom-sr-3d',
  viewport: '@ohif/extension-cornerstone-dicom-sr.viewportModule.dicom-sr',
} as const;

export const dicomRt = {
  sopClassHandler: '@ohif/extension-cornerstone-dicom-rt.sopClassHandlerModule.dicom-rt',
  viewport: '@ohif/extension-cornerstone-dicom-rt.viewportModule.dicom-rt',
} as const;

/** The host's basic mode, whose tool groups and toolbar set-up this mode reuses. */
export const BASIC_MODE = '@ohif/mode-basic';

import type { ExtensionParams } from '../types';
import type SegSaveService from './SegSaveService';

/** Command names of the SEG save actions (merged into the SPA commands module). */
export const SEG_COMMANDS = {
  save: 'spaSegSave',
  retry: 'spaSegRetry',
  download: 'spaSegDownload',
} as const;

/**
 * Saving the segmentation as DICOM SEG: to the active data source (STOW-RS), again after
 * a failure, or as a file. Each action takes one object parameter; `segmentationId`
 * defaults to the active segmentation of the active viewport.
 */
export default function getSegActions({ servicesManager }: Pick<ExtensionParams, 'servicesManager'>) {
  const segSave = () => servicesManager.services.spaSegSaveService as SegSaveService;
  return {
    [SEG_COMMANDS.save]: ({ segmentationId }: { segmentationId?: string } = {}) => segSave().save({ segmentationId }),
    [SEG_COMMANDS.retry]: () => segSave().retry(),
    [SEG_COMMANDS.download]: ({ segmentationId }: { segmentationId?: string } = {}) => segSave().download({ segmentationId }),
  } as const;
}

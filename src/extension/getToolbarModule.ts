import { SPA_TOOLBAR } from './id';
import type { ExtensionParams } from './types';

/**
 * Toolbar evaluators. The SPA button opens the SPA panel; it is enabled when the
 * viewport the toolbar evaluates for shows an image series, and says why it is not
 * otherwise.
 */
export default function getToolbarModule({ servicesManager }: ExtensionParams) {
  return [
    {
      name: SPA_TOOLBAR.evaluatePanelButton,
      evaluate: ({ viewportId }: { viewportId?: string }) => {
        const { viewportGridService, displaySetService } = servicesManager.services;
        const uids = viewportId ? viewportGridService.getDisplaySetsUIDsForViewport(viewportId) ?? [] : [];
        const hasImages = uids.some(uid => (displaySetService.getDisplaySetByUID(uid)?.numImageFrames ?? 0) > 0);
        return hasImages ? { disabled: false } : { disabled: true, disabledText: 'Open an image series to use SPA' };
      },
    },
  ];
}

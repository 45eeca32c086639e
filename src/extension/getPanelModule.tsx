import React from 'react';
import PanelSpa from '../panels/PanelSpa';
import type { ExtensionParams } from './types';

/** One panel: SPA's controls and status, shown on the right in the SPA mode. */
export default function getPanelModule({ servicesManager, commandsManager }: ExtensionParams) {
  const WrappedPanelSpa = () => <PanelSpa servicesManager={servicesManager} commandsManager={commandsManager} />;
  return [
    {
      name: 'spa',
      iconName: 'tab-segmentation',
      iconLabel: 'SPA',
      label: 'SPA segmentation',
      component: WrappedPanelSpa,
    },
  ];
}

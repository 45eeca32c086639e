import { SPA_COMMANDS, SPA_TOOLBAR } from '../extension/id';

/** Buttons this mode adds to the stock toolbar (placed in the primary section). */
export const spaToolbarButtons = [
  {
    id: SPA_TOOLBAR.panelButton,
    uiType: 'ohif.toolButton',
    props: {
      icon: 'tab-segmentation',
      label: 'SPA segmentation',
      tooltip: 'Open the SPA segmentation panel',
      commands: SPA_COMMANDS.showPanel,
      evaluate: ['evaluate.action', SPA_TOOLBAR.evaluatePanelButton],
    },
  },
];

export const spaPrimarySection = [SPA_TOOLBAR.panelButton];

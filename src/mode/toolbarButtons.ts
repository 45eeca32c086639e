import { SPA_COMMANDS, SPA_TOOLBAR } from '../extension/id';
import { SPA_TOOL_BINDINGS, SPA_TOOL_GROUP_IDS, SPA_TOOL_NAME } from '../extension/tools/SpaPointTool';

/** Buttons this mode adds to the stock toolbar (placed in the primary section). */
export const spaToolbarButtons = [
  {
    // The id is the tool name: OHIF's evaluate.cornerstoneTool marks the button active
    // when the tool group's active primary tool has the button's id.
    id: SPA_TOOL_NAME,
    uiType: 'ohif.toolButton',
    props: {
      icon: 'tool-point',
      label: 'SPA point',
      tooltip: 'SPA point: click adds the structure, Shift+click excludes',
      commands: {
        commandName: 'setToolActiveToolbar',
        commandOptions: { toolName: SPA_TOOL_NAME, toolGroupIds: SPA_TOOL_GROUP_IDS, bindings: SPA_TOOL_BINDINGS },
      },
      evaluate: 'evaluate.cornerstoneTool',
    },
  },
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

export const spaPrimarySection = [SPA_TOOL_NAME, SPA_TOOLBAR.panelButton];

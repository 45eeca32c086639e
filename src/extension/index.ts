import getCommandsModule from './getCommandsModule';
import getPanelModule from './getPanelModule';
import getToolbarModule from './getToolbarModule';
import { id } from './id';
import preRegistration from './preRegistration';

/** The SPA extension: wires the module getters; each lives in its own file. */
const extension = {
  id,
  preRegistration,
  getPanelModule,
  getCommandsModule,
  getToolbarModule,
};

export default extension;
export { id };
export { SPA_COMMANDS, SPA_MODULES, SPA_TOOLBAR, MODE_ID } from './id';

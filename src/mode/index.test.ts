import mode, { extensionDependencies, spaLayout } from './index';
import { MODE_ID, SPA_MODULES, SPA_TOOLBAR, id as EXTENSION_ID } from '../extension/id';

/** A stand-in for the host's @ohif/mode-basic (3.13 shape). */
function fakeBasic(calls: string[]) {
  return {
    modeInstance: {
      id: '@ohif/mode-basic',
      routeName: 'basic',
      toolbarButtons: [{ $reference: 'cornerstone.toolbarButtons' }],
      toolbarSections: [{ $reference: 'cornerstone.toolbarSections' }],
      routes: [{ path: 'basic', layoutTemplate: () => 'layout', layoutInstance: {} }],
      onModeEnter: () => calls.push('basic.enter'),
      onModeExit: () => calls.push('basic.exit'),
    },
    // Like the host's: applies modeConfiguration to this.modeInstance (here: shallow merge).
    modeFactory(this: { modeInstance: object }, { modeConfiguration }: { modeConfiguration?: object }) {
      return { ...this.modeInstance, ...(modeConfiguration ?? {}) };
    },
  };
}

describe('SPA mode', () => {
  it('lists the extensions a 3.13 mode needs, ours included', () => {
    expect(mode.id).toBe(MODE_ID);
    expect(Object.keys(extensionDependencies)).toEqual(
      expect.arrayContaining([
        '@ohif/extension-default',
        '@ohif/extension-cornerstone',
        '@ohif/extension-cornerstone-dicom-seg',
        '@ohif/extension-cornerstone-dicom-sr',
        '@ohif/extension-cornerstone-dicom-rt',
        EXTENSION_ID,
      ])
    );
    expect(spaLayout.id).toBe('@ohif/extension-default.layoutTemplateModule.viewerLayout');
    expect(spaLayout.props.leftPanels).toEqual(['@ohif/extension-default.panelModule.seriesList']);
    expect(spaLayout.props.rightPanels).toEqual([SPA_MODULES.panel, '@ohif/extension-cornerstone.panelModule.panelSegmentation']);
  });

  it('builds on the basic mode and mirrors set-up and tear-down', async () => {
    const calls: string[] = [];
    const loadModules = jest.fn(async (names: string[]) => names.map(() => fakeBasic(calls)));
    const instance = (await mode.modeFactory({ loadModules, modeConfiguration: { displayName: 'Custom' } })) as any;
    expect(loadModules).toHaveBeenCalledWith(['@ohif/mode-basic']);
    expect(instance).toMatchObject({ id: MODE_ID, routeName: 'spa', displayName: 'Custom', hide: false });
    expect(instance.routes[0].path).toBe('spa');
    expect(instance.toolbarButtons.map((b: { id?: string; $reference?: string }) => b.id ?? b.$reference)).toEqual([
      'cornerstone.toolbarButtons',
      'SpaPoint',
      SPA_TOOLBAR.panelButton,
    ]);

    const updateSection = jest.fn();
    const runCommand = jest.fn((name: string) => calls.push(name));
    const params = {
      servicesManager: { services: { toolbarService: { sections: { primary: 'primary' }, updateSection } } },
      commandsManager: { runCommand },
      extensionManager: {},
    } as any;
    instance.onModeEnter(params);
    expect(updateSection).toHaveBeenCalledWith('primary', ['SpaPoint', SPA_TOOLBAR.panelButton]);
    instance.onModeExit(params);
    expect(calls).toEqual(['basic.enter', 'spaModeEnter', 'spaModeExit', 'basic.exit']);
  });

  it('says clearly when the host has no 3.13 basic mode', async () => {
    await expect(mode.modeFactory({ loadModules: async () => [{}] })).rejects.toThrow(
      `${MODE_ID}: the host's @ohif/mode-basic has no modeInstance.onModeEnter; is this @ohif/app 3.13?`
    );
  });
});

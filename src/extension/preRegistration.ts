import SegSaveService from './seg/SegSaveService';
import SpaService from './services/SpaService';
import type { ExtensionParams } from './types';

/**
 * Registers SpaService before the extension's modules. Its configuration is
 * `window.config.spa` (app-config.js): a runtime-loaded plugin cannot receive an
 * extension configuration pair through `window.config.extensions`.
 */
export default function preRegistration({ servicesManager, appConfig, configuration }: ExtensionParams): void {
  servicesManager.registerService(SpaService.REGISTRATION, { ...(appConfig?.spa ?? {}), ...(configuration ?? {}) });
  servicesManager.registerService(SegSaveService.REGISTRATION, { ...(appConfig?.spa ?? {}), ...(configuration ?? {}) });
}

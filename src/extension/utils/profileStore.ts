/**
 * The user's learned SPA preference, kept in the browser (localStorage) per model, so that
 * the next case starts from it. A stored profile that no longer fits the model (another
 * model, other components, damaged JSON) is replaced by a uniform one.
 */
import { parseProfile, uniformProfile, type PreferenceProfile } from '../../core';

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function profileKey(model: string): string {
  return `spa-ohif.preferenceProfile.${model}`;
}

export function loadProfile(storage: StorageLike | undefined, model: string, components: number): PreferenceProfile {
  const raw = storage?.getItem(profileKey(model));
  if (!raw) return uniformProfile(model, components);
  try {
    return parseProfile(JSON.parse(raw), model, components);
  } catch {
    return uniformProfile(model, components);
  }
}

export function saveProfile(storage: StorageLike | undefined, profile: PreferenceProfile): void {
  try {
    storage?.setItem(profileKey(profile.model), JSON.stringify(profile));
  } catch {
    // Storage full or disabled (private mode): the profile lives for this page only.
  }
}

export function clearProfile(storage: StorageLike | undefined, model: string): void {
  storage?.removeItem(profileKey(model));
}

/** File name and JSON text for exporting a profile. */
export function profileExport(profile: PreferenceProfile): { fileName: string; json: string } {
  const date = profile.updatedAt.slice(0, 10);
  return { fileName: `spa-preference-${profile.model}-${date}.json`, json: JSON.stringify(profile, null, 2) };
}

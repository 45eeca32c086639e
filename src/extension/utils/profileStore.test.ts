import { uniformProfile } from '../../core';
import { clearProfile, loadProfile, profileExport, profileKey, saveProfile, type StorageLike } from './profileStore';

function memoryStorage(): StorageLike & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: k => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: k => void items.delete(k),
  };
}

describe('preference profile storage', () => {
  it('round-trips a profile per model and starts uniform without one', () => {
    const storage = memoryStorage();
    expect(loadProfile(storage, 'm', 4).piM).toEqual([0.25, 0.25, 0.25, 0.25]);
    const learned = { ...uniformProfile('m', 4), piM: [0.5, 0.25, 0.125, 0.125], choices: 3, updatedAt: '2026-11-29T07:00:00.000Z' };
    saveProfile(storage, learned);
    expect(storage.items.has(profileKey('m'))).toBe(true);
    expect(loadProfile(storage, 'm', 4)).toEqual(learned);
    clearProfile(storage, 'm');
    expect(loadProfile(storage, 'm', 4).choices).toBe(0);
  });

  it('falls back to uniform for a damaged profile or one of another shape', () => {
    const storage = memoryStorage();
    storage.setItem(profileKey('m'), '{not json');
    expect(loadProfile(storage, 'm', 4).piM).toHaveLength(4);
    saveProfile(storage, uniformProfile('m', 3));
    expect(loadProfile(storage, 'm', 4).piM).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(loadProfile(undefined, 'm', 2).piM).toEqual([0.5, 0.5]);
  });

  it('names the export after the model and the date', () => {
    const p = { ...uniformProfile('spa-lidc', 2), updatedAt: '2026-11-29T07:00:00.000Z' };
    const { fileName, json } = profileExport(p);
    expect(fileName).toBe('spa-preference-spa-lidc-2026-11-29.json');
    expect(JSON.parse(json)).toEqual(p);
  });
});

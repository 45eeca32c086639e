import React from 'react';
import type { PreferenceProfile } from '../core';
import { SpaButton } from './ui';

/** The learned preference: weights per reading style, reset and export. */
export default function PreferenceView({ profile, run }: { profile: PreferenceProfile | null; run: (command: string) => void }) {
  if (!profile) return <div className="text-muted-foreground text-xs">Learned from your choices once the model is loaded.</div>;
  return (
    <div data-testid="spa-preference" className="flex flex-col gap-1">
      <div className="text-muted-foreground text-xs">
        {profile.choices} choice{profile.choices === 1 ? '' : 's'} · kept in this browser
      </div>
      <div className="flex items-end gap-1" style={{ height: 28 }} aria-label="Preference weights">
        {profile.piM.map((p, m) => (
          <div key={m} title={`style ${m + 1}: ${(100 * p).toFixed(0)}%`} className="bg-primary" style={{ width: 14, height: Math.max(2, Math.round(28 * p)) }} />
        ))}
      </div>
      <div className="flex gap-2">
        <SpaButton data-testid="spa-profile-reset" onClick={() => run('spaResetProfile')}>
          Reset preference
        </SpaButton>
        <SpaButton data-testid="spa-profile-export" onClick={() => run('spaExportProfile')}>
          Export
        </SpaButton>
      </div>
    </div>
  );
}

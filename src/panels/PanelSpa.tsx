import React from 'react';
import type { ActiveSeries } from '../extension/services/SpaService';
import type { CommandsManager, ServicesManager } from '../extension/types';
import ModelStatusView from './ModelStatusView';
import PreferenceView from './PreferenceView';
import SegSaveSection from './SegSaveSection';
import SessionView from './SessionView';
import StructuresView from './StructuresView';
import { Section, SpaButton, useFocusStyle } from './ui';
import useSpaState from './useSpaState';

interface Props {
  servicesManager: ServicesManager;
  commandsManager: CommandsManager;
}

function describeSeries(series: ActiveSeries | null): string {
  if (!series) return 'No series in the active viewport';
  const parts = [
    series.modality,
    series.seriesNumber ? `#${series.seriesNumber}` : undefined,
    series.description,
    series.numImages !== undefined ? `${series.numImages} image${series.numImages === 1 ? '' : 's'}` : undefined,
  ].filter(Boolean);
  return parts.join(' · ');
}

/**
 * The SPA panel. It only reads SpaService (via useSpaState) and calls commands; the
 * sections are small components of their own.
 */
export default function PanelSpa({ servicesManager, commandsManager }: Props) {
  useFocusStyle();
  const { spaService } = servicesManager.services;
  const state = useSpaState(spaService);
  const { modelStatus, activeSeries, studyCheck, error } = state;
  const run = React.useCallback(
    (command: string, options: Record<string, unknown> = {}) => void commandsManager.runCommand(command, options, 'SPA'),
    [commandsManager]
  );
  const session = state.activeViewportId ? state.sessions[state.activeViewportId] : undefined;

  return (
    <div data-testid="spa-panel" className="flex flex-col gap-3 p-3 text-sm text-white">
      <div className="text-muted-foreground">Interactive, uncertainty-aware segmentation</div>
      <ModelStatusView status={modelStatus} onRetry={() => run('spaLoadModel')} />
      {studyCheck && !studyCheck.valid && (
        <div data-testid="spa-study-warning" role="alert" style={{ color: '#fbbf24' }}>
          {studyCheck.description}
        </div>
      )}
      <div data-testid="spa-active-series" className="text-aqua-pale">
        {describeSeries(activeSeries)}
      </div>
      {error && (
        <div data-testid="spa-error" data-problem={error.problem} role="alert" className="flex items-start gap-2 rounded p-2" style={{ background: 'hsl(var(--destructive) / 0.35)' }}>
          <span className="flex-1">{error.message}</span>
          <SpaButton variant="ghost" aria-label="Dismiss the message" onClick={() => run('spaDismissError')}>
            ×
          </SpaButton>
        </div>
      )}
      <Section title="Candidates" testId="spa-session">
        <SessionView session={session} showUncertainty={state.showUncertainty} spaService={spaService} run={run} />
      </Section>
      <Section title="Approved structures">
        <StructuresView structures={state.structures} viewportId={session?.viewportId} structureKey={session?.structureKey} propagation={state.propagation} run={run} />
      </Section>
      <Section title="Preference">
        <PreferenceView profile={state.profile} run={run} />
      </Section>
      <SegSaveSection servicesManager={servicesManager} commandsManager={commandsManager} />
    </div>
  );
}

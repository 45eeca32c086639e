import React from 'react';
import type { ActiveSeries, ModelState } from '../extension/services/SpaService';
import type { CommandsManager, ServicesManager } from '../extension/types';
import useSpaState from './useSpaState';

interface Props {
  servicesManager: ServicesManager;
  commandsManager: CommandsManager;
}

const STATE_COLOURS: Record<ModelState, string> = {
  unknown: '#9ca3af',
  checking: '#9ca3af',
  available: '#60a5fa',
  missing: '#fbbf24',
  loading: '#60a5fa',
  ready: '#34d399',
  error: '#f87171',
};

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
 * The SPA panel. It only reads SpaService (via useSpaState) and calls commands; later
 * issues add the interaction controls here.
 */
export default function PanelSpa({ servicesManager }: Props) {
  const { spaService } = servicesManager.services;
  const { modelStatus, activeSeries, studyCheck } = useSpaState(spaService);

  return (
    <div data-testid="spa-panel" className="flex flex-col gap-2 p-3 text-sm text-white">
      <div className="text-muted-foreground">Interactive, uncertainty-aware segmentation</div>
      <div className="flex items-center gap-2" title={modelStatus.state}>
        <span
          aria-hidden
          style={{ width: 8, height: 8, borderRadius: 4, display: 'inline-block', background: STATE_COLOURS[modelStatus.state] }}
        />
        <span data-testid="spa-model-status" data-state={modelStatus.state}>
          {modelStatus.message}
        </span>
      </div>
      {studyCheck && !studyCheck.valid && (
        <div data-testid="spa-study-warning" role="alert" style={{ color: STATE_COLOURS.missing }}>
          {studyCheck.description}
        </div>
      )}
      <div data-testid="spa-active-series" className="text-aqua-pale">
        {describeSeries(activeSeries)}
      </div>
    </div>
  );
}

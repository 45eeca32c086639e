import React from 'react';
import { SEG_COMMANDS } from '../extension/seg/segCommands';
import type SegSaveService from '../extension/seg/SegSaveService';
import type { SegSavePhase } from '../extension/seg/SegSaveService';
import type { CommandsManager, ServicesManager } from '../extension/types';
import { Section, SpaButton } from './ui';
import useSegSaveState from './useSegSaveState';

interface Props {
  servicesManager: ServicesManager;
  commandsManager: CommandsManager;
}

const PHASE_COLOURS: Record<SegSavePhase, string> = {
  idle: '#9ca3af',
  saving: '#60a5fa',
  saved: '#34d399',
  failed: '#f87171',
};

/**
 * "Save to PACS" (STOW-RS to the active data source), "Download SEG", the save status
 * and, after a failure, "Retry". Reads spaSegSaveService; acts through commands.
 */
export default function SegSaveSection({ servicesManager, commandsManager }: Props) {
  const segSaveService = servicesManager.services.spaSegSaveService as SegSaveService;
  const { phase, message, target, hasSegmentation, pending, download } = useSegSaveState(segSaveService);
  const busy = phase === 'saving';
  const run = (name: string) => () => void commandsManager.runCommand(name, {}, 'SPA');

  return (
    <Section title="DICOM SEG" testId="spa-seg-save">
      <div className="flex flex-wrap gap-2">
        <SpaButton
          variant="primary"
          data-testid="spa-save-pacs"
          disabled={!target.canStore || !hasSegmentation || busy}
          title={target.canStore ? `Store the segmentation in ${target.name} (STOW-RS)` : target.reason}
          onClick={run(SEG_COMMANDS.save)}
        >
          Save to PACS
        </SpaButton>
        <SpaButton
          data-testid="spa-download-seg"
          disabled={!hasSegmentation && !pending}
          title={pending ? 'Download the SEG that was not saved' : 'Download the segmentation as a DICOM SEG file'}
          onClick={run(SEG_COMMANDS.download)}
        >
          Download SEG
        </SpaButton>
        {phase === 'failed' && pending && (
          <SpaButton data-testid="spa-retry" disabled={busy} onClick={run(SEG_COMMANDS.retry)}>
            Retry
          </SpaButton>
        )}
      </div>
      {!target.canStore && (
        <div data-testid="spa-save-note" className="text-xs" style={{ color: '#fbbf24' }}>
          Save to PACS is off: {target.reason}
        </div>
      )}
      {!hasSegmentation && !pending && (
        <div data-testid="spa-save-empty" className="text-xs text-muted-foreground">
          No segmentation to save yet
        </div>
      )}
      <div
        data-testid="spa-save-status"
        data-phase={phase}
        role={phase === 'failed' ? 'alert' : 'status'}
        className="text-xs"
        style={{ color: PHASE_COLOURS[phase], overflowWrap: 'anywhere' }}
      >
        {message}
      </div>
      {download && (
        <div data-testid="spa-download-status" className="text-xs" style={{ color: download.ok ? '#9ca3af' : PHASE_COLOURS.failed }}>
          {download.message}
        </div>
      )}
    </Section>
  );
}

import React from 'react';
import type SpaService from '../extension/services/SpaService';
import type { PreviewTarget, ViewportSession } from '../extension/services/SpaService';
import { candidateRgb, cssColour, RECOMMENDATION_RGB, thumbnailWindow, type CropWindow } from '../extension/utils/maskDrawing';
import MaskThumbnail from './MaskThumbnail';
import { SpaButton } from './ui';

interface Props {
  session: ViewportSession | undefined;
  showUncertainty: boolean;
  spaService: SpaService;
  run: (command: string, options?: Record<string, unknown>) => void;
}

/** A choosable mask: thumbnail, name, share; hover or focus previews it in the viewport. */
function MaskCard({
  testId,
  title,
  share,
  rgb,
  greyHW,
  maskHW,
  size,
  view,
  target,
  shortcut,
  onChoose,
  onApprove,
  onPreview,
  onDrawn,
}: {
  testId: string;
  title: string;
  share?: number;
  rgb: readonly [number, number, number];
  greyHW: Uint8Array;
  maskHW: Uint8Array;
  size: number;
  view: CropWindow;
  target: PreviewTarget;
  shortcut?: string;
  onChoose: (target: PreviewTarget) => void;
  onApprove: (target: PreviewTarget) => void;
  onPreview: (target: PreviewTarget | null) => void;
  onDrawn?: () => void;
}) {
  const label = `${title}${share !== undefined ? `, ${Math.round(share * 100)}% of samples` : ''}${shortcut ? `, key ${shortcut}` : ''}`;
  return (
    <div className="bg-muted flex flex-col items-stretch gap-1 rounded p-1" style={{ border: `2px solid ${cssColour(rgb)}` }}>
      <button
        type="button"
        data-testid={testId}
        aria-label={`Choose ${label}`}
        title="Choose: SPA learns from it and proposes a new round"
        className="spa-control hover:bg-primary/25 flex flex-col items-center gap-1 rounded"
        onClick={() => onChoose(target)}
        onMouseEnter={() => onPreview(target)}
        onMouseLeave={() => onPreview(null)}
        onFocus={() => onPreview(target)}
        onBlur={() => onPreview(null)}
      >
        <MaskThumbnail greyHW={greyHW} maskHW={maskHW} size={size} rgb={rgb} window={view} onDrawn={onDrawn} />
        <span className="text-foreground text-xs">
          {shortcut ? <kbd className="text-muted-foreground mr-1">{shortcut}</kbd> : null}
          {title}
          {share !== undefined ? ` · ${Math.round(share * 100)}%` : ''}
        </span>
      </button>
      <button
        type="button"
        data-testid={`${testId}-approve`}
        aria-label={`Approve ${title}`}
        title="Approve this mask as it is"
        className="spa-control text-primary hover:bg-primary/25 rounded text-xs"
        onClick={() => onApprove(target)}
        onMouseEnter={() => onPreview(target)}
        onMouseLeave={() => onPreview(null)}
      >
        ✓ Approve
      </button>
    </div>
  );
}

/** The SPA loop of the active viewport: round, recommendation, candidates and the actions on them. */
export default function SessionView({ session, showUncertainty, spaService, run }: Props) {
  const result = session?.result ?? null;
  const viewportId = session?.viewportId;
  const reported = React.useRef<unknown>(null);
  const pending = React.useRef(0);

  // Benchmark hook: once every thumbnail of a round is drawn, report click -> drawn.
  const expected = result ? result.candidates.length + 1 : 0;
  pending.current = expected;
  const onDrawn = React.useCallback(() => {
    if (!session || !result || reported.current === result) return;
    pending.current -= 1;
    if (pending.current > 0) return;
    reported.current = result;
    spaService.reportCandidatesDrawn({
      viewportId: session.viewportId,
      round: result.round,
      clickAt: session.clickAt ?? performance.now(),
      resultAt: session.resultAt ?? performance.now(),
      drawnAt: performance.now(),
    });
  }, [session, result, spaService]);

  const view = React.useMemo(
    () => (result ? thumbnailWindow([result.recommendationHW, ...result.candidates.map(c => c.maskHW)], result.cropSizePx) : null),
    [result]
  );
  const preview = (target: PreviewTarget | null) => run('spaSetPreview', { viewportId, target });
  const choose = (target: PreviewTarget) => run('spaChoose', { viewportId, candidate: target });
  const approve = (target: PreviewTarget) => run('spaApprove', { viewportId, candidate: target === 'recommendation' ? undefined : target });

  if (!session) {
    return (
      <p data-testid="spa-hint" className="text-muted-foreground">
        With the <strong>SPA point</strong> tool, click a structure (Shift+click excludes a region). SPA proposes a recommendation and
        alternatives to choose from.
      </p>
    );
  }

  return (
    <div className="flex flex-col gap-2" aria-busy={session.busy}>
      <div className="flex items-center justify-between">
        <span className="text-foreground">
          Round <span data-testid="spa-round">{result?.round ?? ''}</span>
        </span>
        {session.busy && (
          <span data-testid="spa-busy" className="text-primary text-xs" role="status">
            Computing…
          </span>
        )}
      </div>
      {result && view && (
        <>
          <div className="flex flex-wrap gap-2">
            <MaskCard
              testId="spa-recommendation"
              title="Recommended"
              rgb={RECOMMENDATION_RGB}
              greyHW={result.greyHW}
              maskHW={result.recommendationHW}
              size={result.cropSizePx}
              view={view}
              target="recommendation"
              onChoose={choose}
              onApprove={approve}
              onPreview={preview}
              onDrawn={onDrawn}
            />
          </div>
          <div className="text-muted-foreground text-xs">Alternatives · share of the {result.candidates.length > 1 ? 'samples' : 'sample'}</div>
          <div className="flex flex-wrap gap-2" role="group" aria-label="Candidates">
            {result.candidates.map((candidate, k) => (
              <MaskCard
                key={k}
                testId="spa-candidate"
                title={`Option ${k + 1}`}
                share={candidate.share}
                rgb={candidateRgb(k)}
                greyHW={result.greyHW}
                maskHW={candidate.maskHW}
                size={result.cropSizePx}
                view={view}
                target={k}
                shortcut={String(k + 1)}
                onChoose={choose}
                onApprove={approve}
                onPreview={preview}
                onDrawn={onDrawn}
              />
            ))}
          </div>
        </>
      )}
      <div className="flex flex-wrap gap-2">
        <SpaButton data-testid="spa-approve" variant="primary" disabled={!result || session.busy} onClick={() => run('spaApprove', { viewportId })} title="Approve the recommendation (Enter)">
          Approve
        </SpaButton>
        <SpaButton data-testid="spa-undo" disabled={!result || result.round < 2 || session.busy} onClick={() => run('spaUndo', { viewportId })} title="Back one round (Backspace)">
          Undo
        </SpaButton>
        <SpaButton data-testid="spa-reset" onClick={() => run('spaReset', { viewportId })} title="Drop the candidates; approved slices stay (Esc)">
          Reset
        </SpaButton>
        <SpaButton
          data-testid="spa-uncertainty-toggle"
          aria-pressed={showUncertainty}
          variant={showUncertainty ? 'primary' : 'secondary'}
          disabled={!result}
          onClick={() => run('spaToggleUncertainty')}
          title="Show where the samples disagree"
        >
          Uncertainty
        </SpaButton>
      </div>
      <div className="text-muted-foreground text-xs">Keys: Enter approve · 1–6 choose · Backspace undo · Esc reset</div>
    </div>
  );
}

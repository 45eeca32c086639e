import React from 'react';
import type { ApprovedStructure, PropagationStatus } from '../extension/services/SpaService';
import { cssColour } from '../extension/utils/maskDrawing';
import { SpaButton } from './ui';

interface Props {
  structures: readonly ApprovedStructure[];
  /** The active viewport and the structure its session works on. */
  viewportId: string | undefined;
  structureKey: string | undefined;
  propagation: PropagationStatus | null;
  run: (command: string, options?: Record<string, unknown>) => void;
}

/**
 * Approved structures (segments of the SPA labelmap): propagate, review and undo slice by slice.
 * Takes ids, not the viewport's session: a list item whose DOM attributes do not change keeps
 * the handlers of the render that created it, and handlers that closed over a session kept
 * its round (samples' mean, candidates: about 0.28 MB) alive for every approved structure.
 */
export default function StructuresView({ structures, viewportId, structureKey, propagation, run }: Props) {
  const current = structures.find(s => s.key === structureKey);
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center gap-2">
        <SpaButton
          data-testid="spa-propagate"
          disabled={!current || !!propagation?.running}
          onClick={() => run('spaPropagate', { viewportId })}
          title="Segment the same structure on the neighbouring slices"
        >
          Propagate{current ? ` ${current.label}` : ''}
        </SpaButton>
        {propagation?.running && (
          <SpaButton data-testid="spa-propagate-cancel" variant="ghost" onClick={() => run('spaCancelPropagation')}>
            Cancel
          </SpaButton>
        )}
      </div>
      {propagation && (
        <div data-testid="spa-propagation-status" data-running={propagation.running} className="text-muted-foreground text-xs" role="status">
          {propagation.message}
        </div>
      )}
      {structures.length === 0 && <div className="text-muted-foreground text-xs">Nothing approved yet.</div>}
      <ul className="flex flex-col gap-2">
        {structures.map(structure => (
          <li key={structure.key} data-testid="spa-structure" data-label={structure.label} className="flex flex-col gap-1">
            <div className="flex items-center gap-2">
              <span aria-hidden style={{ width: 10, height: 10, borderRadius: 2, background: cssColour(structure.rgb) }} />
              <span className="text-foreground">{structure.label}</span>
              <span className="text-muted-foreground text-xs">
                {structure.slices.length} slice{structure.slices.length === 1 ? '' : 's'}
              </span>
            </div>
            <ul className="flex flex-col gap-1 pl-4">
              {structure.slices.map(slice => (
                <li key={slice.imageId} data-testid="spa-structure-slice" data-source={slice.source} data-image-index={slice.imageIndex} className="flex items-center gap-2 text-xs">
                  <button
                    type="button"
                    className="spa-control text-primary hover:underline"
                    onClick={() => run('spaShowSlice', { viewportId, imageIndex: slice.imageIndex })}
                    title="Show this slice"
                  >
                    Image {slice.imageIndex + 1}
                  </button>
                  <span className="text-muted-foreground">
                    {slice.source} · {slice.pixels} px
                  </span>
                  <button
                    type="button"
                    data-testid="spa-slice-undo"
                    className="spa-control text-muted-foreground hover:text-foreground ml-auto"
                    onClick={() => run('spaUndoSlice', { structureKey: structure.key, imageId: slice.imageId })}
                    aria-label={`Remove ${structure.label} from image ${slice.imageIndex + 1}`}
                  >
                    Undo
                  </button>
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ul>
    </div>
  );
}

import React from 'react';
import type { ModelState, ModelStatus } from '../extension/services/SpaService';
import { SpaButton } from './ui';

const STATE_COLOURS: Record<ModelState, string> = {
  unknown: '#9ca3af',
  checking: '#9ca3af',
  available: '#60a5fa',
  missing: '#fbbf24',
  loading: '#60a5fa',
  ready: '#34d399',
  error: '#f87171',
};

/** Model status: a dot and a line, Load now before first use, a progress bar while loading, provider and threads, Retry on failure. */
export default function ModelStatusView({ status, onRetry }: { status: ModelStatus; /** Loads the model (Load now, Retry). */ onRetry: () => void }) {
  return (
    <div className="flex flex-col gap-1">
      <div className="flex items-center gap-2" title={status.state}>
        <span aria-hidden style={{ width: 8, height: 8, borderRadius: 4, display: 'inline-block', flex: 'none', background: STATE_COLOURS[status.state] }} />
        <span data-testid="spa-model-status" data-state={status.state}>
          {status.message}
        </span>
      </div>
      {status.state === 'loading' && (
        <div
          data-testid="spa-model-progress"
          role="progressbar"
          aria-label="Model loading"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(100 * (status.progress ?? 0))}
          className="bg-muted h-1 w-full overflow-hidden rounded"
        >
          <div className="bg-primary h-1" style={{ width: `${Math.round(100 * (status.progress ?? 0))}%`, transition: 'width 120ms' }} />
        </div>
      )}
      {status.state === 'ready' && (
        <div data-testid="spa-model-runtime" className="text-muted-foreground text-xs">
          onnxruntime-web · {status.provider} · {status.threads} thread{status.threads === 1 ? '' : 's'}
          {status.notice ? ` · ${status.notice}` : ''}
        </div>
      )}
      {status.state === 'unknown' && (
        <SpaButton data-testid="spa-model-load" variant="ghost" className="self-start" onClick={onRetry} title="Load the model now instead of on the first click">
          Load now
        </SpaButton>
      )}
      {status.state === 'error' && (
        <SpaButton data-testid="spa-model-retry" variant="primary" className="self-start" onClick={onRetry}>
          Retry
        </SpaButton>
      )}
    </div>
  );
}

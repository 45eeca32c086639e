/**
 * SPA's keys: Enter approve, 1-6 choose candidate, Backspace undo, Esc reset. They act
 * when the focus is in the SPA panel or a viewport (never in a text field), and only when
 * the active viewport has an SPA session. Handled in the capture phase and stopped there,
 * so OHIF's own hotkeys on the same keys (e.g. 1-5 window presets) do not fire as well.
 */
export type SpaKeyAction = { type: 'approve' } | { type: 'choose'; candidate: number } | { type: 'undo' } | { type: 'reset' };

/** The action for a key, or null. Modifier combinations are left to the browser and OHIF. */
export function spaKeyAction(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'>): SpaKeyAction | null {
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  if (event.key === 'Enter') return { type: 'approve' };
  if (event.key === 'Backspace') return { type: 'undo' };
  if (event.key === 'Escape') return { type: 'reset' };
  if (/^[1-6]$/.test(event.key)) return { type: 'choose', candidate: Number(event.key) - 1 };
  return null;
}

const TEXT_INPUT = /^(INPUT|TEXTAREA|SELECT)$/;

/** Whether keys typed with focus on `target` belong to SPA. */
export function isSpaKeyTarget(target: Element | null, doc: Document): boolean {
  if (!target) return false;
  if (TEXT_INPUT.test(target.tagName) || (target as HTMLElement).isContentEditable) return false;
  if (target === doc.body) return true;
  return !!target.closest('[data-testid="spa-panel"], [data-cy="viewport-pane"], .cornerstone-viewport-element');
}

export function installSpaKeys(doc: Document, onAction: (action: SpaKeyAction) => boolean): () => void {
  const listener = (event: KeyboardEvent) => {
    const action = spaKeyAction(event);
    if (!action || !isSpaKeyTarget(doc.activeElement, doc)) return;
    // A focused button handles Enter itself (its click); leave it alone.
    if (action.type === 'approve' && doc.activeElement?.tagName === 'BUTTON') return;
    if (onAction(action)) {
      event.preventDefault();
      event.stopPropagation();
    }
  };
  doc.defaultView?.addEventListener('keydown', listener, true);
  return () => doc.defaultView?.removeEventListener('keydown', listener, true);
}

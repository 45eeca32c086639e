import { installSpaKeys, isSpaKeyTarget, spaKeyAction } from './keys';

const key = (k: string, mods: Partial<KeyboardEvent> = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, ...mods });

/** A stand-in element: its tag and the selectors of its ancestors (closest). */
function element(tagName: string, inside: string | null, isContentEditable = false): Element {
  return { tagName, isContentEditable, closest: (sel: string) => (inside && sel.includes(inside) ? ({} as Element) : null) } as unknown as Element;
}

describe('SPA keys', () => {
  it('maps Enter, 1-6, Backspace and Esc; ignores other keys and modifiers', () => {
    expect(spaKeyAction(key('Enter'))).toEqual({ type: 'approve' });
    expect(spaKeyAction(key('1'))).toEqual({ type: 'choose', candidate: 0 });
    expect(spaKeyAction(key('6'))).toEqual({ type: 'choose', candidate: 5 });
    expect(spaKeyAction(key('7'))).toBeNull();
    expect(spaKeyAction(key('Backspace'))).toEqual({ type: 'undo' });
    expect(spaKeyAction(key('Escape'))).toEqual({ type: 'reset' });
    expect(spaKeyAction(key('z', { ctrlKey: true }))).toBeNull();
    expect(spaKeyAction(key('1', { altKey: true }))).toBeNull();
  });

  it('acts in the panel and viewports, never in text fields', () => {
    const body = element('BODY', null);
    const doc = { body } as unknown as Document;
    expect(isSpaKeyTarget(element('BUTTON', 'spa-panel'), doc)).toBe(true);
    expect(isSpaKeyTarget(element('DIV', 'viewport-pane'), doc)).toBe(true);
    expect(isSpaKeyTarget(body, doc)).toBe(true);
    expect(isSpaKeyTarget(element('INPUT', 'spa-panel'), doc)).toBe(false);
    expect(isSpaKeyTarget(element('TEXTAREA', null), doc)).toBe(false);
    expect(isSpaKeyTarget(element('DIV', 'spa-panel', true), doc)).toBe(false);
    expect(isSpaKeyTarget(element('A', null), doc)).toBe(false);
    expect(isSpaKeyTarget(null, doc)).toBe(false);
  });

  it('handles keys in the capture phase, stops them there and removes its listener', () => {
    const listeners = new Map<string, { fn: (e: KeyboardEvent) => void; capture: boolean }>();
    const win = {
      addEventListener: (type: string, fn: (e: KeyboardEvent) => void, capture: boolean) => listeners.set(type, { fn, capture }),
      removeEventListener: (type: string) => listeners.delete(type),
    };
    const doc = { body: element('BODY', null), activeElement: element('DIV', 'viewport-pane'), defaultView: win } as unknown as Document;
    const seen: string[] = [];
    const remove = installSpaKeys(doc, a => (seen.push(a.type), true));
    expect(listeners.get('keydown')!.capture).toBe(true);
    const event = { ...key('2'), preventDefault: jest.fn(), stopPropagation: jest.fn() } as unknown as KeyboardEvent;
    listeners.get('keydown')!.fn(event);
    expect(seen).toEqual(['choose']);
    expect(event.stopPropagation).toHaveBeenCalled();
    const typing = { ...key('3'), preventDefault: jest.fn(), stopPropagation: jest.fn() } as unknown as KeyboardEvent;
    (doc as { activeElement: Element }).activeElement = element('INPUT', null);
    listeners.get('keydown')!.fn(typing);
    expect(seen).toEqual(['choose']);
    remove();
    expect(listeners.has('keydown')).toBe(false);
  });
});

import { isReact, isReactDom, resolveSharedModules, type ExpectedHost } from './hostShared';

const expected: ExpectedHost = {
  hostPackage: '@ohif/app',
  hostVersion: '3.13.2',
  reactVersion: '18.3.1',
  reactDomVersion: '18.3.1-next-f1338f8080-20240426',
};

const fakeReact = (version = '18.3.1') => ({
  createElement: () => null,
  useState: () => null,
  Component: function Component() {},
  version,
});
const fakeReactDom = (version = '18.3.1-next-f1338f8080-20240426') => ({
  createPortal: () => null,
  flushSync: () => null,
  createRoot: () => null,
  version,
});

describe('resolveSharedModules', () => {
  it('finds React and ReactDOM by identity among unrelated modules, counting each object once', () => {
    const react = fakeReact();
    const dom = fakeReactDom();
    const client = { createRoot: () => null, hydrateRoot: () => null };
    const result = resolveSharedModules([{}, react, 'x', null, react, client, dom, { version: '1' }], expected);
    expect(result).toEqual({ ok: true, shared: { react, 'react-dom': dom } });
  });

  it('survives exports whose getters throw (modules still evaluating)', () => {
    const tdz = Object.defineProperty({}, 'createElement', {
      get() {
        throw new ReferenceError('Cannot access before initialization');
      },
    });
    expect(isReact(tdz)).toBe(false);
    expect(isReactDom(tdz)).toBe(false);
  });

  it('explains a version mismatch and names the expected host', () => {
    const result = resolveSharedModules([fakeReact('19.0.0'), fakeReactDom()], expected);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain('@ohif/app@3.13.2');
      expect(result.message).toContain("the host's React is 19.0.0");
    }
  });

  it('explains a missing or duplicated React', () => {
    const none = resolveSharedModules([fakeReactDom()], expected);
    expect(!none.ok && none.message).toContain('found 0 copies of React');
    const two = resolveSharedModules([fakeReact(), fakeReact(), fakeReactDom()], expected);
    expect(!two.ok && two.message).toContain('found 2 copies of React');
  });
});

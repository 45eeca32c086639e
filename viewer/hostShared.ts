/**
 * Finding the host's React and ReactDOM by identity.
 *
 * The published @ohif/app 3.13.2 build exposes no globals for runtime plugins, but its
 * rspack runtime lets any script push a chunk onto `globalThis.rspackChunk`; the chunk's
 * runtime callback receives the host's `__webpack_require__`, whose `.m` holds every
 * module factory of the main bundle. bootstrap.ts wraps those factories so it sees each
 * module object as the host evaluates it, and this file picks React and ReactDOM out of
 * those modules by what they are (their API shape and `version`), never by the numeric
 * module ids, which change with every host build.
 */

export interface ExpectedHost {
  hostPackage: string;
  hostVersion: string;
  reactVersion: string;
  reactDomVersion: string;
}

export interface SharedModules {
  react: Record<string, unknown>;
  'react-dom': Record<string, unknown>;
}

export type ResolveResult = { ok: true; shared: SharedModules } | { ok: false; message: string };

function has(obj: Record<string, unknown>, key: string, type: string): boolean {
  try {
    return typeof obj[key] === type;
  } catch {
    // ESM namespace getters of a module still being evaluated throw (TDZ).
    return false;
  }
}

export function isReact(obj: unknown): obj is Record<string, unknown> {
  if (!obj || typeof obj !== 'object') return false;
  const o = obj as Record<string, unknown>;
  return (
    has(o, 'createElement', 'function') &&
    has(o, 'useState', 'function') &&
    has(o, 'Component', 'function') &&
    has(o, 'version', 'string')
  );
}

export function isReactDom(obj: unknown): obj is Record<string, unknown> {
  if (!obj || typeof obj !== 'object') return false;
  const o = obj as Record<string, unknown>;
  return has(o, 'createPortal', 'function') && has(o, 'flushSync', 'function') && has(o, 'version', 'string');
}

function unique(exportsList: unknown[], test: (o: unknown) => boolean): Record<string, unknown>[] {
  return [...new Set(exportsList.filter(test))] as Record<string, unknown>[];
}

/** Picks React and ReactDOM among the host's evaluated module exports and checks versions. */
export function resolveSharedModules(exportsList: unknown[], expected: ExpectedHost): ResolveResult {
  const wanted = `${expected.hostPackage}@${expected.hostVersion} (React ${expected.reactVersion}, ReactDOM ${expected.reactDomVersion})`;
  const reacts = unique(exportsList, isReact);
  const doms = unique(exportsList, isReactDom);
  const problems: string[] = [];
  if (reacts.length !== 1) problems.push(`found ${reacts.length} copies of React in the host`);
  if (doms.length !== 1) problems.push(`found ${doms.length} copies of ReactDOM in the host`);
  if (!problems.length) {
    const rv = String(reacts[0].version);
    const dv = String(doms[0].version);
    if (rv !== expected.reactVersion) problems.push(`the host's React is ${rv}`);
    if (dv !== expected.reactDomVersion) problems.push(`the host's ReactDOM is ${dv}`);
  }
  if (problems.length) {
    return {
      ok: false,
      message:
        `SPA for OHIF cannot start: it is built for the OHIF viewer from ${wanted}, but ${problems.join(' and ')}. ` +
        `Serve the viewer that \`npm install\` unpacks (${expected.hostPackage}@${expected.hostVersion}).`,
    };
  }
  return { ok: true, shared: { react: reacts[0], 'react-dom': doms[0] } };
}

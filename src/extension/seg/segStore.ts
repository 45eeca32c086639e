/**
 * STOW-RS of a Part 10 SEG through the active data source (`store.dicom`, OHIF's
 * DICOMweb client), with a timeout, and the failure told in the server's own words.
 */
import type { DataSourceLike, SegExtensionManager } from './types';

/** Whether the active data source can take a STOW-RS, and if not, why. */
export interface StoreTarget {
  canStore: boolean;
  /** The data source's name as the user knows it. */
  name: string;
  /** Why it cannot store (shown beside the disabled button). */
  reason?: string;
}

export function describeStoreTarget(extensionManager: SegExtensionManager): StoreTarget {
  const dataSource = extensionManager.getActiveDataSource()?.[0];
  const definition = extensionManager.getActiveDataSourceDefinition?.();
  const config = dataSource?.getConfig?.() ?? definition?.configuration ?? {};
  const name = config.friendlyName || definition?.sourceName || config.name || 'the data source';
  if (!dataSource) return { canStore: false, name, reason: 'No data source is active' };
  if (config.staticWado) {
    return {
      canStore: false,
      name,
      reason: `${name} is a read-only set of static files; saving needs a PACS (start with --dicomweb <url>). Download SEG works.`,
    };
  }
  if (typeof dataSource.store?.dicom !== 'function' || config.dicomUploadEnabled === false) {
    return { canStore: false, name, reason: `${name} does not accept DICOM uploads. Download SEG works.` };
  }
  return { canStore: true, name };
}

/** A failed STOW-RS: HTTP status (0: no answer) and the server's message. */
export class StoreError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly kind: 'http' | 'timeout' | 'network' | 'other'
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** The server's message from a STOW-RS answer body (Orthanc's JSON, plain text, or DICOM JSON). */
export function serverMessage(body: unknown): string {
  if (body === undefined || body === null) return '';
  let text = '';
  if (typeof body === 'string') text = body;
  else if (body instanceof ArrayBuffer) text = new TextDecoder().decode(body);
  else if (ArrayBuffer.isView(body)) text = new TextDecoder().decode(body as Uint8Array);
  else text = JSON.stringify(body);
  text = text.trim();
  try {
    const json = JSON.parse(text);
    if (json && typeof json === 'object' && !Array.isArray(json)) {
      const parts = [json.Message, json.Details, json.OrthancError].filter(v => typeof v === 'string' && v);
      if (parts.length) return [...new Set(parts)].join(': ');
    }
  } catch {
    // not JSON
  }
  return text.replace(/\s+/g, ' ').slice(0, 300);
}

/** Turns whatever the DICOMweb client rejected with into a StoreError. */
export function toStoreError(error: unknown, timedOut: boolean, timeoutMs: number): StoreError {
  if (timedOut) return new StoreError(`no answer from the PACS within ${Math.round(timeoutMs / 1000)} s (timeout)`, 0, 'timeout');
  const e = error as { status?: number; response?: unknown; request?: XMLHttpRequest; message?: string };
  const status = typeof e?.status === 'number' ? e.status : e?.request?.status ?? -1;
  if (status === 0) return new StoreError('the PACS could not be reached (network error)', 0, 'network');
  if (status > 0) {
    const statusText = e.request?.statusText ? ` ${e.request.statusText}` : '';
    const message = serverMessage(e.response ?? e.request?.responseText);
    return new StoreError(`HTTP ${status}${statusText}${message ? `: ${message}` : ''}`, status, 'http');
  }
  return new StoreError(e?.message || String(error), -1, 'other');
}

/** Sends one Part 10 object by STOW-RS; rejects with a StoreError. */
export async function storePart10(dataSource: DataSourceLike, part10: ArrayBuffer, timeoutMs: number): Promise<void> {
  const store = dataSource.store?.dicom;
  if (typeof store !== 'function') throw new StoreError('the data source cannot store DICOM', -1, 'other');
  const request = new XMLHttpRequest();
  let timedOut = false;
  request.timeout = timeoutMs;
  request.addEventListener('timeout', () => {
    timedOut = true;
  });
  try {
    await store(part10, request);
  } catch (error) {
    // The client rejects on readystatechange, which XHR fires before its 'timeout' event.
    await new Promise(resolve => setTimeout(resolve, 0));
    throw toStoreError(error, timedOut, timeoutMs);
  }
}

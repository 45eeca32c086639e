import { describeStoreTarget, serverMessage, storePart10, StoreError, toStoreError } from './segStore';
import type { DataSourceLike, SegExtensionManager } from './types';

function manager(dataSource: DataSourceLike | undefined, sourceName = 'pacs'): SegExtensionManager {
  return {
    getActiveDataSource: () => (dataSource ? [dataSource] : []),
    getActiveDataSourceDefinition: () => ({ sourceName }),
  };
}

describe('describeStoreTarget', () => {
  const store = { dicom: async () => undefined };

  test('a DICOMweb server that accepts uploads can store', () => {
    const target = describeStoreTarget(manager({ store, getConfig: () => ({ friendlyName: 'Orthanc', dicomUploadEnabled: true }) }));
    expect(target).toEqual({ canStore: true, name: 'Orthanc' });
  });

  test('a static DICOMweb tree cannot, and says why and that Download works', () => {
    const target = describeStoreTarget(manager({ store, getConfig: () => ({ friendlyName: 'Sample', staticWado: true }) }));
    expect(target.canStore).toBe(false);
    expect(target.reason).toBe('Sample is a read-only set of static files; saving needs a PACS (start with --dicomweb <url>). Download SEG works.');
  });

  test('a data source without STOW or with uploads off cannot', () => {
    expect(describeStoreTarget(manager({ getConfig: () => ({ name: 'x' }) })).reason).toBe('pacs does not accept DICOM uploads. Download SEG works.');
    expect(describeStoreTarget(manager({ store, getConfig: () => ({ dicomUploadEnabled: false }) }, 'local')).reason).toBe(
      'local does not accept DICOM uploads. Download SEG works.'
    );
    expect(describeStoreTarget(manager(undefined)).canStore).toBe(false);
  });
});

describe('serverMessage', () => {
  test("Orthanc's JSON error: message and details", () => {
    expect(serverMessage(JSON.stringify({ HttpStatus: 400, Message: 'Bad request', Details: 'Cannot parse DICOM' }))).toBe('Bad request: Cannot parse DICOM');
  });

  test('plain text, bytes, long bodies', () => {
    expect(serverMessage('DICOMweb proxy: x unreachable (ECONNREFUSED)\n')).toBe('DICOMweb proxy: x unreachable (ECONNREFUSED)');
    expect(serverMessage(new TextEncoder().encode('busy').buffer)).toBe('busy');
    expect(serverMessage('a'.repeat(1000)).length).toBe(300);
    expect(serverMessage(undefined)).toBe('');
  });
});

describe('toStoreError', () => {
  test('HTTP errors carry the status and the server message', () => {
    const error = toStoreError({ status: 502, response: 'DICOMweb proxy: unreachable', request: { statusText: 'Bad Gateway' } }, false, 1000);
    expect(error).toBeInstanceOf(StoreError);
    expect(error.message).toBe('HTTP 502 Bad Gateway: DICOMweb proxy: unreachable');
    expect(error.kind).toBe('http');
  });

  test('timeout, network failure and other errors', () => {
    expect(toStoreError({ status: 0 }, true, 30000).message).toBe('no answer from the PACS within 30 s (timeout)');
    expect(toStoreError({ status: 0 }, false, 30000).message).toBe('the PACS could not be reached (network error)');
    expect(toStoreError(new Error('boom'), false, 1).message).toBe('boom');
  });
});

describe('storePart10', () => {
  class FakeXhr {
    static last: FakeXhr | null = null;
    timeout = 0;
    private listeners: Record<string, Array<() => void>> = {};
    constructor() {
      FakeXhr.last = this;
    }
    addEventListener(type: string, fn: () => void) {
      (this.listeners[type] ??= []).push(fn);
    }
    fire(type: string) {
      (this.listeners[type] ?? []).forEach(fn => fn());
    }
  }
  const original = (globalThis as any).XMLHttpRequest;
  beforeAll(() => {
    (globalThis as any).XMLHttpRequest = FakeXhr;
  });
  afterAll(() => {
    (globalThis as any).XMLHttpRequest = original;
  });

  test('passes the bytes and a request with the timeout to store.dicom', async () => {
    const calls: unknown[][] = [];
    const bytes = new ArrayBuffer(4);
    await storePart10({ store: { dicom: async (...args: unknown[]) => void calls.push(args) } } as DataSourceLike, bytes, 1234);
    expect(calls[0][0]).toBe(bytes);
    expect((calls[0][1] as FakeXhr).timeout).toBe(1234);
  });

  test('a timeout reported after the rejection is still told as a timeout', async () => {
    const dataSource = {
      store: {
        dicom: async () => {
          // XHR: readystatechange (the client rejects) comes before the 'timeout' event.
          setTimeout(() => FakeXhr.last!.fire('timeout'), 0);
          throw Object.assign(new Error('request failed'), { status: 0 });
        },
      },
    } as unknown as DataSourceLike;
    await expect(storePart10(dataSource, new ArrayBuffer(1), 5000)).rejects.toThrow('no answer from the PACS within 5 s (timeout)');
  });

  test('refuses a data source without store.dicom', async () => {
    await expect(storePart10({}, new ArrayBuffer(1), 1)).rejects.toThrow('the data source cannot store DICOM');
  });
});

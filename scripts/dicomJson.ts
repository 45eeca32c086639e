/**
 * Conversion of DICOM Part 10 files (read with dcmjs) to the DICOM JSON model
 * (PS3.18 F.2) used by QIDO-RS and WADO-RS metadata responses.
 */
import dcmjs from 'dcmjs';

export type DicomJsonElement = {
  vr: string;
  Value?: unknown[];
  BulkDataURI?: string;
  InlineBinary?: string;
};
export type DicomJsonDataset = Record<string, DicomJsonElement>;

interface DcmjsElement {
  vr: string;
  Value?: unknown[];
}

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
export const PIXEL_DATA_TAG = '7FE00010';

/** Reads a Part 10 file; returns the dataset dictionary and the file meta information. */
export function readPart10(bytes: Uint8Array): { dict: Record<string, DcmjsElement>; meta: Record<string, DcmjsElement> } {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const file = dcmjs.data.DicomMessage.readFile(buffer);
  return { dict: file.dict as Record<string, DcmjsElement>, meta: file.meta as Record<string, DcmjsElement> };
}

function toBase64(value: unknown): string {
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString('base64');
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  throw new Error(`cannot encode binary value of type ${Object.prototype.toString.call(value)}`);
}

function convertValue(vr: string, values: unknown[]): unknown[] | undefined {
  if (vr === 'SQ') {
    return values.map(item => toDicomJson(item as Record<string, DcmjsElement>));
  }
  if (vr === 'PN') {
    const names = values
      .map(v => (typeof v === 'string' ? (v ? { Alphabetic: v } : null) : v))
      .filter(v => v !== null && !(typeof v === 'object' && Object.keys(v as object).length === 0));
    return names.length ? names : undefined;
  }
  const cleaned = values.map(v => (v === '' || v === undefined ? null : v));
  return cleaned.some(v => v !== null) ? cleaned : undefined;
}

/**
 * Converts a dcmjs dataset dictionary to DICOM JSON. `bulkDataURIFor(tag)` may return a
 * URI for a binary element (e.g. PixelData); other binary elements are inlined.
 */
export function toDicomJson(
  dict: Record<string, DcmjsElement>,
  bulkDataURIFor: (tag: string) => string | undefined = () => undefined
): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  for (const tag of Object.keys(dict).sort()) {
    const { vr, Value } = dict[tag];
    if (BINARY_VRS.has(vr)) {
      const uri = bulkDataURIFor(tag);
      if (uri) out[tag] = { vr, BulkDataURI: uri };
      else if (Value?.length) out[tag] = { vr, InlineBinary: toBase64(Value[0]) };
      else out[tag] = { vr };
      continue;
    }
    const converted = Value && Value.length ? convertValue(vr, Value) : undefined;
    out[tag] = converted ? { vr, Value: converted } : { vr };
  }
  return out;
}

/** The first value of an element as a string, or undefined. */
export function firstString(ds: DicomJsonDataset, tag: string): string | undefined {
  const v = ds[tag]?.Value?.[0];
  return v === undefined || v === null ? undefined : String(v);
}

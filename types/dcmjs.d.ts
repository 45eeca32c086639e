/** Minimal typing of the dcmjs API used by the project's Node scripts. */
declare module 'dcmjs' {
  interface DcmjsElement {
    vr: string;
    Value?: unknown[];
  }
  interface DicomFile {
    dict: Record<string, DcmjsElement>;
    meta: Record<string, DcmjsElement>;
  }
  const dcmjs: {
    data: {
      DicomMessage: { readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DicomFile };
      DicomMetaDictionary: {
        naturalizeDataset(dict: Record<string, DcmjsElement>): Record<string, unknown>;
        denaturalizeDataset(dataset: Record<string, unknown>): Record<string, DcmjsElement>;
        uid(): string;
      };
      DicomDict: new (meta: Record<string, DcmjsElement>) => {
        dict: Record<string, DcmjsElement>;
        write(options?: Record<string, unknown>): ArrayBuffer;
      };
      Colors: {
        rgb2DICOMLAB(rgb: number[]): number[];
      };
    };
  };
  export default dcmjs;
}

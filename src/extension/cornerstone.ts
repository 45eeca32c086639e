/**
 * The small part of cornerstone3D (core and tools) this extension uses, read from
 * `window.cornerstone` / `window.cornerstoneTools`, which extension-cornerstone sets when
 * it initialises. The plugin does not bundle cornerstone3D: it must use the host's
 * copies (one rendering engine, one tool state). Each member was checked against the
 * @ohif/app 3.13.2 bundle.
 */
export type Point2 = [number, number];
export type Point3 = [number, number, number];

export interface CsImage {
  imageId: string;
  rows: number;
  columns: number;
  slope?: number;
  intercept?: number;
  rowPixelSpacing?: number;
  columnPixelSpacing?: number;
  color?: boolean;
  numberOfComponents?: number;
  preScale?: { scaled?: boolean; scalingParameters?: { rescaleSlope?: number; rescaleIntercept?: number } };
  getPixelData(): ArrayLike<number>;
  voxelManager?: { getScalarData(): ArrayLike<number> & { [i: number]: number } };
}

export interface CsViewport {
  id: string;
  type: string;
  element: HTMLDivElement;
  canvas: HTMLCanvasElement;
  canvasToWorld(canvasPos: Point2): Point3;
  worldToCanvas(worldPos: Point3): Point2;
  getCurrentImageId?(): string | undefined;
  getCurrentImageIdIndex?(): number;
  getImageIds?(): string[];
  setImageIdIndex?(index: number): Promise<string>;
  getCornerstoneImage?(): CsImage | undefined;
  render(): void;
}

export interface CsRenderingEngine {
  getViewport(id: string): CsViewport | undefined;
  getViewports(): CsViewport[];
}

export interface CornerstoneCore {
  getRenderingEngines(): CsRenderingEngine[];
  getEnabledElementByViewportId?(viewportId: string): { viewport: CsViewport } | undefined;
  cache: { getImage(imageId: string): CsImage | undefined };
  imageLoader: { loadAndCacheImage(imageId: string): Promise<CsImage> };
  metaData: { get(type: string, imageId: string): any };
  utilities: {
    worldToImageCoords(imageId: string, world: Point3): Point2;
    imageToWorldCoords(imageId: string, image: Point2): Point3;
  };
  Enums: { Events: Record<string, string> };
  /** Where cornerstone announces, e.g., ELEMENT_ENABLED ({ element, viewportId }). */
  eventTarget: EventTarget;
}

export interface CsToolGroup {
  id: string;
  hasTool(toolName: string): boolean;
  addTool(toolName: string, configuration?: Record<string, unknown>): void;
  setToolActive(toolName: string, options?: { bindings: Array<{ mouseButton: number; modifierKey?: number }> }): void;
  setToolPassive(toolName: string): void;
  setToolDisabled(toolName: string): void;
  getActivePrimaryMouseButtonTool(): string | undefined;
  getToolConfiguration(toolName: string): any;
}

export interface CornerstoneTools {
  BaseTool: new (toolProps: Record<string, unknown>, defaultToolProps: Record<string, unknown>) => object;
  addTool(toolClass: unknown): void;
  state: { tools: Record<string, unknown> };
  ToolGroupManager: { getToolGroup(id: string): CsToolGroup | undefined; getAllToolGroups(): CsToolGroup[] };
  Enums: { MouseBindings: Record<string, number>; KeyboardBindings: Record<string, number> };
  segmentation: {
    getLabelmapImageIdsForImageId(imageId: string, segmentationId: string): string[] | undefined;
    triggerSegmentationEvents: { triggerSegmentationDataModified(segmentationId: string, slices?: number[], segmentIndex?: number): void };
    state: { getSegmentation(segmentationId: string): any };
  };
}

declare global {
  interface Window {
    cornerstone?: CornerstoneCore;
    cornerstoneTools?: CornerstoneTools;
  }
}

/** The host's cornerstone3D core; throws when extension-cornerstone has not initialised yet. */
export function cs(): CornerstoneCore {
  const core = window.cornerstone;
  if (!core) throw new Error('window.cornerstone is not set: has @ohif/extension-cornerstone initialised?');
  return core;
}

export function csTools(): CornerstoneTools {
  const tools = window.cornerstoneTools;
  if (!tools) throw new Error('window.cornerstoneTools is not set: has @ohif/extension-cornerstone initialised?');
  return tools;
}

/** The cornerstone viewport with this id, in whichever rendering engine holds it. */
export function getViewport(viewportId: string): CsViewport | undefined {
  for (const engine of cs().getRenderingEngines()) {
    const viewport = engine.getViewport(viewportId);
    if (viewport) return viewport;
  }
  return undefined;
}

/**
 * The "SPA point" tool: a cornerstone3D tool whose primary click is a positive SPA point
 * and Shift+primary click a negative one. cornerstone3D is the host's (window), so the
 * class is built at run time on the host's BaseTool and registered once per page.
 */
import { csTools, type CornerstoneTools, type CsToolGroup, type Point2 } from '../cornerstone';

export const SPA_TOOL_NAME = 'SpaPoint';

/** cornerstone3D's MouseBindings.Primary and KeyboardBindings.Shift (checked in 3.13.2). */
const PRIMARY = 1;
const SHIFT = 16;

/** Primary click, and primary click with Shift (a binding must name the modifier to fire with it). */
export const SPA_TOOL_BINDINGS: Array<{ mouseButton: number; modifierKey?: number }> = [{ mouseButton: PRIMARY }, { mouseButton: PRIMARY, modifierKey: SHIFT }];

/** The tool groups the basic mode creates for 2D viewing. */
export const SPA_TOOL_GROUP_IDS = ['default', 'mpr'];

export interface SpaPointEvent {
  viewportId: string;
  element: HTMLDivElement;
  /** CSS pixels in the viewport's canvas. */
  canvasPoint: Point2;
  positive: boolean;
}

type PointHandler = (event: SpaPointEvent) => void;

let handler: PointHandler | null = null;
let registeredClass: unknown = null;

/** Where the tool sends its points (the commands module sets it on mode entry, clears it on exit). */
export function setSpaPointHandler(next: PointHandler | null): void {
  handler = next;
}

interface MouseDownDetail {
  viewportId: string;
  element: HTMLDivElement;
  currentPoints: { canvas: Point2 };
  event: MouseEvent;
}

function createToolClass(tools: CornerstoneTools): unknown {
  const Base = tools.BaseTool as unknown as new (props: object, defaults: object) => object;
  class SpaPointTool extends Base {
    static toolName = SPA_TOOL_NAME;

    constructor(toolProps: object = {}) {
      super(toolProps, { supportedInteractionTypes: ['Mouse'], configuration: {} });
    }

    /** Takes the click (returns true so that no other tool acts on it). */
    preMouseDownCallback = (evt: CustomEvent<MouseDownDetail>): boolean => {
      const { viewportId, element, currentPoints, event } = evt.detail;
      handler?.({ viewportId, element, canvasPoint: [currentPoints.canvas[0], currentPoints.canvas[1]], positive: !event.shiftKey });
      return true;
    };
  }
  return SpaPointTool;
}

/** Registers the tool class with cornerstone3D (once per page). */
export function registerSpaPointTool(): void {
  const tools = csTools();
  if (registeredClass && tools.state.tools[SPA_TOOL_NAME]) return;
  registeredClass = createToolClass(tools);
  if (!tools.state.tools[SPA_TOOL_NAME]) tools.addTool(registeredClass);
}

/**
 * Adds the tool to a tool group and makes it the active primary tool (the previous one
 * goes passive, as OHIF's setToolActive does); false when the group does not exist.
 */
export function activateSpaPointTool(toolGroup: CsToolGroup | undefined): boolean {
  if (!toolGroup) return false;
  if (!toolGroup.hasTool(SPA_TOOL_NAME)) toolGroup.addTool(SPA_TOOL_NAME);
  const active = toolGroup.getActivePrimaryMouseButtonTool();
  if (active && active !== SPA_TOOL_NAME) toolGroup.setToolPassive(active);
  toolGroup.setToolActive(SPA_TOOL_NAME, { bindings: SPA_TOOL_BINDINGS });
  return true;
}

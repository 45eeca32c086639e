/**
 * SPA's drawings over a viewport: a canvas laid over the cornerstone viewport element,
 * redrawn whenever cornerstone renders the viewport (so it follows scroll, zoom and pan)
 * and whenever SpaService's session or preview changes. Nothing is written into the image
 * or the labelmap; removing the canvas removes every trace.
 *
 * The crop's pixels map to the canvas through cornerstone: three corners of the crop go
 * image -> world (`utilities.imageToWorldCoords`) -> canvas (`viewport.worldToCanvas`), which
 * gives the affine transform the crop bitmaps are drawn with.
 */
import { cs, getViewport, type CsViewport } from '../cornerstone';
import type SpaService from '../services/SpaService';
import type { SpaState, ViewportSession } from '../services/SpaService';
import { candidateRgb, cssColour, heatmapRGBA, maskRGBA, RECOMMENDATION_RGB } from '../utils/maskDrawing';

const OVERLAY_ATTR = 'data-spa-overlay';

class ViewportOverlay {
  readonly viewportId: string;
  private element: HTMLDivElement | null = null;
  private canvas: HTMLCanvasElement | null = null;
  private bitmap = document.createElement('canvas');
  private readonly onRendered = () => this.draw();
  private session: ViewportSession | null = null;
  private state: SpaState | null = null;

  constructor(viewportId: string) {
    this.viewportId = viewportId;
  }

  private frame = 0;

  /** New state: redrawn at the next animation frame (several changes in one frame draw once). */
  update(session: ViewportSession | null, state: SpaState): void {
    this.session = session;
    this.state = state;
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.attach();
      this.draw();
    });
  }

  /** Follows the viewport element (OHIF may replace it, e.g. on a layout change). */
  private attach(): void {
    const viewport = safeViewport(this.viewportId);
    const element = viewport?.element ?? null;
    if (element === this.element) return;
    this.detach();
    if (!element) return;
    const canvas = document.createElement('canvas');
    canvas.setAttribute(OVERLAY_ATTR, this.viewportId);
    Object.assign(canvas.style, { position: 'absolute', inset: '0', width: '100%', height: '100%', pointerEvents: 'none', zIndex: '5' });
    element.appendChild(canvas);
    element.addEventListener(cs().Enums.Events.IMAGE_RENDERED, this.onRendered);
    this.element = element;
    this.canvas = canvas;
  }

  private detach(): void {
    if (this.element) this.element.removeEventListener(cs().Enums.Events.IMAGE_RENDERED, this.onRendered);
    this.canvas?.remove();
    this.element = null;
    this.canvas = null;
  }

  destroy(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
    this.detach();
  }

  draw(): void {
    const canvas = this.canvas;
    const element = this.element;
    if (!canvas || !element) return;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.round(element.clientWidth * dpr);
    const height = Math.round(element.clientHeight * dpr);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const session = this.session;
    const result = session?.result;
    const viewport = safeViewport(this.viewportId);
    if (!session || !result || !viewport || viewport.getCurrentImageId?.() !== session.imageId || !this.state) return;

    const size = result.cropSizePx;
    const { row: r0, col: c0 } = result.cropOriginPx;
    const toCanvas = (x: number, y: number) => viewport.worldToCanvas(cs().utilities.imageToWorldCoords(session.imageId, [x, y]));
    const p0 = toCanvas(c0, r0);
    const px = toCanvas(c0 + size, r0);
    const py = toCanvas(c0, r0 + size);
    const cropTransform = () =>
      ctx.setTransform(
        (dpr * (px[0] - p0[0])) / size,
        (dpr * (px[1] - p0[1])) / size,
        (dpr * (py[0] - p0[0])) / size,
        (dpr * (py[1] - p0[1])) / size,
        dpr * p0[0],
        dpr * p0[1]
      );
    const paint = (rgba: Uint8ClampedArray) => {
      this.bitmap.width = size;
      this.bitmap.height = size;
      this.bitmap.getContext('2d')!.putImageData(new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, size, size), 0, 0);
      cropTransform();
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(this.bitmap, 0, 0);
    };

    if (this.state.showUncertainty) paint(heatmapRGBA(result.uncertaintyHW, size));
    const preview = this.state.preview?.viewportId === this.viewportId ? this.state.preview.target : null;
    const candidate = typeof preview === 'number' ? result.candidates[preview] : undefined;
    if (candidate) paint(maskRGBA(candidate.maskHW, size, candidateRgb(preview as number), 0.35));
    else paint(maskRGBA(result.recommendationHW, size, RECOMMENDATION_RGB, preview === 'recommendation' ? 0.35 : 0.12));

    // Click markers in screen space: green +, red -.
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    for (const click of result.clicks) {
      const [x, y] = toCanvas(click.col + 0.5, click.row + 0.5);
      ctx.beginPath();
      ctx.arc(x, y, 4, 0, 2 * Math.PI);
      ctx.fillStyle = click.positive ? cssColour([34, 197, 94]) : cssColour([239, 68, 68]);
      ctx.strokeStyle = 'black';
      ctx.lineWidth = 1;
      ctx.fill();
      ctx.stroke();
    }
  }
}

function safeViewport(viewportId: string): CsViewport | undefined {
  try {
    return getViewport(viewportId);
  } catch {
    return undefined;
  }
}

/** One overlay per viewport that has an SPA session; follows SpaService. */
export class OverlayManager {
  private overlays = new Map<string, ViewportOverlay>();
  private subscription: { unsubscribe(): void } | null = null;
  /** A viewport got a new element (e.g. after a layout change): move its overlay there. */
  private readonly onElementEnabled = (evt: Event) => {
    const { viewportId } = (evt as CustomEvent<{ viewportId?: string }>).detail ?? {};
    const session = viewportId ? this.spaService.getState().sessions[viewportId] : undefined;
    if (viewportId && session) this.overlays.get(viewportId)?.update(session, this.spaService.getState());
  };

  constructor(private readonly spaService: SpaService) {
    this.subscription = spaService.subscribe(spaService.EVENTS.STATE_CHANGED, (state: SpaState) => this.sync(state));
    cs().eventTarget.addEventListener(cs().Enums.Events.ELEMENT_ENABLED, this.onElementEnabled);
    this.sync(spaService.getState());
  }

  private sync(state: SpaState): void {
    for (const [id, overlay] of this.overlays) {
      if (!state.sessions[id]) {
        overlay.destroy();
        this.overlays.delete(id);
      }
    }
    for (const [id, session] of Object.entries(state.sessions)) {
      let overlay = this.overlays.get(id);
      if (!overlay) {
        overlay = new ViewportOverlay(id);
        this.overlays.set(id, overlay);
      }
      overlay.update(session, state);
    }
  }

  destroy(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
    cs().eventTarget.removeEventListener(cs().Enums.Events.ELEMENT_ENABLED, this.onElementEnabled);
    this.overlays.forEach(o => o.destroy());
    this.overlays.clear();
  }
}

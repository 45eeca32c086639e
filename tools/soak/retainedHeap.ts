/**
 * The JS heap a page retains: full GCs (Chromium with --js-flags=--expose-gc) until
 * `performance.memory.usedJSHeapSize` (precise with --enable-precise-memory-info) stops
 * falling. A fixed two passes was not enough: garbage that only finalisers or weak references
 * free can take a third, and a sample left 2-5 MB high (10-20 % of the soak page's heap)
 * read as a leak.
 *
 * Self-contained (no imports, no outer names): the soak page calls it, and the viewer soak
 * hands it to Playwright's page.evaluate, which sends only its source to the page (the default
 * of `maxPasses` travels with it).
 */
export async function retainedHeap(maxPasses = 8): Promise<{ usedJSHeapSize: number; totalJSHeapSize: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  // performance.memory is a snapshot object: read it afresh after each collection.
  const read = () => {
    const memory = (performance as unknown as { memory?: { usedJSHeapSize: number; totalJSHeapSize: number } }).memory;
    return { usedJSHeapSize: memory?.usedJSHeapSize ?? NaN, totalJSHeapSize: memory?.totalJSHeapSize ?? NaN };
  };
  let heap = read();
  for (let pass = 0; pass < maxPasses; pass++) {
    // A task boundary first, so that settled promises and finalisers have run.
    await new Promise(resolve => setTimeout(resolve, 10));
    gc?.();
    const previous = heap.usedJSHeapSize;
    heap = read();
    if (pass > 0 && !(heap.usedJSHeapSize < previous)) break;
  }
  return heap;
}

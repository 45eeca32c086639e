/**
 * The served runtime as the engine will use it: onnxruntime-web's wasm build imported from
 * /onnxruntime-web/, in a cross-origin-isolated page (so 2 threads are real), running the
 * shipped model from /models/ with the shapes its contract states.
 */
import { viewerAndBrowser } from './harness';

const env = viewerAndBrowser();

test('onnxruntime-web runs the shipped model with 2 threads in the served page', async () => {
  const { page, errors } = env.browser;
  errors.length = 0;
  await page.goto(`${env.server.url}/models/spa-lidc.json`);
  // Plain JavaScript evaluated in the page (kept out of Babel, which would rewrite import()).
  const result = (await page.evaluate(`(async () => {
    const ort = await import('/onnxruntime-web/ort.wasm.min.mjs');
    ort.env.wasm.wasmPaths = '/onnxruntime-web/';
    ort.env.wasm.numThreads = 2;
    const contract = await (await fetch('/models/spa-lidc.json')).json();
    const bytes = new Uint8Array(await (await fetch('/models/' + contract.file)).arrayBuffer());
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const S = contract.cropSizePx;
    const out = await session.run({
      [contract.inputs.image.name]: new ort.Tensor('float32', new Float32Array(S * S), [1, 1, S, S]),
      [contract.inputs.clicks.name]: new ort.Tensor('float32', new Float32Array(2 * S * S), [1, 2, S, S]),
    });
    await session.release();
    const expected = {};
    const actual = {};
    for (const o of Object.values(contract.outputs)) {
      expected[o.name] = o.shape.map(d => (d === 'batch' ? 1 : d));
      actual[o.name] = out[o.name] && Array.from(out[o.name].dims);
    }
    return { isolated: globalThis.crossOriginIsolated, threads: ort.env.wasm.numThreads, expected, actual };
  })()`)) as { isolated: boolean; threads: number; expected: object; actual: object };
  expect(result.isolated).toBe(true);
  expect(result.threads).toBe(2);
  expect(result.actual).toEqual(result.expected);
  expect(errors).toEqual([]);
});

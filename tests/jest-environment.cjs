/**
 * jest's Node environment runs each test file in its own VM context, so typed arrays
 * created by test code come from a different realm than the ones native addons see.
 * onnxruntime-node rejects those ("data must be type of function Float32Array").
 * This environment hands the test context the real (outer-realm) constructors.
 */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class SharedTypedArrayEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) {
      if (typeof globalThis[name] === 'function') this.global[name] = globalThis[name];
    }
  }
}

module.exports = SharedTypedArrayEnvironment;

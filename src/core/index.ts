/** SPA core: framework-free model I/O, sampling, clustering, preference update and pre/post-processing. */
export * from './contract';
export * from './ensemble';
export * from './errors';
export * from './masks';
export * from './model';
export * from './preference';
export * from './preprocess';
export * from './random';
export * from './sampling';
export * from './clustering';
export * from './session';
export * from './types';
export * from './imageSupport';

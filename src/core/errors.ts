/** Errors the SPA core raises; each says what happened and what the user can do. */

export type ModelLoadProblem = 'missing' | 'corrupt' | 'unknown-contract' | 'checksum' | 'runtime';

export class ModelLoadError extends Error {
  readonly problem: ModelLoadProblem;
  readonly file: string;

  constructor(problem: ModelLoadProblem, file: string, detail: string) {
    super(`Model file ${file}: ${detail}`);
    this.name = 'ModelLoadError';
    this.problem = problem;
    this.file = file;
  }
}

export type InputProblem =
  | 'click-outside-image'
  | 'click-outside-crop'
  | 'unsupported-image'
  | 'missing-spacing'
  | 'no-session'
  | 'bad-choice'
  | 'bad-profile';

export class SpaInputError extends Error {
  readonly problem: InputProblem;

  constructor(problem: InputProblem, message: string) {
    super(message);
    this.name = 'SpaInputError';
    this.problem = problem;
  }
}

/** Command-line options and data selection shared by the evaluation harnesses (`npm run eval`, `npm run eval:propagation`). */
import { readFileSync } from 'node:fs';

export interface CommonOptions {
  /** A folder laid out like ../shared/data/lidc-crops. */
  data: string;
  out?: string;
  /** A split JSON (`<subset>_patients` lists) and which of its subsets to keep. */
  split?: string;
  subset: 'val' | 'train';
  /** Another model folder than models/. */
  models?: string;
  limit?: number;
}

/**
 * Parses `--key value` pairs into `args`: the common options, the non-negative integers named
 * in `integers`, and whatever `other` takes (it returns false for a key it does not know).
 * `usage` lists the options in the error for an unknown one.
 */
export function parseOptions<T extends CommonOptions>(
  argv: string[],
  args: T,
  integers: readonly string[],
  usage: string,
  other: (key: string, value: string) => boolean = () => false
): T {
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    const value = argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    if (key === 'data' || key === 'out' || key === 'split' || key === 'models') args[key] = value;
    else if (key === 'subset') {
      if (value !== 'val' && value !== 'train') throw new Error(`--subset must be val or train, got "${value}"`);
      args.subset = value;
    } else if (integers.includes(key)) {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${key} must be a non-negative integer, got "${value}"`);
      (args as unknown as Record<string, number>)[key] = n;
    } else if (!other(key, value)) throw new Error(`unknown option --${key}; options: ${usage}`);
  }
  if (!args.data) throw new Error('--data <dir> is required (a folder laid out like ../shared/data/lidc-crops)');
  return args;
}

/** The patients of `--subset` in `--split`, or undefined (every patient) without a split. */
export function splitPatients(options: CommonOptions): Set<string> | undefined {
  return options.split ? new Set<string>(JSON.parse(readFileSync(options.split, 'utf8'))[`${options.subset}_patients`]) : undefined;
}

/** `--limit` items evenly spaced over `items` (all of them without a limit), so that a quick run sees every part of the data. */
export function evenlySpaced<T>(items: T[], limit?: number): T[] {
  if (!limit || limit >= items.length) return items;
  return Array.from({ length: limit }, (_, i) => items[Math.floor((i * items.length) / limit)]);
}

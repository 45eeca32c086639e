import { SeededRandom } from './random';

/** Tolerances below are about 5 standard errors of the estimate for the given number of draws. */
const DRAWS = 100_000;

function draws(rng: SeededRandom, n: number, f: (r: SeededRandom) => number): number[] {
  return Array.from({ length: n }, () => f(rng));
}

describe('SeededRandom', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = draws(new SeededRandom(42), 50, r => r.next());
    const b = draws(new SeededRandom(42), 50, r => r.next());
    const c = draws(new SeededRandom(43), 50, r => r.next());
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
    // Not just a shifted copy of the other stream: the two share (almost) no values.
    expect(c.filter(v => a.includes(v)).length).toBeLessThan(3);
    // normal() and categorical() are deterministic too, including the cached Box-Muller value.
    expect(draws(new SeededRandom(7), 21, r => r.normal())).toEqual(draws(new SeededRandom(7), 21, r => r.normal()));
    const w = [0.2, 0.5, 0.3];
    expect(draws(new SeededRandom(9), 40, r => r.categorical(w))).toEqual(draws(new SeededRandom(9), 40, r => r.categorical(w)));
  });

  it('treats seeds modulo 2^32 and does not get stuck on seed 0', () => {
    expect(draws(new SeededRandom(5 + 2 ** 32), 10, r => r.next())).toEqual(draws(new SeededRandom(5), 10, r => r.next()));
    const zero = draws(new SeededRandom(0), 1000, r => r.next());
    expect(new Set(zero).size).toBeGreaterThan(990);
  });

  it('draws uniformly in [0, 1)', () => {
    const rng = new SeededRandom(2024);
    const u = draws(rng, DRAWS, r => r.next());
    expect(u.every(v => v >= 0 && v < 1)).toBe(true);
    const mean = u.reduce((s, v) => s + v, 0) / DRAWS;
    const variance = u.reduce((s, v) => s + (v - mean) ** 2, 0) / DRAWS;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005); // se 0.0009
    expect(Math.abs(variance - 1 / 12)).toBeLessThan(0.002); // se 0.0003
    // Ten equal bins each hold about a tenth (binomial se 0.00095).
    const bins = new Array(10).fill(0);
    u.forEach(v => bins[Math.floor(v * 10)]++);
    bins.forEach(b => expect(Math.abs(b / DRAWS - 0.1)).toBeLessThan(0.005));
    // Successive values are uncorrelated.
    let cov = 0;
    for (let i = 1; i < DRAWS; i++) cov += (u[i] - mean) * (u[i - 1] - mean);
    expect(Math.abs(cov / (DRAWS - 1) / variance)).toBeLessThan(0.02); // se 0.003
  });

  it('draws standard normals: mean 0, variance 1, the 68/95 rule, and uncorrelated pairs', () => {
    const rng = new SeededRandom(11);
    const z = draws(rng, DRAWS, r => r.normal());
    expect(z.every(Number.isFinite)).toBe(true);
    const mean = z.reduce((s, v) => s + v, 0) / DRAWS;
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / DRAWS;
    expect(Math.abs(mean)).toBeLessThan(0.02); // se 0.0032
    expect(Math.abs(variance - 1)).toBeLessThan(0.025); // se 0.0045
    const within1 = z.filter(v => Math.abs(v) < 1).length / DRAWS;
    const within196 = z.filter(v => Math.abs(v) < 1.959964).length / DRAWS;
    expect(Math.abs(within1 - 0.682689)).toBeLessThan(0.0075); // se 0.0015
    expect(Math.abs(within196 - 0.95)).toBeLessThan(0.0035); // se 0.0007
    // Box-Muller returns pairs (cos, sin) from one draw: the pair members must be uncorrelated.
    let pairCov = 0;
    for (let i = 0; i + 1 < DRAWS; i += 2) pairCov += z[i] * z[i + 1];
    expect(Math.abs(pairCov / (DRAWS / 2))).toBeLessThan(0.025); // se 0.0045
  });

  it('draws categorical indices with frequencies proportional to unnormalised weights', () => {
    const rng = new SeededRandom(3);
    const weights = [1, 2, 0, 3, 4]; // sum 10; index 2 must never come up
    const counts = new Array(weights.length).fill(0);
    for (let i = 0; i < DRAWS; i++) counts[rng.categorical(weights)]++;
    expect(counts[2]).toBe(0);
    weights.forEach((w, i) => expect(Math.abs(counts[i] / DRAWS - w / 10)).toBeLessThan(0.0075)); // se <= 0.0016
  });

  it('always returns the only non-zero weight, and works with typed arrays', () => {
    const rng = new SeededRandom(8);
    const one = Float64Array.from([0, 0, 5, 0]);
    expect(new Set(draws(rng, 1000, r => r.categorical(one)))).toEqual(new Set([2]));
  });
});

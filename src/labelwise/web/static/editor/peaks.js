// Min/max peaks of decoded audio, as a pyramid: level 0 holds the min and max of every BASE samples
// (all channels together), each next level halves the previous one. Building it is one pass over the
// samples, in slices that yield to the page between them (an hour at 8 kHz is 28.8M samples), and is
// done once per file; a pixel column of any zoom then reduces one or two blocks of the right level.

const BASE = 8; // samples per level-0 block
const SLICE = 1 << 19; // samples per slice between yields (a multiple of BASE)

const pause = () => new Promise((resolve) => setTimeout(resolve, 0));

// `buffer` is an AudioBuffer; `progress(fraction)` is told after each slice; `cancelled()` stops early
// (returns null). Resolves to the list of levels [{size, min, max}], finest first.
export async function buildPeaks(buffer, progress = () => {}, cancelled = () => false) {
  const channels = [];
  for (let c = 0; c < buffer.numberOfChannels; c += 1) channels.push(buffer.getChannelData(c));
  const n = buffer.length;
  const count = Math.max(1, Math.ceil(n / BASE));
  const min = new Float32Array(count);
  const max = new Float32Array(count);
  for (let start = 0; start < n; start += SLICE) {
    const end = Math.min(n, start + SLICE);
    for (let i = start; i < end; i += BASE) {
      const stop = Math.min(end, i + BASE);
      let lo = Infinity;
      let hi = -Infinity;
      for (const data of channels) {
        for (let j = i; j < stop; j += 1) {
          const v = data[j];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
      min[i / BASE] = lo;
      max[i / BASE] = hi;
    }
    progress(end / n);
    await pause();
    if (cancelled()) return null;
  }
  const levels = [{ size: BASE, min, max }];
  for (let prev = levels[0]; prev.min.length > 1; prev = levels[levels.length - 1]) {
    const length = Math.ceil(prev.min.length / 2);
    const lo = new Float32Array(length);
    const hi = new Float32Array(length);
    const last = prev.min.length - 1;
    for (let k = 0; k < length; k += 1) {
      const a = 2 * k;
      const b = Math.min(a + 1, last);
      lo[k] = Math.min(prev.min[a], prev.min[b]);
      hi[k] = Math.max(prev.max[a], prev.max[b]);
    }
    levels.push({ size: prev.size * 2, min: lo, max: hi });
  }
  return levels;
}

// [min, max] of samples [a, b) (fractional sample positions), from the coarsest level whose blocks
// are no wider than the range; [Infinity, -Infinity] outside the recording.
export function peakAt(levels, a, b) {
  const span = Math.max(0, b - a);
  let level = levels[0];
  for (const candidate of levels) {
    if (candidate.size <= span) level = candidate;
    else break;
  }
  const length = level.min.length;
  const first = Math.max(0, Math.floor(a / level.size));
  const stop = Math.min(length, Math.max(first + 1, Math.ceil(b / level.size)));
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = first; i < stop; i += 1) {
    if (level.min[i] < lo) lo = level.min[i];
    if (level.max[i] > hi) hi = level.max[i];
  }
  return [lo, hi];
}

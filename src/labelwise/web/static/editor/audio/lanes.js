// Which stored values are segments, and the lanes overlapping segments are drawn in: pure functions of
// the values, shared by the state (its segment list), the drawing and the tag's instance.

export function validSegment(value) {
  return value && Number.isFinite(value.start) && Number.isFinite(value.end) && value.end >= value.start;
}

// Greedy lanes: a segment goes to the first lane whose last segment ended before it starts.
export function lanesOf(regions) {
  const sorted = [...regions].sort((a, b) => a.value.start - b.value.start || a.value.end - b.value.end);
  const ends = [];
  const lane = new Map();
  for (const item of sorted) {
    let index = ends.findIndex((end) => end <= item.value.start);
    if (index < 0) {
      index = ends.length;
      ends.push(0);
    }
    ends[index] = item.value.end;
    lane.set(item.id, index);
  }
  return { lane, count: Math.max(1, ends.length) };
}

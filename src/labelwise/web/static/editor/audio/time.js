// Times as the audio tag shows them (toolbar clock, ruler, segment titles, the regions list) and as it
// stores them (seconds rounded to 0.1 ms), in one place so every part writes them alike.

export const round = (t) => Math.round(t * 10000) / 10000;

export function clock(t) {
  const safe = Math.max(0, Number.isFinite(t) ? t : 0);
  const minutes = Math.floor(safe / 60);
  const seconds = safe - minutes * 60;
  const hours = Math.floor(minutes / 60);
  const mm = hours ? String(minutes % 60).padStart(2, "0") : String(minutes);
  return `${hours ? `${hours}:` : ""}${mm}:${seconds.toFixed(3).padStart(6, "0")}`;
}

// A short time for lists: "1.25s" under a minute, else "2:05.3" (the list column is narrow).
export function shortTime(t) {
  const safe = Math.max(0, Number.isFinite(t) ? t : 0);
  if (safe < 60) return `${safe.toFixed(2)}s`;
  const text = clock(safe);
  return text.slice(0, text.length - 2);
}

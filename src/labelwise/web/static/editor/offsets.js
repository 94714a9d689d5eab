// Span offsets are stored as Python string indices (code points); the DOM counts UTF-16 units. These
// helpers convert between the two without copying the text, so a span near the end of a 1 MB text costs
// one pass over a chunk, not over the whole text.

export function isHighSurrogate(code) {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code) {
  return code >= 0xdc00 && code <= 0xdfff;
}

// Number of code points in text[from:to] (UTF-16 indices).
export function cpCount(text, from = 0, to = text.length) {
  let count = 0;
  for (let i = from; i < to; i += 1) {
    if (!(isLowSurrogate(text.charCodeAt(i)) && i > from && isHighSurrogate(text.charCodeAt(i - 1)))) count += 1;
  }
  return count;
}

// UTF-16 index of code point `cp` in text, counting from UTF-16 index `from`.
export function utf16Index(text, cp, from = 0) {
  let i = from;
  let seen = 0;
  while (seen < cp && i < text.length) {
    i += isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1)) ? 2 : 1;
    seen += 1;
  }
  return i;
}

export const toUtf16 = (text, cp) => utf16Index(text, cp);
export const toCodePoints = (text, u16) => cpCount(text, 0, u16);

// Python's len(text).
export function cpLength(text) {
  return cpCount(text);
}

// text[start:end] in code points, as Python slices it.
export function cpSlice(text, start, end) {
  const a = utf16Index(text, start);
  const b = utf16Index(text, end - start, a);
  return text.slice(a, b);
}

// Never leave a UTF-16 index inside a surrogate pair.
export function snapUtf16(text, index) {
  if (index > 0 && index < text.length && isLowSurrogate(text.charCodeAt(index)) && isHighSurrogate(text.charCodeAt(index - 1))) return index - 1;
  return index;
}

// Word boundaries for granularity="word": grow [a, b) (UTF-16 indices into `text`) to whole words, after
// trimming the spaces and punctuation at its ends. Returns null when only spaces were selected.
const WORD = /[\p{L}\p{N}\p{M}_'’]/u;

function charAt(text, i) {
  return String.fromCodePoint(text.codePointAt(i));
}

function before(text, i) {
  return i >= 2 && isLowSurrogate(text.charCodeAt(i - 1)) && isHighSurrogate(text.charCodeAt(i - 2)) ? i - 2 : i - 1;
}

function after(text, i) {
  return isHighSurrogate(text.charCodeAt(i)) && isLowSurrogate(text.charCodeAt(i + 1)) ? i + 2 : i + 1;
}

export function snapToWords(text, a, b) {
  let s = a;
  let e = b;
  while (s < e && !WORD.test(charAt(text, s))) s = after(text, s);
  while (e > s && !WORD.test(charAt(text, before(text, e)))) e = before(text, e);
  if (s >= e) {
    // Nothing word-like (an emoji, punctuation): keep the selection without its surrounding spaces.
    s = a;
    e = b;
    while (s < e && /\s/u.test(charAt(text, s))) s = after(text, s);
    while (e > s && /\s/u.test(charAt(text, before(text, e)))) e = before(text, e);
    return s < e ? [s, e] : null;
  }
  while (s > 0 && WORD.test(charAt(text, before(text, s)))) s = before(text, s);
  while (e < text.length && WORD.test(charAt(text, e))) e = after(text, e);
  return [s, e];
}

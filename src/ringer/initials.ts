/** Up to two initials for the caller's avatar: "Ada Lovelace" → "AL"; the first character when no word starts with a letter or digit. */
export function initials(name: string): string {
  const firsts = name
    .trim()
    .split(/\s+/)
    .map((word) => Array.from(word)[0] ?? '')
    .filter((c) => /[\p{L}\p{N}]/u.test(c));
  const picked = firsts.length > 1 ? [firsts[0], firsts[firsts.length - 1]] : firsts.length ? firsts : [Array.from(name.trim())[0] ?? ''];
  return picked.join('').toLocaleUpperCase();
}

/**
 * Phone numbers as the phonebook compares them. A caller id may arrive as
 * "+44 20 7946 0018", "0044207946 0018" or "020 7946 0018" for the same line;
 * the PBX and the address book rarely agree on a format. We keep the digits,
 * read 00 as +, and match on the last MATCH_DIGITS digits — enough to tell
 * subscribers apart, short enough to ignore country and trunk prefixes.
 * Internal extensions (short numbers) must match exactly.
 */

export const MATCH_DIGITS = 9;

/** "+44 (0)20 7946-0018" → "+442079460018"; letters and separators go. */
export function canonicalNumber(raw: string): string {
  let text = raw.trim().replace(/^tel:/i, '');
  // "(0)" in an international number is the trunk prefix, dialled only at home.
  if (/^\+/.test(text)) text = text.replace(/\(0\)/g, '');
  const plus = /^\s*(\+|00)/.exec(text);
  const digits = text.replace(/[^0-9*#]/g, '');
  if (plus?.[1] === '+') return `+${digits}`;
  if (plus?.[1] === '00') return `+${digits.slice(2)}`;
  return digits;
}

/** The key two numbers share when they are the same line; '' for no digits at all. */
export function matchKey(raw: string): string {
  const digits = canonicalNumber(raw).replace(/[^0-9]/g, '');
  return digits.length <= MATCH_DIGITS ? digits : digits.slice(-MATCH_DIGITS);
}

/** Whether a search text is mostly a number (then search by digits, not by name). */
export function looksLikeNumber(text: string): boolean {
  const digits = text.replace(/[^0-9]/g, '').length;
  return digits >= 2 && digits >= text.replace(/[\s()+.-]/g, '').length - 1;
}

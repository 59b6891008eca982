/**
 * Text from clients, made safe to show: control and bidi characters become visible marks instead
 * of acting. An ANSI escape, a CR or LF, or a U+202E (right-to-left override) in a customer's name
 * would otherwise recolour, break or reverse what the page shows next to it.
 *
 * - C0 controls and DEL become their Unicode control pictures: ESC is `␛`, CR `␍`, LF `␊`.
 * - C1 controls, bidi marks, embeddings, overrides and isolates, and other invisible format
 *   characters become `⟨U+XXXX⟩`.
 *
 * @example visible('Ada\u202Eecal') === 'Ada⟨U+202E⟩ecal'
 */

// C0, DEL and C1; soft hyphen; Arabic letter mark; Mongolian vowel separator; zero-width space
// and the directional marks (U+200B, U+200E, U+200F; not the joiners U+200C and U+200D, which
// emoji and several scripts need); line and paragraph separators, embeddings and overrides
// (U+2028–U+202E); word joiner, invisible operators and isolates (U+2060–U+206F); the BOM;
// interlinear annotation marks; tag characters.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/gu;

/** `text` with every control or bidi character replaced by a visible mark. */
export function visible(text: string): string {
  return text.replace(UNSAFE, mark);
}

function mark(char: string): string {
  const code = char.codePointAt(0)!;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  if (code === 0x7f) return '\u2421';
  return `⟨U+${code.toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

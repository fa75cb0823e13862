/** Text that reaches a terminal or a JSON answer as one line. */

/** Whitespace, line breaks included, folded to single spaces. */
export const oneLine = (text: string): string => text.replace(/\s+/g, " ").trim();

/** One sentence: one line, ending with a full stop (or the mark it already has). */
export function sentence(text: string): string {
  const line = oneLine(text);
  return /[.!?]$/.test(line) ? line : `${line}.`;
}

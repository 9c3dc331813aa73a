// Text that another party controls (key names from the server, its error messages, a
// command name) is written to a terminal. Escaping control, bidirectional and line
// separator characters keeps it from moving the cursor, rewriting earlier lines or
// reordering the text on screen.
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const MAX_SERVER_TEXT_LENGTH = 500;

function escapeCharacter(character: string): string {
  return `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Quotes a name for a message, so that an empty name or one with spaces stays visible. */
export function quoteName(name: string): string {
  return `"${name.replace(/["\\]/g, '\\$&').replace(UNSAFE_CHARACTERS, escapeCharacter)}"`;
}

/** Escapes free text sent by the server and shortens it to a size that fits a message. */
export function sanitizeServerText(text: string): string {
  const shortened =
    text.length > MAX_SERVER_TEXT_LENGTH ? `${text.slice(0, MAX_SERVER_TEXT_LENGTH)}...` : text;
  return shortened.replace(UNSAFE_CHARACTERS, escapeCharacter);
}

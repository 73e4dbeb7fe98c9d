/**
 * A reaction key's emoji in one form, so that what looks like one emoji is one key (red team 4:
 * 👍 followed by invisible tag characters was a key of its own that drew as 👍).
 *
 * The form is Unicode's fully-qualified one, as its RGI set (`\p{RGI_Emoji}`) lists it: a
 * variation selector 16 (U+FE0F, "draw as emoji") is dropped where the character is drawn as
 * emoji anyway and added where it is not, except before a skin tone; "👍" and the picker's "👍️"
 * are then one key, as are "❤" and "❤️". What is not then one RGI emoji is no emoji: tag
 * characters anywhere but a subdivision flag, joiners or invisible characters at either end, two
 * emoji in one key. Every emoji of the widget's picker (emojibase, Emoji 15.0) has a form.
 */
// Made at run time: TypeScript refuses the `v` flag's literal below an es2024 target; Node 20 has the flag.
// biome-ignore lint/complexity/useRegexLiterals: a literal with the `v` flag does not compile below es2024.
const RGI = new RegExp("^\\p{RGI_Emoji}$", "v");
/** An emoji character drawn as text unless a VS16 follows (©, ❤, the digits of keycaps). */
const TEXT_DEFAULT = /^(?=\p{Emoji})\P{Emoji_Presentation}$/u;
const SKIN_TONE = /^\p{Emoji_Modifier}$/u;
const VS16 = "\uFE0F";

/** `s` as one fully-qualified RGI emoji, or null when it is not one emoji. */
export function canonicalEmoji(s: string): string | null {
  const chars = [...s].filter((c) => c !== VS16);
  let out = "";
  chars.forEach((c, i) => {
    out += c;
    if (TEXT_DEFAULT.test(c) && !SKIN_TONE.test(chars[i + 1] ?? "")) out += VS16;
  });
  return RGI.test(out) ? out : null;
}

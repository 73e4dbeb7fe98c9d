/*
 * Bytes to text the way a browser would pick the encoding, in its order: a byte order mark, the
 * Content-Type header's charset, a <meta charset> (or http-equiv) near the start, else UTF-8
 * (the web's default today; a browser would guess windows-1252, a rarer case now). TextDecoder
 * knows the WHATWG labels: "latin1" and "iso-8859-1" both decode as windows-1252, as browsers do.
 */

/** Bytes a <meta charset> must lie within (the HTML standard's prescan window). */
const PRESCAN_BYTES = 1024;

const META_CHARSET = /<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)/i;

/** The page's text, decoded by the encoding it declares (UTF-8 when none or an unknown one). */
export function decodeHtml(body: Buffer, headerCharset: string | null): string {
  const label = bomLabel(body) ?? headerCharset ?? metaCharset(body) ?? "utf-8";
  const decoder = decoderFor(label);
  return decoder.encoding === "windows-1252" ? windows1252(body) : decoder.decode(body);
}

/**
 * windows-1252 by hand: Node 20's TextDecoder takes it for ISO-8859-1 and turns 0x80–0x9F into C1
 * controls (so "€" would vanish with the other controls). Undefined bytes stay as their C1 code.
 */
const CP1252_HIGH = "€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8dŽ\x8f\x90‘’“”•–—˜™š›œ\x9džŸ";

function windows1252(body: Buffer): string {
  return body.toString("latin1").replace(/[\x80-\x9f]/g, (c) => CP1252_HIGH[c.charCodeAt(0) - 0x80]!);
}

function bomLabel(body: Buffer): string | null {
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) return "utf-8";
  if (body[0] === 0xfe && body[1] === 0xff) return "utf-16be";
  if (body[0] === 0xff && body[1] === 0xfe) return "utf-16le";
  return null;
}

function metaCharset(body: Buffer): string | null {
  const label = META_CHARSET.exec(body.subarray(0, PRESCAN_BYTES).toString("latin1"))?.[1]?.toLowerCase() ?? null;
  // A page cannot declare UTF-16 in ASCII bytes and mean it (the standard reads it as UTF-8).
  return label?.startsWith("utf-16") ? "utf-8" : label;
}

function decoderFor(label: string): TextDecoder {
  try {
    return new TextDecoder(label);
  } catch {
    return new TextDecoder("utf-8");
  }
}

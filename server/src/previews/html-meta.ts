import { Parser } from "htmlparser2";
import { urlShapeProblem } from "../webhooks/url-guard.js";
import { cleanText, TEXT_LIMITS } from "./text.js";

/** What a page says about itself, cleaned: plain bounded text, an absolute http(s) image URL. */
export interface PageMeta {
  title: string | null;
  description: string | null;
  siteName: string | null;
  imageUrl: string | null;
}

/** Where each field comes from, best first: Open Graph, then Twitter cards, then plain HTML. */
const SOURCES = {
  title: ["og:title", "twitter:title", "<title>"],
  description: ["og:description", "twitter:description", "description"],
  siteName: ["og:site_name", "application-name"],
  // secure_url first: the https twin of og:image when a page gives both.
  image: ["og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src", "<link image_src>"],
} as const;

/** Reads the meta tags, <title>, <base> and image_src of `html`, served from `pageUrl`. */
export function readMeta(html: string, pageUrl: URL): PageMeta {
  const found = collect(html);
  const first = (keys: readonly string[]): string | undefined => keys.map((k) => found.values.get(k)).find((v) => v !== undefined && v.trim() !== "");
  const base = found.base ? absolute(found.base, pageUrl) : null;
  const image = first(SOURCES.image);
  return {
    title: cleanText(first(SOURCES.title), TEXT_LIMITS.title),
    description: cleanText(first(SOURCES.description), TEXT_LIMITS.description),
    siteName: cleanText(first(SOURCES.siteName), TEXT_LIMITS.siteName),
    imageUrl: image === undefined ? null : absolute(image.trim(), base ? new URL(base) : pageUrl),
  };
}

/** `ref` resolved against `against` when it is an acceptable http(s) URL, else null. */
function absolute(ref: string, against: URL): string | null {
  try {
    const href = new URL(ref, against).href;
    return urlShapeProblem(href) ? null : href;
  } catch {
    return null;
  }
}

/** The first value of each meta name or property (lower case), the title's text, the first <base href>. */
function collect(html: string): { values: Map<string, string>; base: string | null } {
  const values = new Map<string, string>();
  let base: string | null = null;
  let title: string | null = null;
  let inTitle = false;
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined && !values.has(key)) values.set(key, value);
  };
  const parser = new Parser(
    {
      onopentag: (name, attrs) => {
        if (name === "meta") {
          const key = (attrs["property"] ?? attrs["name"] ?? "").trim().toLowerCase();
          if (key) set(key, attrs["content"]);
        } else if (name === "title" && title === null) {
          inTitle = true;
          title = "";
        } else if (name === "base" && base === null && attrs["href"]) {
          base = attrs["href"];
        } else if (name === "link" && /(?:^|\s)image_src(?:\s|$)/i.test(attrs["rel"] ?? "")) {
          set("<link image_src>", attrs["href"]);
        }
      },
      ontext: (text) => {
        // Bounded: a page that never closes its title would otherwise grow this to the cap.
        if (inTitle && title !== null && title.length < 20_000) title += text;
      },
      onclosetag: (name) => {
        if (name === "title") inTitle = false;
      },
    },
    { decodeEntities: true },
  );
  parser.end(html);
  if (title !== null) set("<title>", title);
  return { values, base };
}

/**
 * A locale's emoji dataset, made at build time (scripts/build/emoji-data.mjs): rows in the order
 * they are shown, [emoji, group, name, keywords joined by "|", skin variants light to dark?].
 */
declare module "virtual:parley-emoji/*" {
  const rows: Array<[string, number, string, string, string[]?]>;
  export default rows;
}

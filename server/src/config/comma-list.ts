/** The items of a comma-separated setting, trimmed, empty ones dropped. */
export const commaList = (v: string): string[] =>
  v
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

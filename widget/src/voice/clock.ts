/** A length in seconds as m:ss (h:mm:ss past an hour), as the player and the recorder show it. */
export function clock(s: number): string {
  const n = Math.max(0, Math.floor(s));
  const mm = Math.floor(n / 60);
  const ss = String(n % 60).padStart(2, "0");
  return mm >= 60 ? `${Math.floor(mm / 60)}:${String(mm % 60).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

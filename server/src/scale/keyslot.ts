/**
 * Redis Cluster's hash slot of a key or channel name: CRC16 (XMODEM) of the name, or of its hash
 * tag (the text between the first `{` and the next `}`, when not empty), modulo 16384. Names with
 * the same tag share a slot: that is how several keys may meet in one command or script.
 */
export function keyslot(name: string): number {
  const bytes = Buffer.from(name);
  const open = bytes.indexOf(0x7b);
  let from = 0;
  let to = bytes.length;
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) {
      from = open + 1;
      to = close;
    }
  }
  let crc = 0;
  for (let i = from; i < to; i++) {
    crc ^= bytes[i]! << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

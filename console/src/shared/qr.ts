import { svg, type SVGTemplateResult } from "lit";
import { encode } from "uqr";

/**
 * A QR code of `text` as SVG drawn by Lit (one path of dark modules, no markup from strings), black
 * on white whatever the theme: authenticator apps read dark-on-light best.
 */
export function qrCode(text: string, label: string): SVGTemplateResult {
  const qr = encode(text, { ecc: "M", border: 2 });
  let d = "";
  qr.data.forEach((row, y) => {
    row.forEach((dark, x) => {
      if (dark) d += `M${x} ${y}h1v1h-1z`;
    });
  });
  return svg`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${qr.size} ${qr.size}" role="img" aria-label=${label} shape-rendering="crispEdges" width="200" height="200">
    <rect width="100%" height="100%" fill="#fff"></rect><path d=${d} fill="#000"></path>
  </svg>`;
}

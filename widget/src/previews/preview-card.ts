import { css, html, nothing } from "lit";
import type { ChatClient, MessageItem } from "@parley/sdk";
import { removePreview } from "@parley/sdk/rich";
import type { MessageHost } from "../message/message-host.js";
import { PREVIEW_EN, type PreviewStrings } from "./preview-card.strings.js";

/** The card's styles (the thread's shadow root adopts them). */
export const sheet = css`
  .preview {
    position: relative;
    margin-block-start: 6px;
    max-inline-size: 340px;
  }
  .preview a {
    display: flex;
    flex-direction: column;
    gap: 2px;
    padding: 8px 10px;
    border-inline-start: 3px solid currentColor;
    border-radius: 6px;
    color: inherit;
    text-decoration: none;
    overflow-wrap: anywhere;
  }
  .own a {
    padding-inline-end: 36px;
  }
  .preview img {
    inline-size: 100%;
    block-size: auto;
    border-radius: 4px;
  }
  .pv-site {
    font-size: 12px;
    opacity: 0.85;
  }
  .pv-desc {
    font-size: 13px;
    display: -webkit-box;
    -webkit-line-clamp: 3;
    -webkit-box-orient: vertical;
    overflow: hidden;
  }
  .preview button {
    position: absolute;
    inset-block-start: 2px;
    inset-inline-end: 2px;
    min-width: 32px;
    min-height: 32px;
    color: inherit;
  }
`.styleSheet!;

/**
 * A message's link preview (issue 33), under its text: a link to the page (a new tab, no referrer)
 * with the site's name, the title and the description (clamped), and the image, which the server
 * fetched and serves itself (`/v1/previews/<key>`, resolved against the Parley server: the browser
 * never contacts the linked site for it). All of it text, never HTML. The sender has a × that
 * removes the preview for everyone.
 *
 * @csspart preview - the card
 * @csspart preview-link - the link (the whole card)
 * @csspart preview-image - its image
 * @csspart preview-remove - the sender's remove button
 */
export function card(host: MessageHost, m: MessageItem): unknown {
  const r = host.shadowRoot!;
  if (!r.adoptedStyleSheets.includes(sheet)) r.adoptedStyleSheets = [...r.adoptedStyleSheets, sheet];
  const p = m.preview!;
  const t = { ...PREVIEW_EN, ...host.t } as PreviewStrings;
  if (!/^https?:\/\//i.test(p.url)) return nothing;
  // The thread knows the Parley server the client talks to; an image anywhere else is not shown.
  const server = (host as MessageHost & { server?: string }).server || location.origin;
  const img = p.image && new URL(p.image.url, server);
  const site = p.siteName || new URL(p.url).hostname;
  const own = m.senderId === host.me?.id;
  return html`<div part="preview" class="preview ${own ? "own" : ""}">
    <a part="preview-link" href=${p.url} target="_blank" rel="noopener noreferrer ugc">
      ${
        img && img.origin === new URL(server).origin
          ? html`<img part="preview-image" src=${img.href} width=${p.image!.width} height=${p.image!.height} alt="" />`
          : nothing
      }
      <span class="pv-site">${site}</span>
      ${p.title ? html`<strong class="pv-title">${p.title}</strong>` : nothing}
      ${p.description ? html`<span class="pv-desc">${p.description}</span>` : nothing}
    </a>
    ${
      own
        ? html`<button part="preview-remove" tabindex=${host.active === m.id ? 0 : -1} aria-label=${t.previewRemove} title=${t.previewRemove} @click=${() =>
            host.emit("parley-act", { run: (c: ChatClient) => removePreview(c, m.id) })}>×</button>`
        : nothing
    }
  </div>`;
}

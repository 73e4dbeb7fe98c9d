import { html, nothing, type TemplateResult } from "lit";
import { ifDefined } from "lit/directives/if-defined.js";
import type { ApiError } from "../app/api.js";

export interface FieldOptions {
  /** The input's name, which is also the server's field path for its errors. */
  name: string;
  label: string;
  type?: string;
  hint?: string;
  /** The message to show at the field (from the server's 400, or the page's own check). */
  error?: string | undefined;
  autocomplete?: string;
  required?: boolean;
  value?: string;
  inputmode?: string;
  multiline?: boolean;
}

/**
 * A labelled input with its hint and error beneath, tied to it for screen readers
 * (aria-describedby, aria-invalid). Ids are the name: each page is its own shadow root.
 */
export function field(o: FieldOptions): TemplateResult {
  const id = `f-${o.name}`;
  const described = [o.hint ? `${id}-hint` : "", o.error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  const input = o.multiline
    ? html`<textarea id=${id} name=${o.name} rows="3" aria-invalid=${o.error ? "true" : "false"} aria-describedby=${ifDefined(described)} ?required=${o.required}>${o.value ?? ""}</textarea>`
    : html`<input
        id=${id}
        name=${o.name}
        type=${o.type ?? "text"}
        .value=${o.value ?? ""}
        autocomplete=${ifDefined(o.autocomplete)}
        inputmode=${ifDefined(o.inputmode)}
        aria-invalid=${o.error ? "true" : "false"}
        aria-describedby=${ifDefined(described)}
        ?required=${o.required}
      />`;
  return html`<div class="field">
    <label for=${id}>${o.label}</label>
    ${input} ${o.hint ? html`<p class="hint" id="${id}-hint">${o.hint}</p>` : nothing}
    ${o.error ? html`<p class="field-error" id="${id}-error">${o.error}</p>` : nothing}
  </div>`;
}

/** A form's values by name. */
export function values(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(form)) if (typeof v === "string") out[k] = v;
  return out;
}

/** A message for the whole form: what no field owns. */
export function formAlert(err: ApiError | null | undefined, shownAtFields: readonly string[] = []): TemplateResult | typeof nothing {
  if (!err) return nothing;
  const atField = shownAtFields.some((f) => err.field(f));
  if (atField && err.code === "validation_failed") return nothing;
  return html`<p class="alert" role="alert">${err.message}</p>`;
}

/** Moves focus to the first field with an error, once it is drawn. */
export async function focusFirstError(root: ShadowRoot | null, host: { updateComplete: Promise<boolean> }): Promise<void> {
  await host.updateComplete;
  root?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}

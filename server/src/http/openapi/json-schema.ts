import { z } from "zod";

/** A JSON Schema as the documents carry it. */
export type JsonSchema = Record<string, unknown>;
export type Target = "draft-2020-12" | "draft-07";

const cleanup: NonNullable<z.core.ToJSONSchemaParams["override"]> = ({ zodSchema, jsonSchema }) => {
  // zod writes its ISO regex beside `format: date-time`; the format says it, readably.
  if (jsonSchema.format === "date-time") delete jsonSchema.pattern;
  // A refinement (`.refine(fn, { message })`) is code JSON Schema cannot carry: its rule is said in
  // the description and listed in `x-parley-rules`, so a reader or a generator of clients knows of
  // it (red team 4: every refinement was lost from the document).
  const rules = refinements(zodSchema);
  if (rules.length > 0) {
    jsonSchema["x-parley-rules"] = rules;
    const said = typeof jsonSchema.description === "string" ? `${jsonSchema.description} ` : "";
    jsonSchema.description = `${said}Also checked: ${rules.join("; ")}.`;
  }
};

/** The messages of a schema's own refinements (its `custom` checks that carry one). */
export function refinements(schema: unknown): string[] {
  const checks = (schema as { _zod?: { def?: { checks?: { _zod: { def: { check?: string; error?: unknown } } }[] } } })._zod?.def?.checks ?? [];
  return checks.flatMap((c) => {
    const { check, error } = c._zod.def;
    if (check !== "custom" || typeof error !== "function") return [];
    const said: unknown = error({});
    const message = typeof said === "string" ? said : (said as { message?: unknown } | undefined)?.message;
    return typeof message === "string" && message !== "" ? [message] : [];
  });
}

/** Drops what z.toJSONSchema adds for stand-alone schemas: documents declare their dialect once. */
function strip(schema: JsonSchema): JsonSchema {
  const { $schema: _s, $id: _i, ...rest } = schema;
  return rest;
}

/**
 * Named schemas as `components.schemas`, referring to each other by `#/components/schemas/<name>`.
 * `io: "input"` for what clients send (before transforms and defaults), `"output"` for answers.
 */
export function componentSchemas(named: Record<string, z.ZodType>, io: "input" | "output", target: Target): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  const seen = new Map<z.ZodType, string>();
  for (const [id, schema] of Object.entries(named)) {
    const other = seen.get(schema);
    if (other) throw new Error(`One schema under two names: ${other} and ${id}`);
    seen.set(schema, id);
    registry.add(schema, { id });
  }
  const out = z.toJSONSchema(registry, { io, target, unrepresentable: "any", override: cleanup, uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(Object.entries(out.schemas).map(([id, s]) => [id, strip(s as JsonSchema)]));
}

/** One schema inlined (a parameter's, a query's). */
export function inlineSchema(schema: z.ZodType, io: "input" | "output", target: Target): JsonSchema {
  return strip(z.toJSONSchema(schema, { io, target, unrepresentable: "any", override: cleanup }) as JsonSchema);
}

/** The schema without the named properties (path parameters folded into a command's schema). */
export function withoutProperties(schema: JsonSchema, names: string[]): JsonSchema {
  const props = schema.properties as Record<string, unknown> | undefined;
  if (!props || !names.some((n) => n in props)) return schema;
  const properties = Object.fromEntries(Object.entries(props).filter(([k]) => !names.includes(k)));
  const required = (schema.required as string[] | undefined)?.filter((k) => !names.includes(k));
  return { ...schema, properties, ...(required ? { required } : {}) };
}

/** Two sets of components as one, refusing a name in both. */
export function merged(a: Record<string, JsonSchema>, b: Record<string, JsonSchema>): Record<string, JsonSchema> {
  const clash = Object.keys(a).find((k) => k in b);
  if (clash) throw new Error(`Two schemas named ${clash}`);
  return { ...a, ...b };
}

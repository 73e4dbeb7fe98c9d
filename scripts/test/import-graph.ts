// Import cycles of a module graph, for the rules that forbid them (scripts/test/house-rules.test.ts,
// server/test/shape.test.ts): one closed path through each strongly connected component.

/** Every cycle's strongly connected component (Tarjan), each printed as one closed path through it. */
export function cycles(g: Map<string, string[]>): string[] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of g.get(v) ?? []) {
      if (!g.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc = new Set<string>();
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.add(w);
    } while (w !== v);
    if (scc.size > 1 || (g.get(v) ?? []).includes(v)) found.push(pathThrough(g, scc).join(" -> "));
  };
  for (const v of g.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** One shortest cycle inside a strongly connected component: a -> b -> … -> a. */
function pathThrough(g: Map<string, string[]>, scc: Set<string>): string[] {
  const start = [...scc].sort()[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of g.get(v) ?? []) {
      if (!scc.has(w)) continue;
      if (w === start) {
        const out = [start];
        for (let x = v; x !== start; x = prev.get(x)!) out.splice(1, 0, x);
        return [...out, start];
      }
      if (!prev.has(w)) prev.set(w, v), queue.push(w);
    }
  }
  return [...scc];
}

// Preloaded (node --import) into a test pass whose service is missing, e.g. the MariaDB pass
// on a machine without MariaDB: every top-level suite and test registers as *skipped* with the
// reason in PARLEY_TEST_SKIP_PASS, and file-level hooks (which would start a server on the
// missing database) do not run. The run's summary counts these skips; under CI=true the run
// refuses to get this far (scripts/test/run.ts).
import { createRequire, syncBuiltinESMExports } from "node:module";

const reason = process.env.PARLEY_TEST_SKIP_PASS;
if (reason) {
  const nodeTest = createRequire(import.meta.url)("node:test");
  for (const name of ["describe", "suite", "it", "test"]) {
    const register = nodeTest[name];
    if (typeof register !== "function") continue;
    const skipped = function (title, options, fn) {
      if (typeof options === "function") [fn, options] = [options, {}];
      return register.call(this, title, { ...options, skip: reason }, fn);
    };
    nodeTest[name] = Object.assign(skipped, register);
  }
  for (const hook of ["before", "after", "beforeEach", "afterEach"]) nodeTest[hook] = () => {};
  // ESM `import { describe } from "node:test"` reads these bindings.
  syncBuiltinESMExports();
}

/**
 * The console's entry (served at /console/): the shell, `<parley-console>`; every page is a lazy
 * chunk it loads when first shown (app/pages.ts).
 */
import { ParleyConsole } from "./app/parley-console.js";

customElements.get("parley-console") || customElements.define("parley-console", ParleyConsole);

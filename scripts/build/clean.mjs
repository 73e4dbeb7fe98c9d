// Empties the SDK's, the widget's and the console's dist/ before a build: rollup writes hashed chunks
// (errors-[hash].js, widget-ui-[hash].js) and never deletes the previous build's, which npm pack
// would then ship. server/dist is left alone (nothing hashed there; a running server reads it).
import { rmSync } from "node:fs";

for (const dir of ["sdk/dist", "widget/dist", "console/dist"]) rmSync(new URL(`../../${dir}`, import.meta.url), { recursive: true, force: true });

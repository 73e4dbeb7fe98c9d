/**
 * `import "@parley/widget/define"`: registers `<parley-chat>` and the elements it renders
 * (`<parley-signin>`, `<parley-list>`, `<parley-people>`, `<parley-thread>`, `<parley-info>`).
 * Registering twice is harmless: each element is defined only if its tag is still free.
 */
import "./chat/parley-chat.js";
// <parley-chat> fetches these two on first use; an app that imports define has them at once.
import "./people/parley-people.js";
import "./info/parley-info.js";

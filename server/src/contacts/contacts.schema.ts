import { z } from "zod";
import { idString } from "../shared/schema.js";

/** Ids travel as strings (shared/schema.ts). */
export { idString };

export const userBody = z.object({ userId: idString });

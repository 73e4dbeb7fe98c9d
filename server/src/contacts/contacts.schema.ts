import { z } from "zod";

/** Ids travel as strings; anything longer than a stored id simply matches nothing (-> 404). */
export const idString = z.string().min(1).max(64);

export const userBody = z.object({ userId: idString });

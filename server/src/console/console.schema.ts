import { z } from "zod";
import { email, password } from "../auth/auth.schema.js";

const appId = z.string().min(1).max(32);
const role = z.enum(["viewer", "moderator", "admin", "owner", "operator"]);

export const signInBody = z.strictObject({
  email: email,
  password: z.string().min(1).max(1024),
  code: z.string().trim().min(1).max(32).optional(),
});

export const signUpBody = z.strictObject({ token: z.string().min(10).max(100), password });

export const inviteBody = z.strictObject({ email, role, appId: appId.optional() }).refine((b) => (b.role === "operator") === (b.appId === undefined), {
  message: "An app role names its app (appId); an operator has every app and names none",
  path: ["appId"],
});

export const totpCodeBody = z.strictObject({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/, "Enter the 6-digit code from your authenticator app"),
});

export const createAppBody = z.strictObject({
  name: z.string().trim().min(1, "Name the app").max(100),
  allowedOrigins: z.array(z.string().max(200)).max(50),
});

export const createKeyBody = z.strictObject({ name: z.string().trim().min(1).max(120).optional() });

/** An app's id in a console path: one the caller has no role on (or that does not exist) is a 404. */
export const appIdParam = appId;

export type SignInInput = z.infer<typeof signInBody>;
export type SignUpInput = z.infer<typeof signUpBody>;
export type InviteInput = z.infer<typeof inviteBody>;

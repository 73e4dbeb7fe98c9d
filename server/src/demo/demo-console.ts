import { CLI } from "../console/console-members.service.js";
import type { Services } from "../services.js";

/** The demo operator's e-mail (the console's sign-up page shows it; the newcomer picks the password). */
export const DEMO_OPERATOR_EMAIL = "operator@demo.parley.example";

/**
 * In demo mode only (main.ts): how a newcomer gets into the console. While the server has no
 * console account, a one-time sign-up link for a demo operator, made as `npm run console:invite`
 * makes one (a new link each start, each valid for its invitation's lifetime); once one exists,
 * where to sign in.
 */
export async function demoConsoleLines(s: Pick<Services, "db" | "consoleMembers">, base: string): Promise<string[]> {
  const [{ n }] = (await s.db.query("SELECT COUNT(*) AS n FROM console_accounts")) as [{ n: number | string }];
  if (Number(n) > 0) return [`  Console: ${base}/console/ (sign in with your console account).`];
  const { link } = await s.consoleMembers.invite(CLI, { email: DEMO_OPERATOR_EMAIL, role: "operator" }, base);
  return [
    `  Console (the people who run Parley): sign up once as the demo operator at`,
    `    ${link}`,
    "  (one time; later, npm run console:invite -- --email you@example.com --role operator).",
  ];
}

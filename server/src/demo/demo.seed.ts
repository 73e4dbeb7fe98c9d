import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Services } from "../services.js";
import type { UserCaller } from "../shared/caller.js";
import { encodePng } from "../shared/png.js";

export const DEMO_PASSWORD = "parley-demo-pass";

export const DEMO_USERS = [
  { key: "alice", displayName: "Alice Martin", email: "alice@demo.parley.chat", bio: "Runs the shop", color: [79, 70, 229] },
  { key: "bob", displayName: "Bob Chen", email: "bob@demo.parley.chat", bio: "Loves fast replies", color: [22, 163, 74] },
  { key: "carol", displayName: "Carol Diaz", email: "carol@demo.parley.chat", bio: "Design", color: [219, 39, 119] },
  { key: "dave", displayName: "Dave Okafor", email: "dave@demo.parley.chat", bio: "Support", color: [234, 88, 12] },
] as const;

export interface Demo {
  appId: string;
  users: { email: string; displayName: string }[];
}

const HISTORY: [from: number, text: string][] = [
  [0, "Hi Bob! Welcome to Parley 👋"],
  [1, "Hey Alice, this was one script tag?"],
  [0, "One script tag. Try editing or reacting to a message."],
  [1, "Nice. And it keeps working offline: messages wait and go out when I'm back."],
];

const GROUP: [from: number, text: string][] = [
  [2, "Morning all! New mockups are in the shared folder."],
  [3, "Thanks Carol, I'll check the support flows today."],
  [0, "Great. Let's ship the chat on Friday 🚀"],
];

/**
 * Creates (once) the demo app, four users with avatars, a DM and a group with some history.
 * Idempotent: what it made is recorded in DATA_DIR/demo.json and reused on the next start.
 */
export async function seedDemo(s: Services): Promise<Demo> {
  const file = path.join(s.config.dataDir, "demo.json");
  if (existsSync(file)) {
    const saved = JSON.parse(await readFile(file, "utf8")) as Demo;
    if (await s.apps.find(saved.appId)) return saved;
  }
  const app = await s.apps.create({ name: "Parley demo", allowedOrigins: ["*"] });
  const ids: string[] = [];
  for (const u of DEMO_USERS) {
    const { user } = await s.auth.register(app, { email: u.email, password: DEMO_PASSWORD, displayName: u.displayName });
    const tmp = path.join(s.storage.tmpDir, `demo-${u.key}.png`);
    await writeFile(
      tmp,
      encodePng(64, 64, () => [u.color[0], u.color[1], u.color[2], 255]),
    );
    const name = await s.storage.keep(tmp, "avatars", "png");
    await s.users.update({ appId: app.id, user: user.id }, { bio: u.bio, avatarUrl: `/v1/avatars/${name}` });
    ids.push(user.id);
  }
  // The demo's people act themselves; the group is made without the policy (consent, quotas):
  // through the service's trusted() copy, built with TRUSTED_POLICY.
  const as = (i: number): UserCaller => ({ appId: app.id, user: ids[i]! });
  const dm = await s.conversations.createDirect(as(0), { userId: ids[1]! });
  for (const [i, [from, text]] of HISTORY.entries()) {
    await s.messages.send(as(from), { conversationId: dm.conversation.id, text, clientMessageId: `demo-dm-${i}` });
  }
  const group = await s.conversations.trusted().createGroup(as(2), { name: "Launch team", memberIds: ids.filter((_, i) => i !== 2) });
  for (const [i, [from, text]] of GROUP.entries()) {
    await s.messages.send(as(from), { conversationId: group.id, text, clientMessageId: `demo-group-${i}` });
  }
  const demo: Demo = { appId: app.id, users: DEMO_USERS.map((u) => ({ email: u.email, displayName: u.displayName })) };
  await writeFile(file, JSON.stringify(demo, null, 2));
  return demo;
}

// An echo bot on @parley/sdk in Node, authenticated by one of the app's server keys (no password,
// no account to register): with @parley/sdk/server it upserts its own user by `sub` and mints a
// host token for it; the client SDK signs in with that token and answers every message it
// receives, as a reply. Usage:
//   PARLEY_SERVER=http://localhost:3000 PARLEY_APP_ID=app_… PARLEY_KEY_ID=key_… \
//   PARLEY_KEY_SECRET=sk_… node examples/bot/bot.mjs
import { ChatClient } from "@parley/sdk";
import { ParleyServer } from "@parley/sdk/server";

export async function startBot({ server, appId, keyId, secret, sub = "echo-bot", name = "Echo bot" }) {
  const parley = new ParleyServer({ server, keyId, secret });
  await parley.upsertUser({ sub, name }); // created on first run, the same user every later run
  const { hostToken } = await parley.createToken({ sub });
  const chat = new ChatClient({ server, appId });
  await chat.connectWithHostToken(hostToken); // from here on the session refreshes itself
  chat.on("message.new", ({ data: { message } }) => {
    if (!message.senderId || message.senderId === chat.user?.id || !message.text) return; // not our own, not system lines
    const reply = message.text.trim().toLowerCase() === "help" ? "Say anything and I will repeat it." : `Echo: ${message.text}`;
    chat
      .conversation(message.conversationId)
      .send(reply, { replyTo: message.id })
      .catch((e) => console.error("reply failed:", e.message));
  });
  return chat;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  const chat = await startBot({
    server: env.PARLEY_SERVER ?? "http://localhost:3000",
    appId: env.PARLEY_APP_ID,
    keyId: env.PARLEY_KEY_ID,
    secret: env.PARLEY_KEY_SECRET,
    sub: env.BOT_SUB ?? "echo-bot",
  });
  console.log(`Echo bot signed in as ${chat.user.displayName} (${chat.user.id}); waiting for messages.`);
  process.on("SIGINT", () => {
    chat.close();
    process.exit(0);
  });
}

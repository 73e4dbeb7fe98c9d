// An echo bot on @parley/sdk in Node: it signs in as a Parley user and answers every message
// it receives. Usage:
//   PARLEY_SERVER=http://localhost:3000 PARLEY_APP_ID=app_… BOT_EMAIL=bot@example.com \
//   BOT_PASSWORD=… node examples/bot/bot.mjs
// The bot account is created on first run.
import { ChatClient, isChatError } from "@parley/sdk";

export async function startBot({ server, appId, email, password, name = "Echo bot" }) {
  const chat = new ChatClient({ server, appId });
  try {
    await chat.login(email, password);
  } catch (err) {
    if (!isChatError(err) || err.code !== "invalid_credentials") throw err;
    await chat.register({ email, password, displayName: name });
  }
  chat.on("message.new", ({ data: { message } }) => {
    if (message.senderId === chat.user?.id || !message.text) return;
    const reply = message.text.trim().toLowerCase() === "help" ? "Say anything and I will repeat it." : `Echo: ${message.text}`;
    chat.conversation(message.conversationId).send(reply, { replyTo: message.id }).catch((e) => console.error("reply failed:", e.message));
  });
  return chat;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const env = process.env;
  const chat = await startBot({
    server: env.PARLEY_SERVER ?? "http://localhost:3000",
    appId: env.PARLEY_APP_ID,
    email: env.BOT_EMAIL ?? "echo-bot@example.com",
    password: env.BOT_PASSWORD ?? "echo-bot-password",
  });
  console.log(`Echo bot signed in as ${chat.user.displayName} (${chat.user.id}); waiting for messages.`);
  process.on("SIGINT", () => {
    chat.close();
    process.exit(0);
  });
}

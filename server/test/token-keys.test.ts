import assert from "node:assert/strict";
import { describe, test } from "node:test";
import jwt from "jsonwebtoken";
import { secretKey, TokenService, verifyHostToken } from "../src/auth/tokens.js";

// Secrets are held as key objects, made once each (jsonwebtoken's own conversion of a string
// cost 1.8 ms of CPU a verify). The cache must never let one secret's key answer for another's.
describe("token keys", () => {
  const hostToken = (secret: string, sub: string): string => jwt.sign({ sub }, secret, { algorithm: "HS256", expiresIn: 60 });

  test("each app's host tokens verify with its own secret only, cached or not", () => {
    const [a, b] = ["secret-of-app-a-0123456789", "secret-of-app-b-0123456789"];
    for (let round = 0; round < 2; round++) {
      assert.equal(verifyHostToken(hostToken(a, "ann"), a).sub, "ann");
      assert.equal(verifyHostToken(hostToken(b, "bob"), b).sub, "bob");
      assert.throws(() => verifyHostToken(hostToken(a, "ann"), b), /Invalid host token/);
      assert.throws(() => verifyHostToken(hostToken(b, "bob"), a), /Invalid host token/);
    }
    assert.equal(secretKey(a), secretKey(a), "one key object per secret");
    assert.notEqual(secretKey(a), secretKey(b));
  });

  test("past the cache's size every secret still verifies its own tokens and no other's", () => {
    const secrets = Array.from({ length: 2500 }, (_, i) => `rotating-secret-${i}-abcdefghij`);
    const tokens = secrets.map((s, i) => hostToken(s, `user${i}`));
    for (const [i, s] of secrets.entries()) assert.equal(verifyHostToken(tokens[i]!, s).sub, `user${i}`);
    assert.throws(() => verifyHostToken(tokens[0]!, secrets[1]!), /Invalid host token/);
    assert.equal(verifyHostToken(tokens[0]!, secrets[0]!).sub, "user0");
  });

  test("access tokens: a server's tokens verify on a server with the same secret, not on another", () => {
    const one = new TokenService("server-secret-one-0123456789", 60);
    const same = new TokenService("server-secret-one-0123456789", 60);
    const other = new TokenService("server-secret-two-0123456789", 60);
    const token = one.signAccess({ userId: "u1", appId: "app1", sessionId: "s1" });
    assert.deepEqual(same.verifyAccess(token), { userId: "u1", appId: "app1", sessionId: "s1" });
    assert.throws(() => other.verifyAccess(token), /Invalid access token/);
    // Signed with the plain string by jsonwebtoken itself: the key object is the same secret.
    const byString = jwt.sign({ app: "app1", sid: "s1" }, "server-secret-one-0123456789", {
      algorithm: "HS256",
      subject: "u1",
      issuer: "parley",
      audience: "parley:access",
      expiresIn: 60,
    });
    assert.equal(one.verifyAccess(byString).userId, "u1");
  });
});

/**
 * The MariaDB primary and replica the read-replica tests start (helpers/mariadb-replication.ts),
 * tested on its own: what the primary commits reaches the replica (a database created there
 * included, which is how the server's tests get their schema onto the replica), MASTER_DELAY
 * holds changes back, and a replica that was down catches up once it is back.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { TEST_DB } from "./helpers/harness.js";
import { mariadbAvailable, startMariaDbReplication, type MariaDbReplication } from "./helpers/mariadb-replication.js";

const BASE_PORT = 3324;
const skip = TEST_DB !== "mysql" ? "the replication harness runs with PARLEY_TEST_DB=mysql only" : await mariadbAvailable();

describe("MariaDB replication harness: a primary and a replica of the test's own", { skip }, () => {
  let db: MariaDbReplication;
  let startedInMs = 0;
  const ids = async (): Promise<number[]> => (await db.query("replica", "SELECT id FROM harness.t ORDER BY id")).map((r) => Number(r["id"]));

  before(async () => {
    const t0 = Date.now();
    db = await startMariaDbReplication({ basePort: BASE_PORT });
    startedInMs = Date.now() - t0;
  });
  after(() => db?.stop());

  test("a database, a table and a row created on the primary reach the replica", async (t) => {
    t.diagnostic(`primary and replica started and replicating in ${startedInMs} ms`);
    assert.equal(db.primaryUrl, `mysql://root@127.0.0.1:${BASE_PORT}`);
    assert.equal(db.replicaUrl, `mysql://root@127.0.0.1:${BASE_PORT + 1}`);
    await db.query("primary", "CREATE DATABASE harness CHARACTER SET utf8mb4");
    await db.query("primary", "CREATE TABLE harness.t (id INT PRIMARY KEY, note VARCHAR(50) NOT NULL)");
    await db.query("primary", "INSERT INTO harness.t VALUES (1, 'first')");
    await db.waitForReplica();
    const [schema] = await db.query("replica", "SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'harness'");
    assert.equal(schema?.["cs"], "utf8mb4");
    assert.deepEqual(await db.query("replica", "SELECT id, note FROM harness.t"), [{ id: 1, note: "first" }]);
  });

  test("with a 2 s delay a row reaches the replica only once the delay is over", async (t) => {
    await db.setDelay(2);
    const [status] = await db.query("replica", "SHOW SLAVE STATUS");
    assert.equal(Number(status?.["SQL_Delay"]), 2);
    const written = Date.now();
    await db.query("primary", "INSERT INTO harness.t VALUES (2, 'delayed')");
    assert.deepEqual(await ids(), [1], "the replica shows the row at once");
    await db.waitForReplica();
    const after = Date.now() - written;
    t.diagnostic(`the delayed row arrived after ${after} ms`);
    assert.deepEqual(await ids(), [1, 2]);
    // The delay counts whole seconds from the commit's timestamp, itself whole seconds: at least
    // 1 s, 2 s when the replica reads the event within the second it was committed (the usual case).
    assert.ok(after >= 1000, `the row arrived after ${after} ms`);
    await db.setDelay(0);
  });

  test("a replica that was down receives what was written meanwhile once it is back", async () => {
    await db.stopReplica();
    await assert.rejects(db.query("replica", "SELECT 1"), "the replica still answers");
    await db.query("primary", "INSERT INTO harness.t VALUES (3, 'while down'), (4, 'while down')");
    await db.startReplica();
    await db.query("primary", "INSERT INTO harness.t VALUES (5, 'after')");
    await db.waitForReplica();
    assert.deepEqual(await ids(), [1, 2, 3, 4, 5]);
  });

  test("stop ends both servers and removes the directory, twice over", async () => {
    await db.stop();
    await db.stop();
    assert.equal(existsSync(db.dir), false);
    await assert.rejects(db.query("primary", "SELECT 1"));
  });
});

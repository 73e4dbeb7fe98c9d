// Group invitations in the widget (issue 31, acceptance item 4): someone who is not your contact
// who adds you to a group invites you instead. Ada's conversation list shows the invitation live
// (no reload), with the group's name and who invited; accepted by keyboard, the group opens with
// the messages written before she joined; a second one, declined by pointer (after a refused
// first try, said at the invitation), is gone, and she is not a member. Ben, creating a group in
// the widget with a stranger, is told she was invited rather than added, and the group's details
// list her as invited until she accepts. On a phone in the dark theme: axe and AA clean. The
// invitations are a chunk of their own (parley-invitations), imported with the list.
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { AuthResponse, Conversation, GroupInvitation, Message, Page as ListPage } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { axeSerious, contrastFailures } from "./helpers/a11y.js";
import {
  BROWSER_SKIP,
  expectCount,
  expectText,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  messageWithText,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage, PHONE, withViewportMeta } from "./helpers/devices.js";

const PASSWORD = "correct horse battery";
const ARTIFACTS = path.resolve(import.meta.dirname, "../../test-artifacts");

/** The focused element, through the shadow roots: its part and accessible label. */
const focused = (page: Page) =>
  page.evaluate<{ part: string | null; label: string | null }>(`(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return { part: el?.getAttribute("part") ?? null, label: el?.getAttribute("aria-label") ?? null };
  })()`);

describe("group invitations in the widget", { timeout: 600_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  const users: Record<"ada" | "ben" | "cy", AuthResponse> = {} as never;
  const email = (who: string): string => `${who}.invitations@example.com`;
  const tok = (who: keyof typeof users) => ({ app, token: users[who].accessToken });

  /** Ben makes a group with `who` (a stranger to him, so invited) through the API. */
  const benInvites = async (name: string, who: keyof typeof users = "ada"): Promise<Conversation> => {
    const res = await s.api.post<{ conversation: Conversation }>("/conversations", { ...tok("ben"), body: { name, memberIds: [users[who].user.id] } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body.conversation.invitedUserIds, [users[who].user.id], "invited, not added");
    return res.body.conversation;
  };
  const pending = async (who: keyof typeof users): Promise<GroupInvitation[]> => {
    const res = await s.api.get<ListPage<GroupInvitation>>("/conversations/invitations", tok(who));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.items;
  };
  const roleIn = async (who: keyof typeof users, id: string): Promise<string | null | number> => {
    const res = await s.api.get<{ conversation: Conversation }>(`/conversations/${id}`, tok(who));
    return res.status === 200 ? res.body.conversation.myRole : res.status;
  };

  before(async () => {
    // The production default: adding someone who is not your contact invites them (the harness adds directly).
    s = await startServer({ GROUP_DIRECT_ADD: "0" });
    site = await startHostSite();
    app = (await s.createTenant("Invitations widget", [site.origin])).id;
    for (const [who, name] of [
      ["ada", "Ada Invitee"],
      ["ben", "Ben Inviter"],
      ["cy", "Cy Stranger"],
    ] as const) {
      users[who] = await s.api.register(app, { email: email(who), password: PASSWORD, displayName: name });
    }
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  /** A signed-in widget showing the list, once its invitations have been asked for. */
  async function signIn(who: keyof typeof users, device: typeof DESKTOP | typeof PHONE = DESKTOP, theme?: "dark") {
    const url = site.page(
      `/${who}-${theme ?? "light"}-${device.viewport.width}`,
      withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, ...(theme ? { theme } : {}) })),
    );
    const tab = await openDevicePage(browser, url, device, theme ? { colorScheme: theme } : {});
    const listed = tab.page.waitForResponse((r) => /\/v1\/conversations\/invitations\?/.test(r.url()) && r.request().method() === "GET", { timeout: 20_000 });
    await loginViaForm(tab.page, { email: email(who), password: PASSWORD });
    assert.equal((await listed).status(), 200);
    return tab;
  }

  let ada: Awaited<ReturnType<typeof signIn>>;

  test("an invitation arrives live; accepted by keyboard, the group opens with its history", async () => {
    ada = await signIn("ada");
    const { page } = ada;
    const invitations = page.locator("parley-invitations");
    await expectCount(invitations.locator("[part=invitation]"), 0);

    // Ben, a stranger, makes a group with Ada and writes in it before she has answered.
    const trip = await benInvites("Trip");
    const hello = await s.api.post<Message>(`/conversations/${trip.id}/messages`, { ...tok("ben"), body: { text: "Welcome to the trip, Ada" } });
    assert.equal(hello.status, 201, JSON.stringify(hello.body));

    const row = invitations.locator("[part=invitation]");
    await expectCount(row, 1);
    await expectText(row, /Trip/);
    await expectText(row, /Ben Inviter invited you/);
    await expectText(invitations.locator("[role=status]"), "Ben Inviter invited you to Trip");

    // Keyboard: from the filter box, Tab reaches the invitation's Accept, named after the group.
    await page.locator("parley-list [part=filter]").focus();
    await page.keyboard.press("Tab");
    assert.deepEqual(await focused(page), { part: "accept-invitation", label: "Accept the invitation to Trip" });
    await page.keyboard.press("Enter");

    // The group opens, with what Ben wrote before Ada joined.
    await expectText(page.locator("[part=title]"), "Trip");
    await messageWithText(page, "Welcome to the trip, Ada").waitFor({ timeout: 15_000 });
    assert.equal(await roleIn("ada", trip.id), "member");
    assert.deepEqual(await pending("ada"), []);

    // Back in the list: the invitation is gone, the group is a conversation.
    await page.locator("[part=back]").click();
    await expectCount(invitations.locator("[part=invitation]"), 0);
    await page.locator(`parley-list [part=conversation][data-id="${trip.id}"]`).waitFor();
    assert.deepEqual(ada.errors, []);
  });

  test("a second invitation, declined by pointer: a failed try is said at it and can be retried; then it is gone and Ada is not a member", async () => {
    const { page } = ada;
    const second = await benInvites("Second thoughts");
    const row = page.locator("parley-invitations [part=invitation]", { hasText: "Second thoughts" });
    await row.waitFor({ timeout: 15_000 });

    // The first try fails (the network drops it): a clear message at the invitation, buttons enabled.
    await page.route("**/v1/conversations/invitations/*/decline", (r) => r.abort(), { times: 1 });
    await row.locator("[part=decline-invitation]").click();
    await expectText(row.locator("[part=invitation-error][role=alert]"), /Couldn't answer: .+ Try again\./);
    assert.equal(await row.locator("[part=decline-invitation]").getAttribute("aria-disabled"), null);
    assert.equal((await pending("ada")).length, 1, "still pending on the server");

    // Retry: Decline again.
    await row.locator("[part=decline-invitation]").click();
    await expectCount(page.locator("parley-invitations [part=invitation]"), 0);
    await expectText(page.locator("parley-invitations [role=status]"), "Invitation to Second thoughts declined");
    assert.deepEqual(await pending("ada"), []);
    assert.ok([403, 404].includes(Number(await roleIn("ada", second.id))), "not a member");
    await expectCount(page.locator(`parley-list [part=conversation][data-id="${second.id}"]`), 0);
    assert.deepEqual(ada.errors, []);
    await ada.context.close();
  });

  test("Ben, creating a group with a stranger in the widget, is told she was invited; the details list her as invited until she accepts", async () => {
    const { page, context, errors } = await signIn("ben");
    await page.locator("[part=new-group]").click();
    const people = page.locator("parley-people");
    await people.locator("[name=groupName]").fill("Plans");
    await people.locator("[part=user-search]").fill("Cy");
    await people.locator("[part=user-result]", { hasText: "Cy Stranger" }).click();
    await people.locator("[part=create-group]").click();

    const notice = people.locator("[part=invited]");
    await expectText(notice, "Invited: Cy Stranger — they join when they accept.");
    assert.equal(await notice.getAttribute("role"), "status");
    assert.deepEqual(await focused(page), { part: "open-group", label: null });
    await page.keyboard.press("Enter");
    await expectText(page.locator("[part=title]"), "Plans");

    await page.locator("[part=info]").click();
    const info = page.locator("parley-info");
    const invited = info.locator(`[part=invited][data-id="${users.cy.user.id}"]`);
    await expectText(invited, /Cy Stranger\s*invited/);
    await expectCount(info.locator(`[part=member][data-id="${users.cy.user.id}"]`), 0);

    // Cy accepts (through the API): in Ben's open details Cy is a member now, no longer invited.
    const [inv] = await pending("cy");
    assert.ok(inv, "Cy has the invitation");
    const accepted = await s.api.post(`/conversations/invitations/${inv.id}/accept`, tok("cy"));
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    await info.locator(`[part=member][data-id="${users.cy.user.id}"]`).waitFor({ timeout: 15_000 });
    await expectCount(info.locator("[part=invited]"), 0);
    assert.deepEqual(errors, []);
    await context.close();
  });

  test("on a phone in the dark theme: the invitation fits, 44 px buttons, axe and AA clean", async () => {
    await benInvites("Phone night");
    const { page, context, errors } = await signIn("ada", PHONE, "dark");
    const row = page.locator("parley-invitations [part=invitation]", { hasText: "Phone night" });
    await row.waitFor({ timeout: 15_000 });
    const box = await row.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.viewport.width + 1, `inside the screen: ${JSON.stringify(box)}`);
    for (const part of ["accept-invitation", "decline-invitation"]) {
      const b = await row.locator(`[part=${part}]`).boundingBox();
      assert.ok(b && b.height >= 44 && b.x + b.width <= PHONE.viewport.width + 1, `44 px target ${part}: ${JSON.stringify(b)}`);
    }
    assert.deepEqual(await axeSerious(page), [], "axe, phone, dark, invitations");
    const contrast = await contrastFailures(page);
    assert.ok(contrast.checked > 0);
    assert.deepEqual(contrast.failures, [], "contrast, phone, dark, invitations");
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, "widget-invitations-phone-dark.png") });
    assert.deepEqual(errors, []);
    await context.close();
  });
});

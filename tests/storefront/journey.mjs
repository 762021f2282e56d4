// Shopper journey through Saleor's storefront (Paper) running against bizgraph, in headless Chromium.
// home → category → collection → search → product → variant → add to bag → checkout (email, US address,
// delivery method, dummy payment) → order confirmation; then the account part: sign up (storefront form)
// → confirmation e-mail (an app's ACCOUNT_CONFIRMATION_REQUESTED webhook, received here) → confirm-account
// link → sign in → the same checkout signed in → the order in the account's order list.
//
// Env: SF_URL (storefront, default http://127.0.0.1:3100), SF_LOCALE (en), SF_CHANNEL (default-channel),
// SF_CATEGORY (apparel), SF_COLLECTION (featured-products), SF_SEARCH (tee), SF_PRODUCT (async-tee),
// SF_ARTIFACTS (./artifacts: screenshots, browser.jsonl, webhooks.jsonl, result.json), CHROMIUM
// (/usr/bin/chromium), SF_HEADED=1 to watch. Account part: SF_API_URL (GraphQL endpoint for the admin
// calls, default http://127.0.0.1:18001/graphql/), SF_ADMIN_EMAIL (admin@example.com), SF_ADMIN_PASSWORD
// (required), SF_SHOPPER_EMAIL
// (default shopper+<run id>@example.com).
// Exit code: 0 when every step passed, 1 otherwise. Browse steps run independently; the checkout and
// account steps stop at the first failure of a step the next ones need.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { chromium } from "playwright-core";

const BASE = (process.env.SF_URL ?? "http://127.0.0.1:3100").replace(/\/$/, "");
const LOCALE = process.env.SF_LOCALE ?? "en";
const CHANNEL = process.env.SF_CHANNEL ?? "default-channel";
const CATEGORY = process.env.SF_CATEGORY ?? "apparel";
const COLLECTION = process.env.SF_COLLECTION ?? "featured-products";
const SEARCH = process.env.SF_SEARCH ?? "tee";
const PRODUCT = process.env.SF_PRODUCT ?? "async-tee";
const OUT = path.resolve(process.env.SF_ARTIFACTS ?? "artifacts");
const SHOP = `${BASE}/${LOCALE}/${CHANNEL}`;
fs.mkdirSync(OUT, { recursive: true });

const browserLog = fs.createWriteStream(path.join(OUT, "browser.jsonl"));
const logb = (o) => browserLog.write(JSON.stringify({ t: new Date().toISOString(), step: current, ...o }) + "\n");
let current = "init";
const results = [];

const browser = await chromium.launch({
	executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
	headless: process.env.SF_HEADED !== "1",
	args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: "en-US" });
const page = await context.newPage();
page.setDefaultTimeout(20_000);

page.on("console", (m) => {
	if (m.type() === "error" || m.type() === "warning") logb({ console: m.type(), text: m.text().slice(0, 2000) });
});
page.on("pageerror", (e) => logb({ pageerror: String(e).slice(0, 2000) }));
page.on("requestfailed", (r) => {
	if (!r.url().startsWith("data:")) logb({ requestfailed: r.url(), error: r.failure()?.errorText });
});
page.on("response", async (r) => {
	const url = r.url();
	const status = r.status();
	if (status >= 400) logb({ http: status, url, method: r.request().method() });
	// GraphQL the browser itself sends (urql in the checkout) — record errors with the request
	if (url.includes("/graphql") && r.request().method() === "POST") {
		try {
			const body = await r.text();
			if (/"errors"\s*:\s*\[\s*\{/.test(body)) logb({ graphql: url, request: r.request().postData()?.slice(0, 4000), response: body.slice(0, 6000) });
		} catch {}
	}
});

async function pageProblem() {
	// Next.js / storefront error screens
	const text = await page.locator("body").innerText({ timeout: 5_000 }).catch(() => "");
	const m = text.match(
		/Application error[^\n]*|Something went wrong[^\n]*|This page could(?:n't| not) be found|Couldn't load checkout[^\n]*|Checkout error[^\n]*|Internal Server Error/i,
	);
	return m ? m[0] : null;
}

async function step(name, fn, { critical = false } = {}) {
	current = name;
	const started = Date.now();
	try {
		const detail = await fn();
		results.push({ step: name, ok: true, ms: Date.now() - started, detail: detail ?? null, url: page.url() });
		console.log(`  ok   ${name} (${Date.now() - started} ms)${detail ? ` — ${detail}` : ""}`);
		return true;
	} catch (e) {
		const shot = path.join(OUT, `${String(results.length + 1).padStart(2, "0")}-${name}.png`);
		await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
		const html = shot.replace(/\.png$/, ".html");
		fs.writeFileSync(html, await page.content().catch(() => ""));
		const problem = await pageProblem();
		const msg = String(e?.message ?? e).split("\n").slice(0, 6).join(" | ");
		results.push({ step: name, ok: false, ms: Date.now() - started, error: msg, pageProblem: problem, url: page.url(), screenshot: shot });
		console.log(`  FAIL ${name}: ${msg}${problem ? ` [page says: ${problem}]` : ""}\n       at ${page.url()}\n       screenshot ${shot}`);
		if (critical) throw new Error(`critical step ${name} failed`);
		return false;
	}
}

async function gotoOk(url) {
	const res = await page.goto(url, { waitUntil: "domcontentloaded" });
	await page.waitForLoadState("networkidle", { timeout: 15_000 }).catch(() => {});
	const status = res?.status() ?? 0;
	const problem = await pageProblem();
	if (status >= 400 || problem) throw new Error(`GET ${url} -> HTTP ${status}${problem ? `, page shows "${problem}"` : ""}`);
	return status;
}

async function productLinks() {
	return page.locator('main a[href*="/products/"]').evaluateAll((as) => [...new Set(as.map((a) => a.getAttribute("href")))]);
}

async function expectProducts(what) {
	const links = await productLinks();
	if (links.length === 0) throw new Error(`${what}: no product links rendered`);
	return `${links.length} product links`;
}

console.log(`storefront journey against ${SHOP}`);

// ---- browsing -------------------------------------------------------------------------------------
await step("home", async () => {
	await gotoOk(`${BASE}/`);
	if (!page.url().startsWith(SHOP)) throw new Error(`/ redirected to ${page.url()}, expected ${SHOP}`);
	return expectProducts("home");
});

await step("category", async () => {
	// prefer a real navigation link to the category if the header/footer shows one
	const link = page.locator(`a[href$="/categories/${CATEGORY}"]`).first();
	if (await link.count()) {
		await link.click();
		await page.waitForURL(`**/categories/${CATEGORY}**`);
		await page.waitForLoadState("networkidle", { timeout: 15_000 }).catch(() => {});
		const problem = await pageProblem();
		if (problem) throw new Error(`category page shows "${problem}"`);
	} else {
		await gotoOk(`${SHOP}/categories/${CATEGORY}`);
	}
	return expectProducts("category");
});

await step("collection", async () => {
	await gotoOk(`${SHOP}/collections/${COLLECTION}`);
	return expectProducts("collection");
});

await step("products-list", async () => {
	await gotoOk(`${SHOP}/products`);
	return expectProducts("all products");
});

await step("search", async () => {
	await gotoOk(`${SHOP}/search?query=${encodeURIComponent(SEARCH)}`);
	const links = await productLinks();
	if (!links.length) throw new Error(`search "${SEARCH}": no results rendered`);
	return `${links.length} results for "${SEARCH}"`;
});

// ---- product → variant → bag → checkout → confirmation (guest, then signed in) ----------------------
// `tag` prefixes the step names of the second (signed-in) pass; returns { checkoutId, orderNumber }.
async function shopAndCheckout(tag, { signedIn = false } = {}) {
	const n = (s) => (tag ? `${tag}-${s}` : s);
	const out = { checkoutId: null, orderNumber: null };
	const previousCheckout = (await context.cookies()).find((c) => c.name.startsWith("checkoutId-"))?.value ?? null;

	await step(
		n("product"),
		async () => {
			await gotoOk(`${SHOP}/products/${PRODUCT}`);
			await page.locator("h1").first().waitFor({ state: "visible" });
			return (await page.locator("h1").first().innerText()).trim();
		},
		{ critical: true },
	);

	await step(
		n("pick-variant"),
		async () => {
			// Variant options render as links/buttons carrying ?variant= or as radio-like buttons; pick the
			// second option of the first selector ("M" for a tee) so that the choice really changes.
			const before = page.url();
			const opt = page.locator('main a[href*="variant="], main [role="radio"], main button[aria-pressed]');
			const count = await opt.count();
			if (!count) throw new Error("no variant options found on the product page");
			const target = opt.nth(Math.min(1, count - 1));
			const label = (await target.innerText().catch(() => "")).trim() || (await target.getAttribute("aria-label"));
			await target.click();
			await page.waitForURL((u) => u.toString() !== before && /variant=/.test(u.toString()), { timeout: 15_000 }).catch(() => {});
			if (!/variant=/.test(page.url())) throw new Error(`clicking option "${label}" did not select a variant (url ${page.url()})`);
			return `option "${label}" → ${new URL(page.url()).search}`;
		},
		{ critical: true },
	);

	await step(
		n("add-to-bag"),
		async () => {
			const add = page.locator("button:not([disabled])", { hasText: /add to (bag|cart)/i }).first();
			await add.waitFor({ state: "visible", timeout: 15_000 });
			await add.click();
			const deadline = Date.now() + 20_000;
			while (Date.now() < deadline) {
				const c = (await context.cookies()).find((c) => c.name.startsWith("checkoutId-") && c.value && c.value !== previousCheckout);
				if (c) {
					out.checkoutId = c.value;
					break;
				}
				await page.waitForTimeout(300);
			}
			if (!out.checkoutId) throw new Error(`no new checkoutId-* cookie after clicking Add to bag (previous: ${previousCheckout})`);
			// the header cart badge should now count the line
			const cart = page.getByRole("link", { name: /item(s)? in cart/i }).or(page.getByRole("button", { name: /item(s)? in cart/i }));
			const cartLabel = await cart.first().getAttribute("aria-label", { timeout: 10_000 }).catch(() => null);
			return `checkout ${out.checkoutId}${cartLabel ? `, header: "${cartLabel}"` : ""}`;
		},
		{ critical: true },
	);

	await step(n("cart-page"), async () => {
		await gotoOk(`${SHOP}/cart`);
		const text = await page.locator("main").innerText();
		if (!/checkout/i.test(text)) throw new Error("cart page shows no Checkout action");
		return null;
	});

	await step(
		n("checkout-open"),
		async () => {
			await gotoOk(`${BASE}/checkout?checkout=${encodeURIComponent(out.checkoutId)}&step=contact&locale=${LOCALE}`);
			if (signedIn) {
				// signed in: no email box; the contact section names the account
				await page.getByText(SHOPPER_EMAIL).first().waitFor({ state: "visible", timeout: 30_000 });
				return `contact shows ${SHOPPER_EMAIL}`;
			}
			await page.getByRole("textbox", { name: /email/i }).first().waitFor({ state: "visible", timeout: 30_000 });
		},
		{ critical: true },
	);

	await step(
		n("checkout-contact-address"),
		async () => {
			const notes = [];
			const emailBox = page.getByRole("textbox", { name: /email/i }).first();
			if (!signedIn) await emailBox.fill(GUEST_EMAIL);
			else if (await emailBox.isVisible().catch(() => false)) notes.push("email box shown although signed in");
			const form = page.locator("form").filter({ has: page.locator('[name="streetAddress1"]') }).first();
			await form.waitFor({ state: "visible", timeout: 20_000 });
			const country = form.locator('[name="country"]');
			if (await country.count()) {
				const tag = await country.first().evaluate((el) => el.tagName);
				if (tag === "SELECT") await country.first().selectOption("US");
			}
			await page.waitForTimeout(500); // the address form re-renders with the US rules
			const fill = async (name, value) => {
				const f = form.locator(`[name="${name}"]`).first();
				if (!(await f.count())) return false;
				const tag = await f.evaluate((el) => el.tagName);
				const current = tag === "SELECT" ? await f.inputValue() : await f.inputValue();
				if (current) notes.push(`${name} prefilled "${current}"`);
				if (tag === "SELECT") await f.selectOption(value).catch(async () => f.selectOption({ label: /New York/ }));
				else await f.fill(value);
				return true;
			};
			await fill("firstName", "Ada");
			await fill("lastName", "Lovelace");
			await fill("streetAddress1", "350 5th Ave");
			await fill("city", "New York");
			await fill("postalCode", "10118");
			await fill("countryArea", "NY");
			await fill("phone", "+12125551234");
			await page.getByRole("button", { name: /continue to shipping/i }).first().click();
			await page.waitForURL(/step=shipping/, { timeout: 30_000 }).catch(() => {});
			if (!/step=shipping/.test(page.url())) {
				const errs = await page.locator('form [role="alert"], form .text-destructive, form [aria-invalid="true"]').allInnerTexts().catch(() => []);
				throw new Error(`did not reach the shipping step; visible errors: ${JSON.stringify(errs).slice(0, 500)}`);
			}
			return notes.length ? notes.join("; ") : null;
		},
		{ critical: true },
	);

	await step(
		n("checkout-delivery"),
		async () => {
			const options = page.locator('input[type="radio"][name="shipping"]');
			await options.first().waitFor({ state: "attached", timeout: 30_000 }).catch(() => {});
			const count = await options.count();
			if (!count) {
				const msg = await page.locator("main").innerText().catch(() => "");
				throw new Error(`no delivery methods offered: ${msg.match(/No shipping methods[^\n]*|Please go back[^\n]*|Failed[^\n]*/)?.[0] ?? "(none rendered)"}`);
			}
			const label = page.locator("label").filter({ has: page.locator('input[type="radio"][name="shipping"]') }).first();
			const name = (await label.innerText()).replace(/\s+/g, " ").trim();
			await label.click();
			await page.getByRole("button", { name: /continue to payment/i }).first().click();
			await page.waitForURL(/step=payment/, { timeout: 30_000 }).catch(() => {});
			if (!/step=payment/.test(page.url())) {
				const err = await page.locator("form .text-destructive").allInnerTexts().catch(() => []);
				throw new Error(`did not reach the payment step; errors: ${JSON.stringify(err)}`);
			}
			return `${count} options, chose "${name}"`;
		},
		{ critical: true },
	);

	await step(
		n("checkout-pay"),
		async () => {
			const body = () => page.locator("main").innerText().catch(() => "");
			// Dummy Payment: a "Pay …"/"Complete order" submit button
			const pay = page.getByRole("button", { name: /^(pay\b|pay now|complete order|place order)/i }).first();
			await pay.waitFor({ state: "visible", timeout: 30_000 }).catch(() => {});
			if (!(await pay.count())) {
				const t = await body();
				throw new Error(`no pay button; payment step says: ${t.match(/No payment gateway[^\n]*|Unsupported payment gateway[^\n]*|Dummy Payment not available[^\n]*|Payment[^\n]*(failed|not)[^\n]*/i)?.[0] ?? t.slice(0, 300)}`);
			}
			const label = (await pay.innerText()).trim();
			await pay.click();
			await page.waitForURL(/order=|checkout\/complete/, { timeout: 60_000 }).catch(() => {});
			if (!/order=|checkout\/complete/.test(page.url())) {
				const t = await body();
				throw new Error(`no order after "${label}"; page: ${t.match(/[^\n]*(could not|failed|error|declined|unavailable)[^\n]*/i)?.[0] ?? "(no message)"}`);
			}
			return `clicked "${label}"`;
		},
		{ critical: true },
	);

	await step(
		n("order-confirmation"),
		async () => {
			await page.waitForLoadState("networkidle", { timeout: 20_000 }).catch(() => {});
			const confirmed = page.getByText(/thank you for your order|your order is confirmed|order #\S+/i).first();
			await confirmed.waitFor({ state: "visible", timeout: 30_000 });
			const t = await page.locator("body").innerText();
			const problem = await pageProblem();
			if (problem) throw new Error(`confirmation page shows "${problem}"`);
			out.orderNumber = t.match(/Order #(\d+)/i)?.[1] ?? null;
			return t.match(/Order #\S+/i)?.[0] ?? "confirmed";
		},
		{ critical: true },
	);
	return out;
}

// ---- account: the "email" side -----------------------------------------------------------------------
// bizgraph follows Saleor: accountRegister emits ACCOUNT_CONFIRMATION_REQUESTED; an app's webhook receives
// it (Saleor's subscription type `AccountConfirmationRequested { redirectUrl token user channel }`) and
// would send the e-mail. This receiver plays that app. run.sh starts bizgraph with
// BIZGRAPH_WEBHOOK_ALLOW_PRIVATE_TARGETS=true (the receiver is on loopback).
const API_URL = process.env.SF_API_URL ?? "http://127.0.0.1:18001/graphql/";
const ADMIN_EMAIL = process.env.SF_ADMIN_EMAIL ?? "admin@example.com";
const ADMIN_PASSWORD = process.env.SF_ADMIN_PASSWORD;
const RUN_ID = Date.now().toString(36);
const GUEST_EMAIL = "shopper@example.com";
const SHOPPER_EMAIL = process.env.SF_SHOPPER_EMAIL ?? `shopper+${RUN_ID}@example.com`;
const SHOPPER_PASSWORD = `Pw-${RUN_ID}-storefront`;
const CONFIRMATION_QUERY =
	"subscription { event { ... on AccountConfirmationRequested { redirectUrl token user { email } channel { slug } } } }";
const hooks = []; // deliveries received: { headers, body, json }

async function gql(query, variables, token) {
	const res = await fetch(API_URL, {
		method: "POST",
		headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
		body: JSON.stringify({ query, variables }),
	});
	const body = await res.json();
	if (body.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 800)}`);
	return body.data;
}

const receiver = http.createServer((req, res) => {
	const chunks = [];
	req.on("data", (c) => chunks.push(c));
	req.on("end", () => {
		const body = Buffer.concat(chunks).toString("utf8");
		let json = null;
		try {
			json = JSON.parse(body);
		} catch {}
		hooks.push({ at: new Date().toISOString(), headers: req.headers, body, json });
		fs.appendFileSync(path.join(OUT, "webhooks.jsonl"), JSON.stringify({ headers: req.headers, body }) + "\n");
		res.writeHead(200, { "content-type": "text/plain" });
		res.end("ok");
	});
});
await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
const RECEIVER_URL = `http://127.0.0.1:${receiver.address().port}/account-events`;
let adminToken = null;
let webhookId = null;

// Saleor's prepare_url: the redirect URL's own query, then email and token (urlencoded)
function confirmationLink(redirectUrl, email, token) {
	const u = new URL(redirectUrl);
	u.searchParams.append("email", email);
	u.searchParams.append("token", token);
	return u.toString();
}

// ---- the run ----------------------------------------------------------------------------------------
let guest = { checkoutId: null, orderNumber: null };
let account = { checkoutId: null, orderNumber: null };
try {
	guest = await shopAndCheckout("");
} catch (e) {
	if (!String(e.message).startsWith("critical step")) {
		console.log(`  journey aborted: ${e.stack ?? e}`);
		results.push({ step: current, ok: false, error: String(e) });
	}
}

try {
	await step(
		"account-mail-webhook-setup",
		async () => {
			if (!ADMIN_PASSWORD) throw new Error("SF_ADMIN_PASSWORD not set (run.sh passes BIZGRAPH_ADMIN_PASSWORD)");
			const t = await gql(
				"mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) { token errors { field code message } } }",
				{ email: ADMIN_EMAIL, password: ADMIN_PASSWORD },
			);
			if (!t.tokenCreate.token) throw new Error(`tokenCreate: ${JSON.stringify(t.tokenCreate.errors)}`);
			adminToken = t.tokenCreate.token;
			const a = await gql(
				"mutation { appCreate(input: {name: \"Storefront journey mailer\", permissions: [MANAGE_USERS]}) { app { id } errors { field code message } } }",
				{},
				adminToken,
			);
			if (!a.appCreate.app) throw new Error(`appCreate: ${JSON.stringify(a.appCreate.errors)}`);
			const w = await gql(
				"mutation($input: WebhookCreateInput!) { webhookCreate(input: $input) { webhook { id asyncEvents { eventType } } errors { field code message } } }",
				{ input: { name: "account e-mails", app: a.appCreate.app.id, targetUrl: RECEIVER_URL, isActive: true, query: CONFIRMATION_QUERY } },
				adminToken,
			);
			if (!w.webhookCreate.webhook) throw new Error(`webhookCreate: ${JSON.stringify(w.webhookCreate.errors)}`);
			webhookId = w.webhookCreate.webhook.id;
			return `webhook ${webhookId} → ${RECEIVER_URL}, events ${w.webhookCreate.webhook.asyncEvents.map((e) => e.eventType).join(",")}`;
		},
	);

	await step(
		"account-signup",
		async () => {
			await gotoOk(`${SHOP}/signup`);
			await page.locator("#firstName").fill("Grace");
			await page.locator("#lastName").fill("Hopper");
			await page.locator("#email").fill(SHOPPER_EMAIL);
			await page.locator("#password").fill(SHOPPER_PASSWORD);
			await page.locator("#confirmPassword").fill(SHOPPER_PASSWORD);
			const [resp] = await Promise.all([
				page.waitForResponse((r) => r.url().includes("/api/auth/register"), { timeout: 30_000 }),
				page.getByRole("button", { name: /create account/i }).click(),
			]);
			const ok = page.getByText(/account created/i).first();
			await ok.waitFor({ state: "visible", timeout: 20_000 }).catch(() => {});
			if (!(await ok.isVisible())) {
				const alert = await page.locator('[role="alert"]').allInnerTexts().catch(() => []);
				throw new Error(`no "Account Created!"; /api/auth/register → ${resp.status()} ${(await resp.text().catch(() => "")).slice(0, 400)}; alerts ${JSON.stringify(alert)}`);
			}
			return `${SHOPPER_EMAIL}: "${(await ok.innerText()).trim()}"`;
		},
		{ critical: true },
	);

	let link = null;
	await step("account-confirmation-webhook", async () => {
		if (!webhookId) throw new Error("no webhook (setup failed)");
		const deadline = Date.now() + 20_000;
		let hit = null;
		while (Date.now() < deadline && !hit) {
			hit = hooks.find((h) => h.headers["saleor-event"] === "account_confirmation_requested");
			if (!hit) await new Promise((r) => setTimeout(r, 300));
		}
		if (!hit) {
			// what bizgraph recorded for the delivery
			const d = await gql(
				"query($id: ID!) { webhook(id: $id) { eventDeliveries(first: 5) { edges { node { id status eventType payload attempts(first: 5) { edges { node { status responseStatusCode response } } } } } } } }",
				{ id: webhookId },
				adminToken,
			).catch((e) => ({ error: String(e) }));
			throw new Error(`no ACCOUNT_CONFIRMATION_REQUESTED delivery within 20 s; bizgraph's eventDeliveries: ${JSON.stringify(d).slice(0, 900)}`);
		}
		const ev = hit.json?.event ?? hit.json; // payload = the subscription result's `event` object (Saleor)
		if (!ev?.token || !ev?.redirectUrl) throw new Error(`delivery without token/redirectUrl; body: ${hit.body.slice(0, 400)}`);
		if (ev.user?.email && ev.user.email !== SHOPPER_EMAIL) throw new Error(`delivery for ${ev.user.email}, expected ${SHOPPER_EMAIL}`);
		link = confirmationLink(ev.redirectUrl, SHOPPER_EMAIL, ev.token);
		return `token received; link ${link.replace(/token=[^&]+/, "token=…")}`;
	});

	await step(
		"account-confirm",
		async () => {
			if (!link) throw new Error("no confirmation link: the ACCOUNT_CONFIRMATION_REQUESTED webhook gave none");
			const u = new URL(link);
			if (u.origin !== BASE || !u.pathname.endsWith("/login") || u.searchParams.get("confirm") !== "1")
				throw new Error(`confirmation link ${link} does not point at the storefront's ${SHOP}/login?confirm=1`);
			await gotoOk(link);
			const done = page.getByText(/account confirmed|couldn't confirm account/i).first();
			await done.waitFor({ state: "visible", timeout: 30_000 });
			const title = (await done.innerText()).trim();
			if (!/account confirmed/i.test(title)) {
				const alert = await page.locator('[role="alert"]').allInnerTexts().catch(() => []);
				throw new Error(`confirm page says "${title}": ${JSON.stringify(alert)}`);
			}
			return `"${title}" (link from the webhook)`;
		},
		{ critical: true },
	);

	await step(
		"account-login",
		async () => {
			// as from the e-mail flow: the confirmation page's "Sign in" button
			const signIn = page.getByRole("link", { name: /^sign in$/i }).first();
			if (await signIn.count()) await signIn.click();
			else await gotoOk(`${SHOP}/login`);
			await page.locator("#email").waitFor({ state: "visible", timeout: 20_000 });
			await page.locator("#email").fill(SHOPPER_EMAIL);
			await page.locator("#password").fill(SHOPPER_PASSWORD);
			await page.getByRole("button", { name: /^sign in$/i }).click();
			await page.waitForURL((u) => !u.pathname.endsWith("/login"), { timeout: 30_000 }).catch(() => {});
			if (page.url().includes("/login")) {
				const alert = await page.locator('[role="alert"]').allInnerTexts().catch(() => []);
				throw new Error(`still on the login page; alerts ${JSON.stringify(alert)}`);
			}
			await page.waitForLoadState("networkidle", { timeout: 15_000 }).catch(() => {});
			const cookies = (await context.cookies()).map((c) => c.name).filter((n) => /token|auth|session/i.test(n));
			// signed in = the header's user menu replaces the "Log in" link (server-side `me` query)
			const loginLink = page.locator('header a[href$="/login"]');
			await loginLink.first().waitFor({ state: "detached", timeout: 15_000 }).catch(() => {});
			if (await loginLink.count())
				throw new Error(`header still shows the "Log in" link after signing in (server-side \`me\` is null); auth cookies: ${cookies.join(", ")}`);
			return `→ ${new URL(page.url()).pathname}, header shows the user menu; auth cookies: ${cookies.join(", ") || "(none named token/auth/session)"}`;
		},
		{ critical: true },
	);

	account = await shopAndCheckout("account", { signedIn: true });

	await step("account-orders", async () => {
		await gotoOk(`${SHOP}/account/orders`);
		const main = page.locator("main");
		await main.getByText(/\d+ orders?|no orders yet/i).first().waitFor({ state: "visible", timeout: 20_000 });
		const text = await main.innerText();
		const problem = text.match(/sign in to view[^\n]*|couldn't load your orders[^\n]*|signInRequired/i)?.[0];
		if (problem) throw new Error(`orders page says "${problem}"`);
		const count = text.match(/(\d+) orders?|no orders yet/i)?.[0];
		if (account.orderNumber && !new RegExp(`\\b${account.orderNumber}\\b`).test(text))
			throw new Error(`order #${account.orderNumber} not listed; page shows "${count}": ${text.replace(/\s+/g, " ").slice(0, 400)}`);
		if (guest.orderNumber && guest.orderNumber !== account.orderNumber && (await page.locator(`a[href$="/account/orders/${guest.orderNumber}"]`).count()))
			throw new Error(`the guest order #${guest.orderNumber} (${GUEST_EMAIL}) is listed in ${SHOPPER_EMAIL}'s orders`);
		return `"${count}", lists order #${account.orderNumber}`;
	});
} catch (e) {
	if (!String(e.message).startsWith("critical step")) {
		console.log(`  journey aborted: ${e.stack ?? e}`);
		results.push({ step: current, ok: false, error: String(e) });
	}
}

receiver.close();
await browser.close();
browserLog.end();
const failed = results.filter((r) => !r.ok);
fs.writeFileSync(
	path.join(OUT, "result.json"),
	JSON.stringify({ base: SHOP, guest, account: { email: SHOPPER_EMAIL, ...account }, webhooksReceived: hooks.length, results }, null, 2),
);
console.log(`\n${results.length - failed.length}/${results.length} steps passed${failed.length ? `; failed: ${failed.map((f) => f.step).join(", ")}` : ""}`);
console.log(`artifacts: ${OUT}`);
process.exit(failed.length ? 1 : 0);

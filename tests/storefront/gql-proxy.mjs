// Logging reverse proxy in front of bizgraph: every GraphQL exchange (from the storefront's
// server-side fetches, codegen and the browser) is appended to a JSONL file, so failures can
// be traced to the exact request and response. Usage:
//   node gql-proxy.mjs <listenPort> <upstreamBaseUrl> <logFile>
import http from "node:http";
import fs from "node:fs";

const [listenPort, upstream, logFile] = process.argv.slice(2);
const up = new URL(upstream);
const log = fs.createWriteStream(logFile, { flags: "a" });
let seq = 0;

function summarize(body) {
	try {
		const j = JSON.parse(body);
		const ops = Array.isArray(j) ? j : [j];
		return ops.map((o) => ({
			operationName: o.operationName ?? (o.query?.match(/^\s*(query|mutation|subscription)\s+(\w+)/)?.[2] ?? null),
			query: o.query,
			variables: o.variables,
		}));
	} catch {
		return body.slice(0, 2000);
	}
}

http
	.createServer((req, res) => {
		const chunks = [];
		req.on("data", (c) => chunks.push(c));
		req.on("end", () => {
			if (req.url === "/__font-mock.woff2" && process.env.SF_FONT_FILE) {
				// placeholder font for the offline next/font/google mock (see font-mock.cjs)
				res.writeHead(200, { "content-type": "font/woff2" });
				res.end(fs.readFileSync(process.env.SF_FONT_FILE));
				return;
			}
			const reqBody = Buffer.concat(chunks);
			const started = Date.now();
			const headers = { ...req.headers, host: up.host };
			delete headers["accept-encoding"]; // keep responses readable in the log
			const preq = http.request(
				{ hostname: up.hostname, port: up.port, path: req.url, method: req.method, headers },
				(pres) => {
					const rchunks = [];
					pres.on("data", (c) => rchunks.push(c));
					pres.on("end", () => {
						const resBody = Buffer.concat(rchunks);
						const h = { ...pres.headers };
						delete h["content-length"];
						delete h["transfer-encoding"];
						res.writeHead(pres.statusCode, { ...h, "content-length": resBody.length });
						res.end(resBody);
						if (req.method !== "POST" && !req.url.includes("query=")) return;
						const text = resBody.toString("utf8");
						let hasErrors = pres.statusCode >= 400;
						let errors;
						try {
							const j = JSON.parse(text);
							const arr = Array.isArray(j) ? j : [j];
							errors = arr.flatMap((r) => r.errors ?? []);
							// mutation payload errors: { data: { x: { errors: [...] } } }
							for (const r of arr)
								for (const v of Object.values(r.data ?? {}))
									if (v && Array.isArray(v.errors) && v.errors.length) errors.push(...v.errors.map((e) => ({ payloadError: e })));
							hasErrors ||= errors.length > 0;
						} catch {}
						log.write(
							JSON.stringify({
								seq: ++seq,
								t: new Date(started).toISOString(),
								ms: Date.now() - started,
								from: req.headers["user-agent"]?.includes("Chrome") ? "browser" : "server",
								status: pres.statusCode,
								hasErrors,
								errors,
								request: summarize(reqBody.toString("utf8")),
								response: hasErrors ? text.slice(0, 20000) : text.slice(0, 1500),
							}) + "\n",
						);
					});
				},
			);
			preq.on("error", (e) => {
				res.writeHead(502);
				res.end(String(e));
				log.write(JSON.stringify({ seq: ++seq, proxyError: String(e), url: req.url }) + "\n");
			});
			preq.end(reqBody);
		});
	})
	.listen(Number(listenPort), "127.0.0.1", () => console.log(`gql-proxy :${listenPort} -> ${upstream}`));

// Targets for secpipe's JavaScript rules (tests/tools/test_semgrep_rules.py).
//
// `// ruleid: <id>` marks that the next line must be reported by that rule;
// `// ok: <id>` marks that the next line must not be. Deliberately unsafe code: never run it.

const childProcess = require("child_process");
const { execSync } = require("child_process");
const crypto = require("crypto");
const https = require("https");
const vm = require("vm");
const yaml = require("js-yaml");
const serialize = require("node-serialize");
const express = require("express");

const app = express();

app.get("/ping", (req, res) => {
  // ruleid: javascript.injection.child-process-exec
  childProcess.exec("ping -c 1 " + req.query.host, (err, out) => res.send(out));
  // ruleid: javascript.injection.child-process-exec
  execSync(`nslookup ${req.query.host}`);
  // ruleid: javascript.injection.child-process-exec
  require("child_process").exec(req.query.cmd);
  // ruleid: javascript.injection.child-process-exec
  childProcess.spawn(req.query.cmd, [], { shell: true });
  // ok: javascript.injection.child-process-exec
  childProcess.exec("uptime");
  // ok: javascript.injection.child-process-exec
  childProcess.execFile("ping", ["-c", "1", req.query.host]);
  // ok: javascript.injection.child-process-exec
  childProcess.spawn("ls", ["-l"], { shell: true });
  // ruleid: javascript.injection.child-process-exec
  childProcess.spawnSync("grep", ["-r", req.query.term, "."], { shell: true });
  // ok: javascript.injection.child-process-exec
  /^\d+$/.exec(req.query.host);
});

app.get("/users", async (req, res) => {
  // ruleid: javascript.injection.sql-string-concat
  const rows = await db.query("SELECT * FROM users WHERE name = '" + req.query.name + "'");
  // ruleid: javascript.injection.sql-string-concat
  db.get(`SELECT * FROM users WHERE id = ${req.params.id}`, (err, row) => {});
  const sql = "DELETE FROM sessions WHERE user = '" + req.query.user + "'";
  // ruleid: javascript.injection.sql-string-concat
  connection.execute(sql);
  // ok: javascript.injection.sql-string-concat
  db.query("SELECT * FROM users WHERE name = ?", [req.query.name]);
  // ok: javascript.injection.sql-string-concat
  db.query("SELECT * FROM users WHERE name = $1", [req.query.name]);
  // ok: javascript.injection.sql-string-concat
  db.query(`SELECT * FROM users`);
  // ok: javascript.injection.sql-string-concat
  cache.get("user:" + req.query.name);
  // ok: javascript.injection.sql-string-concat
  db.query(sqlstring.format("SELECT * FROM users WHERE name = " + "?", [req.query.name]));
  res.json(rows);
});

app.post("/calc", (req, res) => {
  // ruleid: javascript.code-injection.eval
  const result = eval(req.body.expression);
  // ruleid: javascript.code-injection.eval
  const fn = new Function("a", "b", req.body.code);
  // ruleid: javascript.code-injection.eval
  vm.runInNewContext(req.body.code, {});
  // ruleid: javascript.code-injection.eval
  setTimeout("poll(" + req.body.id + ")", 1000);
  // ok: javascript.code-injection.eval
  eval("2 + 2");
  // ok: javascript.code-injection.eval
  setTimeout(() => poll(req.body.id), 1000);
  // ok: javascript.code-injection.eval
  setInterval(() => console.log("polling " + req.body.id), 1000);
  // ok: javascript.code-injection.eval
  JSON.parse(req.body.expression);
  res.json({ result, fn });
});

app.post("/restore", (req, res) => {
  // ruleid: javascript.deserialization.node-serialize
  const session = serialize.unserialize(req.cookies.session);
  // ruleid: javascript.deserialization.js-yaml-unsafe-load
  const config = yaml.load(req.body);
  // ruleid: javascript.deserialization.js-yaml-unsafe-load
  yaml.load(fs.readFileSync("config.yml", "utf8"), { schema: yaml.DEFAULT_FULL_SCHEMA });
  // ok: javascript.deserialization.js-yaml-unsafe-load
  yaml.load(fs.readFileSync("config.yml", "utf8"));
  // ok: javascript.deserialization.js-yaml-unsafe-load
  yaml.safeLoad(req.body);
  // ok: javascript.deserialization.node-serialize
  serialize.serialize(session);
  res.json({ config });
});

function digests(password, data) {
  // ruleid: javascript.crypto.weak-hash
  const digest = crypto.createHash("md5").update(password).digest("hex");
  // ruleid: javascript.crypto.weak-hash
  crypto.createHash("sha1").update(data);
  // ok: javascript.crypto.weak-hash
  crypto.createHash("sha256").update(data);
  // ruleid: javascript.crypto.weak-cipher
  crypto.createCipheriv("des-ede3-cbc", key, iv);
  // ruleid: javascript.crypto.weak-cipher
  crypto.createCipheriv("aes-128-ecb", key, null);
  // ruleid: javascript.crypto.weak-cipher
  crypto.createDecipheriv("rc4", key, "");
  // ok: javascript.crypto.weak-cipher
  crypto.createCipheriv("aes-256-gcm", key, iv);
  return digest;
}

function generateResetToken() {
  // ruleid: javascript.randomness.insecure-random
  return Math.random().toString(36).slice(2);
}

// ruleid: javascript.randomness.insecure-random
const sessionId = Math.floor(Math.random() * 1e16).toString(16);
// ok: javascript.randomness.insecure-random
const jitter = Math.random() * 100;
// ok: javascript.randomness.insecure-random
const tokenizerSeed = crypto.randomBytes(16).toString("hex");
// ok: javascript.randomness.insecure-random
const tokenize = () => Math.random();

// ruleid: javascript.tls.reject-unauthorized-false
const agent = new https.Agent({ rejectUnauthorized: false });
// ruleid: javascript.tls.reject-unauthorized-false
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
// ruleid: javascript.tls.reject-unauthorized-false
request({ url: "https://internal", strictSSL: false });
// ok: javascript.tls.reject-unauthorized-false
const strictAgent = new https.Agent({ rejectUnauthorized: true, ca: caBundle });

// ruleid: javascript.credentials.hardcoded
const DB_PASSWORD = "s3cr3t-Pa55w0rd";
// ruleid: javascript.credentials.hardcoded
const client = new Client({ user: "app", password: "hunter2!" });
// ruleid: javascript.credentials.hardcoded
const headers = { "x-api-key": "9f8e7d6c5b4a39281706" };
// ok: javascript.credentials.hardcoded
const dbPassword = process.env.DB_PASSWORD;
// ok: javascript.credentials.hardcoded
const placeholderToken = "<your-token>";
// ok: javascript.credentials.hardcoded
const password = "";
// ok: javascript.credentials.hardcoded
const passwordLabel = "Enter your password";
// ok: javascript.credentials.hardcoded
const authToken = `${process.env.TOKEN}`;
// ok: javascript.credentials.hardcoded
const apiKey = "API_KEY";
// ruleid: javascript.credentials.hardcoded
const jwtSigningKey = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oaLU3WTalnB4\n-----END EC PRIVATE KEY-----";

// ruleid: javascript.network.bind-all-interfaces
app.listen(3000, "0.0.0.0");
// ok: javascript.network.bind-all-interfaces
app.listen(3000, "127.0.0.1");

module.exports = { app, agent, strictAgent, client, headers, sessionId, jitter, tokenize };

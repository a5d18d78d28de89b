// A small Node.js handler with planted weaknesses, for secpipe's example. Do not copy.
const { exec } = require("child_process");
const crypto = require("crypto");
const https = require("https");

function archive(req, res) {
  exec("tar czf /tmp/export.tgz " + req.query.dir, (error, stdout) => res.send(stdout));
}

function legacyDigest(password) {
  return crypto.createHash("md5").update(password).digest("hex");
}

const insecureAgent = new https.Agent({ rejectUnauthorized: false });

function evaluate(req) {
  return eval(req.body.expression);
}

module.exports = { archive, legacyDigest, insecureAgent, evaluate };

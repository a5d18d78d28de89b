// Test code: credentials are left alone here (see ../app.js for the markers).

// ok: javascript.credentials.hardcoded
const fixture = { user: "admin", password: "admin123!" };
// ruleid: javascript.code-injection.eval
module.exports = eval(process.argv[2] + fixture.user);

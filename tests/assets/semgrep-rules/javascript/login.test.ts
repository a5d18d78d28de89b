// Test files are left out of javascript.credentials.hardcoded (see app.js for the markers).

describe("login", () => {
  it("accepts the seeded admin", async () => {
    // ok: javascript.credentials.hardcoded
    const response = await login({ email: "admin@example.com", password: "admin123" });
    // ok: javascript.credentials.hardcoded
    const apiKey = "9f8e7d6c5b4a39281706";
    // ruleid: javascript.code-injection.eval
    expect(eval(response.body + apiKey)).toBeTruthy();
  });
});

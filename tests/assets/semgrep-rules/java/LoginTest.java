// Test classes are left out of java.credentials.hardcoded (see Injection.java for the markers).

package example;

import java.security.MessageDigest;

class LoginTest {

    // ok: java.credentials.hardcoded
    private static final String ADMIN_PASSWORD = "admin123!";

    void logsIn() throws Exception {
        // ruleid: java.crypto.weak-hash
        MessageDigest.getInstance("MD5").digest(ADMIN_PASSWORD.getBytes());
    }
}

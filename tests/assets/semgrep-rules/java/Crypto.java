// Targets for secpipe's Java crypto, TLS and credential rules (see Injection.java for the
// markers).

package example;

import java.net.PasswordAuthentication;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Random;
import javax.crypto.Cipher;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSession;
import javax.net.ssl.X509TrustManager;
import org.apache.commons.codec.digest.DigestUtils;
import org.apache.http.conn.ssl.NoopHostnameVerifier;

public class Crypto {

    // ruleid: java.credentials.hardcoded
    private static final String DB_PASSWORD = "s3cr3t-Pa55w0rd";
    // ruleid: java.credentials.hardcoded
    private String apiKey = "9f8e7d6c5b4a39281706";
    // ok: java.credentials.hardcoded
    private static final String PASSWORD_PARAM = "password";
    // ok: java.credentials.hardcoded
    private static final String TOKEN_HEADER = "X-Auth-Token";
    // ok: java.credentials.hardcoded
    private final String dbPassword = System.getenv("DB_PASSWORD");
    // ok: java.credentials.hardcoded
    private String secret = "";
    // ok: java.credentials.hardcoded
    private String clientSecret = "${CLIENT_SECRET}";
    // ok: java.credentials.hardcoded
    private String passwordPrompt = "Enter your password";
    // ruleid: java.credentials.hardcoded
    private static final String SIGNING_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n";
    // ok: java.credentials.hardcoded
    private static final String VERIFY_KEY = "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A\n";
    // ok: java.randomness.insecure-random
    private static final Random RANDOM = new Random();
    private final SecureRandom secureRandom = new SecureRandom();

    public Connection connect(String url) throws Exception {
        // ruleid: java.credentials.hardcoded
        Connection connection = DriverManager.getConnection(url, "app", "hunter2!");
        // ruleid: java.credentials.hardcoded
        dataSource.setPassword("Sup3rS3cret");
        // ok: java.credentials.hardcoded
        dataSource.setPassword(System.getenv("DB_PASSWORD"));
        // ruleid: java.credentials.hardcoded
        new PasswordAuthentication("app", "hunter3!".toCharArray());
        return connection;
    }

    public byte[] digests(String password, byte[] data) throws Exception {
        // ruleid: java.crypto.weak-hash
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        // ruleid: java.crypto.weak-hash
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
        // ruleid: java.crypto.weak-hash
        String hex = DigestUtils.md5Hex(password);
        // ok: java.crypto.weak-hash
        MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
        // ok: java.crypto.weak-hash
        String sha256Hex = DigestUtils.sha256Hex(password);
        return md5.digest(data);
    }

    public void ciphers() throws Exception {
        // ruleid: java.crypto.weak-cipher
        Cipher des = Cipher.getInstance("DES/CBC/PKCS5Padding");
        // ruleid: java.crypto.weak-cipher
        Cipher ecb = Cipher.getInstance("AES/ECB/PKCS5Padding");
        // ruleid: java.crypto.weak-cipher
        Cipher bare = Cipher.getInstance("AES");
        // ruleid: java.crypto.weak-cipher
        Cipher rc4 = Cipher.getInstance("RC4");
        // ok: java.crypto.weak-cipher
        Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
    }

    public String generateSessionToken() {
        // ruleid: java.randomness.insecure-random
        return Long.toHexString(RANDOM.nextLong());
    }

    public String resetCode() {
        // ruleid: java.randomness.insecure-random
        int otp = new Random().nextInt(1000000);
        return String.valueOf(otp);
    }

    public byte[] backoff() {
        // ok: java.randomness.insecure-random
        int retryDelay = RANDOM.nextInt(100);
        // ok: java.randomness.insecure-random
        byte[] salt = new byte[16 + retryDelay];
        secureRandom.nextBytes(salt);
        return salt;
    }

    static class TrustEverything implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        // ruleid: java.tls.trust-all-certificates
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }

    static class CheckingTrustManager implements X509TrustManager {
        private final X509TrustManager delegate;

        CheckingTrustManager(X509TrustManager delegate) {
            this.delegate = delegate;
        }

        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        // ok: java.tls.trust-all-certificates
        public void checkServerTrusted(X509Certificate[] chain, String authType)
                throws java.security.cert.CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    public void hostnames(HttpsURLConnection connection) {
        // ruleid: java.tls.hostname-verifier-accept-all
        connection.setHostnameVerifier((hostname, session) -> true);
        // ruleid: java.tls.hostname-verifier-accept-all
        HttpsURLConnection.setDefaultHostnameVerifier(NoopHostnameVerifier.INSTANCE);
        // ok: java.tls.hostname-verifier-accept-all
        connection.setHostnameVerifier((hostname, session) -> hostname.equals("api.example.com"));
        HostnameVerifier anything = new HostnameVerifier() {
            // ruleid: java.tls.hostname-verifier-accept-all
            @Override
            public boolean verify(String hostname, SSLSession session) {
                return true;
            }
        };
    }
}

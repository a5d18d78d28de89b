// Test code: credentials are left alone here (see ../../../../Injection.java for the markers).

package example;

class ClientFixture {
    // ok: java.credentials.hardcoded
    static final String API_TOKEN = "9f8e7d6c5b4a39281706";

    // ruleid: java.deserialization.xml-decoder
    Object read(java.io.InputStream in) { return new java.beans.XMLDecoder(in).readObject(); }
}

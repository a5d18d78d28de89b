// Targets for secpipe's Java injection and deserialization rules
// (tests/tools/test_semgrep_rules.py).
//
// `// ruleid: <id>` marks that the next line must be reported by that rule;
// `// ok: <id>` marks that the next line must not be. Deliberately unsafe code: never run it.

package example;

import java.beans.XMLDecoder;
import java.beans.XMLEncoder;
import java.io.InputStream;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.io.ObjectStreamClass;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Arrays;
import java.util.List;
import javax.persistence.EntityManager;
import javax.script.ScriptEngine;
import javax.script.ScriptEngineManager;
import org.springframework.expression.ExpressionParser;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.jdbc.core.JdbcTemplate;

public class Injection {

    public void commands(String host, String userCommand) throws Exception {
        // ruleid: java.injection.runtime-exec
        Runtime.getRuntime().exec("ping -c 1 " + host);
        Runtime runtime = Runtime.getRuntime();
        // ruleid: java.injection.runtime-exec
        runtime.exec(userCommand);
        // ruleid: java.injection.runtime-exec
        runtime.exec(new String[] {"/bin/sh", "-c", "ping " + host});
        // ruleid: java.injection.runtime-exec
        new ProcessBuilder("bash", "-c", userCommand).start();
        // ruleid: java.injection.runtime-exec
        new ProcessBuilder(Arrays.asList("cmd.exe", "/c", userCommand)).start();
        // ok: java.injection.runtime-exec
        Runtime.getRuntime().exec("uptime");
        // ok: java.injection.runtime-exec
        runtime.exec(new String[] {"ping", "-c", "1", host});
        // ok: java.injection.runtime-exec
        new ProcessBuilder("ping", "-c", "1", host).start();
        // ok: java.injection.runtime-exec
        new ProcessBuilder("sh", "-c", "uptime").start();
    }

    public void queries(Connection connection, JdbcTemplate jdbc, EntityManager em, String name)
            throws Exception {
        Statement statement = connection.createStatement();
        // ruleid: java.injection.sql-string-concat
        ResultSet rows = statement.executeQuery("SELECT * FROM users WHERE name = '" + name + "'");
        // ruleid: java.injection.sql-string-concat
        statement.executeUpdate(String.format("DELETE FROM users WHERE name = '%s'", name));
        String sql = "UPDATE users SET active = 0 WHERE name = '" + name + "'";
        // ruleid: java.injection.sql-string-concat
        connection.prepareStatement(sql).execute();
        // ruleid: java.injection.sql-string-concat
        jdbc.queryForList("SELECT id FROM orders ORDER BY " + name);
        // ruleid: java.injection.sql-string-concat
        em.createNativeQuery("SELECT * FROM users WHERE name = '" + name + "'").getResultList();
        // ok: java.injection.sql-string-concat
        PreparedStatement safe = connection.prepareStatement("SELECT * FROM users WHERE name = ?");
        safe.setString(1, name);
        // ok: java.injection.sql-string-concat
        safe.executeQuery();
        // ok: java.injection.sql-string-concat
        statement.executeQuery("SELECT COUNT(*) FROM users");
        // ok: java.injection.sql-string-concat
        cache.update("user:" + name);
    }

    public Object scripts(String expression) throws Exception {
        ScriptEngine engine = new ScriptEngineManager().getEngineByName("javascript");
        // ruleid: java.code-injection.script-eval
        Object result = engine.eval(expression);
        ExpressionParser parser = new SpelExpressionParser();
        // ruleid: java.code-injection.script-eval
        parser.parseExpression(expression).getValue();
        // ok: java.code-injection.script-eval
        engine.eval("1 + 1");
        // ok: java.code-injection.script-eval
        parser.parseExpression("T(java.lang.Math).random()").getValue();
        return result;
    }

    public Object deserialize(InputStream input) throws Exception {
        // ruleid: java.deserialization.object-input-stream
        ObjectInputStream objects = new ObjectInputStream(input);
        Object value = objects.readObject();
        // ruleid: java.deserialization.xml-decoder
        XMLDecoder decoder = new XMLDecoder(input);
        Object bean = decoder.readObject();
        // ok: java.deserialization.xml-decoder
        XMLEncoder encoder = new XMLEncoder(System.out);
        encoder.writeObject(bean);
        // ok: java.deserialization.object-input-stream
        ObjectInputStream filtered = new ObjectInputStream(input);
        filtered.setObjectInputFilter(ObjectInputFilter.Config.createFilter("example.Dto;!*"));
        // ok: java.deserialization.object-input-stream
        ObjectInputStream checked = new ObjectInputStream(input) {
            @Override
            protected Class<?> resolveClass(ObjectStreamClass desc) throws java.io.IOException,
                    ClassNotFoundException {
                if (!desc.getName().equals("example.Dto")) {
                    throw new java.io.InvalidClassException(desc.getName());
                }
                return super.resolveClass(desc);
            }
        };
        // ruleid: java.deserialization.object-input-stream
        Object other = new java.io.ObjectInputStream(input).readObject();
        return List.of(value, bean, filtered.readObject(), checked.readObject(), other);
    }
}

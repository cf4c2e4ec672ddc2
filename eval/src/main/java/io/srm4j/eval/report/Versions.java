package io.srm4j.eval.report;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Versions recorded in results, so a number can be traced to the code that produced it. */
public final class Versions {
    private Versions() {}

    public static String srm4j() {
        try (InputStream in = Versions.class.getResourceAsStream("/io/srm4j/eval/version.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.contains("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    public static String java() { return Runtime.version().toString() + " (" + System.getProperty("java.vendor", "?") + ")"; }

    public static String os() {
        return System.getProperty("os.name", "?") + " " + System.getProperty("os.version", "?") + " " + System.getProperty("os.arch", "?");
    }
}

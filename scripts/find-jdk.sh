# Sourced by ./srm4j and scripts/test.sh: sets SRM4J_JAVA_HOME to a JDK >= 25, or explains what is missing.
# Looks in JAVA_HOME, the java on PATH, then the usual install folders.

srm4j_java_major() { # prints the feature version of the java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

srm4j_find_jdk() {
  local candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    c=$(command -v java); c=$(readlink -f "$c" 2>/dev/null || echo "$c")
    candidates+=("$(dirname "$(dirname "$c")")")
  fi
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk* /usr/local/lib/jvm/* "$HOME"/.sdkman/candidates/java/* \
           "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major=$(srm4j_java_major "$c/bin/java")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then SRM4J_JAVA_HOME="$c"; return 0; fi
  done
  {
    echo "srm4j: no JDK 25 or newer found."
    echo "  Looked at JAVA_HOME (${JAVA_HOME:-unset}), the java on PATH, /usr/lib/jvm, /opt/java, ~/.sdkman and ~/.jdks."
    echo "  Install one (for example Temurin 25: https://adoptium.net, or 'sdk install java 25-tem')"
    echo "  and point JAVA_HOME at it: export JAVA_HOME=/path/to/jdk-25"
  } >&2
  return 1
}

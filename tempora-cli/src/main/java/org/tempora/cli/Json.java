package org.tempora.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Small helper for JSON-lines output. */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {}

    /** A JSON object from alternating keys and values (insertion order kept). */
    static String object(Object... kv) {
        ObjectNode n = MAPPER.createObjectNode();
        for (int i = 0; i < kv.length; i += 2) {
            n.set((String) kv[i], MAPPER.valueToTree(kv[i + 1]));
        }
        return n.toString();
    }
}

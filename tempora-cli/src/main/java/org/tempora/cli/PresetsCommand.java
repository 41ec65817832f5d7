package org.tempora.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import org.tempora.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tempora presets [NAME]}: list the named presets, or print one resolved. */
@Command(name = "presets", mixinStandardHelpOptions = true,
        description = "List the named experiment presets (the papers' setups), or print one fully resolved as YAML.")
final class PresetsCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "NAME")
    String name;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter o = spec.commandLine().getOut();
        if (name != null) {
            o.print(ConfigLoader.toYaml(ConfigLoader.load(name, null, List.of())));
        } else {
            for (String p : ConfigLoader.presets()) {
                String desc = "";
                try (InputStream in = PresetsCommand.class.getResourceAsStream("/presets/" + p + ".yaml")) {
                    if (in != null) {
                        String first = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
                        if (first.startsWith("#")) desc = first.substring(1).strip();
                    }
                }
                o.printf("  %-24s %s%n", p, desc);
            }
        }
        o.flush();
        return Main.EXIT_OK;
    }
}

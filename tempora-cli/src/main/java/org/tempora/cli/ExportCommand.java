package org.tempora.cli;

import java.nio.file.Path;
import org.tempora.ConfigException;
import org.tempora.run.ModelExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tempora export RUN --format safetensors --out FILE}: a model's weights for PyTorch. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a model's weights as a safetensors file with tempora's state_dict keys (AST's own names: "
                + "v.*, mlp_head.*), float32, for PyTorch (safetensors.torch.load_file) or 'tempora import'.",
                "Example: tempora export runs/kws --format safetensors --out kws.safetensors"})
final class ExportCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "RUN", description = "A finished run folder (model.json + model.npz).")
    Path run;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "safetensors (the only one).")
    String format;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "The file to write.")
    Path out;

    @Option(names = "--overwrite", description = "Replace --out if it exists.")
    boolean overwrite;

    @Override
    public Integer call() {
        if (!format.strip().equalsIgnoreCase(ModelExport.SAFETENSORS)) {
            throw new ConfigException("--format '" + format + "': tempora exports safetensors");
        }
        int n = ModelExport.safetensors(run, out, overwrite);
        out().println("wrote " + out + ": " + n + " tensors (float32, tempora's state_dict keys)");
        out().flush();
        return Main.EXIT_OK;
    }
}

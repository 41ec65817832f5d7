package org.tempora.cli;

import java.nio.file.Path;
import org.tempora.run.ModelExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tempora export RUN --format safetensors|pth --out FILE}: a model's weights for PyTorch. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Write a model's weights with tempora's state_dict keys (AST's own names: v.*, mlp_head.*), float32, "
                + "as a safetensors file (safetensors.torch.load_file) or a torch.save file (torch.load(FILE, weights_only=True)), "
                + "for PyTorch or 'tempora import'.",
                "Example: tempora export runs/kws --format pth --out kws.pth"})
final class ExportCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "RUN", description = "A finished run folder (model.json + model.npz).")
    Path run;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "safetensors or pth.")
    String format;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE", description = "The file to write.")
    Path out;

    @Option(names = "--overwrite", description = "Replace --out if it exists.")
    boolean overwrite;

    @Override
    public Integer call() {
        int n = ModelExport.write(run, out, format, overwrite);
        out().println("wrote " + out + ": " + n + " tensors (float32, tempora's state_dict keys)");
        out().flush();
        return Main.EXIT_OK;
    }
}

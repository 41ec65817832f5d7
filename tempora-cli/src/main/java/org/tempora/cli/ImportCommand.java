package org.tempora.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.tempora.run.ModelImport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tempora import CHECKPOINT --out RUN}: a PyTorch AST checkpoint as a tempora model bundle. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {"Turn a PyTorch AST or Audio Mamba checkpoint (a torch.save file, a safetensors file, or a Hugging Face model folder) "
                + "into a model bundle (model.npz + model.json) that eval, classify and explain use like a trained run. "
                + "The model's shape comes from its tensors; heads, strides, input length, mel bins and normalisation from "
                + "--set, a Hugging Face config.json, or AST's defaults, each default printed as a note (docs/interop.md).",
                "Example: tempora import audioset_10_10_0.4593.pth --layout yuangong --labels class_labels_indices.csv --multi-label --out runs/ast-audioset"})
final class ImportCommand extends CliCommand {
    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A .pth/.pt/.bin (torch.save) or .safetensors file, or a Hugging Face model folder.")
    Path checkpoint;

    @Option(names = "--arch", defaultValue = "ast", paramLabel = "ARCH", description = "The architecture: ast or aum (Audio Mamba) (default: ${DEFAULT-VALUE}).")
    String arch;

    @Option(names = "--layout", paramLabel = "yuangong|hf|aum", description = "How the checkpoint names its tensors: yuangong "
            + "(YuanGongND/ast, module.v.*) or hf (transformers' ASTForAudioClassification) for ast; aum (kaistmm/Audio-Mamba-AuM) for aum. "
            + "Default: told from the keys. An ImageNet DeiT (timm layout) has no audio classifier and is refused: start a training "
            + "from it with train --init.")
    String layout;

    @Option(names = "--labels", paramLabel = "CSV", description = "Class names: AudioSet's class_labels_indices.csv (index, mid, "
            + "display_name) or one name per line. Default: a Hugging Face folder's id2label, else class_0, class_1, ...")
    Path labels;

    @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "A config value the weights do not show, e.g. "
            + "--set backbone.heads=12 --set features.norm_mean=-6.6268077 --set features.norm_std=5.358466. Repeatable.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--multi-label", description = "The classes are independent (sigmoid scores, as AudioSet), not exclusive (softmax).")
    boolean multiLabel;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "RUN", description = "The run folder to write (new or empty).")
    Path out;

    @Option(names = "--overwrite", description = "Replace the run in --out: removes only the files that run wrote.")
    boolean overwrite;

    @Override
    public Integer call() {
        ModelImport.Result r = ModelImport.run(new ModelImport.Options(checkpoint, arch, layout, labels, overrides, multiLabel, out, overwrite));
        PrintWriter o = out();
        o.printf(Locale.ROOT, "imported %s (%s layout, %s): %s, %,d parameters%n", checkpoint, r.layout(), r.format(), r.model(), r.parameters());
        o.printf(Locale.ROOT, "normalisation: mean %s, std %s; classes: %s%s%n", r.normMean(), r.normStd(),
                String.join(", ", r.classes().subList(0, Math.min(5, r.classes().size()))), r.classes().size() > 5 ? ", ..." : "");
        for (String n : r.notes()) o.println("note: " + n);
        o.println("model bundle: " + r.runDir() + " (try: tempora classify --model " + r.runDir() + " FILE)");
        o.flush();
        return Main.EXIT_OK;
    }
}

package org.tempora.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.OutputException;
import org.tempora.features.FrontEnd;
import org.tempora.features.LogMelStream;
import org.tempora.io.AudioFiles;
import org.tempora.io.Npy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tempora fbank FILE... --out PATH}: Kaldi fbank features as NumPy .npy ([frames, mel_bins] float32). */
@Command(name = "fbank", mixinStandardHelpOptions = true,
        description = {"Compute Kaldi-compatible log-mel filterbank features exactly as AST does "
                + "(torchaudio.compliance.kaldi.fbank) and write [frames, mel_bins] float32 .npy files.",
                "With one input FILE and --out ending in .npy, writes that file; otherwise --out is a folder that receives "
                        + "one <name>.npy per input (folders given as input are searched for .wav/.flac and mirrored).",
                "The clip mean is removed first, as AST's loader does (with DC removal on, this changes nothing but rounding).",
                "Files of any length are read as a stream and written row by row in bounded memory (one pass over the audio "
                        + "for the clip mean, one for the frames; with --target-frames only those frames are computed)."})
final class FbankCommand extends CliCommand {
    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Audio files or folders.")
    List<Path> inputs;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "PATH", description = "Output .npy file, or folder.")
    Path out;

    @Mixin
    FrontEndOptions fe;

    @Option(names = "--target-frames", defaultValue = "0", converter = OptionValues.CountOrZero.class, description = "Pad with zeros (log-domain 0) or truncate to this many frames (0 = keep).")
    int targetFrames;

    @Option(names = "--norm-mean", converter = OptionValues.Finite.class, description = "Normalise (x - mean) / (2 std) with this dataset mean (with --norm-std).")
    Double normMean;

    @Option(names = "--norm-std", converter = OptionValues.Positive.class, description = "Dataset std for normalisation (with --norm-mean).")
    Double normStd;

    @Override
    public Integer call() {
        FrontEnd frontEnd = fe.frontEnd(targetFrames, normMean, normStd);
        PrintWriter err = err();
        PrintWriter stdout = out();
        Map<Path, Path> plan = plan();
        int code = Main.EXIT_OK;
        int written = 0;
        for (Map.Entry<Path, Path> e : plan.entrySet()) {
            try (LogMelStream s = frontEnd.openInput(frontEnd.source(e.getKey()))) {
                Npy.writeRows(e.getValue(), s.rows(), s.bins(), s::read); // row by row: any length in bounded memory
                written++;
            } catch (InvalidInputException ex) {
                err.println(Main.errorLine(ex));
                code = Main.EXIT_BAD_INPUT;
            } catch (IOException ex) {
                throw new OutputException(e.getValue(), ex);
            }
        }
        stdout.printf("wrote %d of %d feature file%s to %s%n", written, plan.size(), plan.size() == 1 ? "" : "s", out);
        stdout.flush();
        err.flush();
        return code;
    }

    /** Input file → output .npy, in input order. */
    private Map<Path, Path> plan() {
        Map<Path, Path> plan = new LinkedHashMap<>();
        boolean singleFile = inputs.size() == 1 && !Files.isDirectory(inputs.get(0))
                && out.getFileName().toString().endsWith(".npy") && !Files.isDirectory(out);
        if (singleFile) {
            plan.put(inputs.get(0), out);
            return plan;
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new ConfigException("--out " + out + " is a file, but several outputs need a folder");
        }
        Map<Path, Path> taken = new HashMap<>();
        for (Path in : inputs) {
            List<Path> files = new ArrayList<>();
            if (Files.isDirectory(in)) files.addAll(AudioFiles.inFolder(in));
            else files.add(in);
            for (Path f : files) {
                Path rel = Files.isDirectory(in) ? in.relativize(f) : f.getFileName();
                String name = rel.getFileName().toString();
                int dot = name.lastIndexOf('.');
                Path target = out.resolve(rel).resolveSibling((dot > 0 ? name.substring(0, dot) : name) + ".npy");
                Path before = taken.put(target, f);
                if (before != null) {
                    throw new ConfigException("inputs " + before + " and " + f + " would both be written to " + target);
                }
                plan.put(f, target);
            }
        }
        return plan;
    }
}

package org.tempora.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code -m/--model RUN}: the finished run folder (model bundle) a command uses. */
final class ModelOption {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "RUN", description = "A finished run folder (model.json + model.npz).")
    Path model;
}

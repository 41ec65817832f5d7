package org.tempora.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tempora.ConfigException;
import org.tempora.Stop;
import org.tempora.serve.ModelServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tempora serve --model RUN}: models over HTTP with a web page, until SIGTERM/SIGINT. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve trained models over HTTP: POST /v1/classify (a WAV/FLAC body or multipart 'file'), "
                + "GET /v1/models, /health, /ready, /metrics (Prometheus), and a web page at / to upload or record audio.",
                "Example: tempora serve --model runs/demo --port 8080, then open http://127.0.0.1:8080/",
                "SIGTERM/SIGINT stop accepting, finish the requests in flight and exit 143/130."})
final class ServeCommand extends CliCommand {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "[NAME=]RUN",
            description = "A run folder or model bundle; repeat for several models, each chosen by ?model=NAME (default name: the folder's).")
    List<String> models;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", defaultValue = "8080", converter = OptionValues.CountOrZero.class,
            description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--max-body-mb", defaultValue = "50", converter = OptionValues.Count.class, description = "Largest upload in MB (default: ${DEFAULT-VALUE}); larger: 413.")
    int maxBodyMb;

    @Option(names = "--max-seconds", defaultValue = "600", converter = OptionValues.Count.class, description = "Longest audio in seconds (default: ${DEFAULT-VALUE}); longer: 413.")
    int maxSeconds;

    @Option(names = "--workers", defaultValue = "2", converter = OptionValues.Count.class, description = "Requests running a model at once (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--queue", defaultValue = "16", converter = OptionValues.CountOrZero.class, description = "Requests that may wait beyond those (default: ${DEFAULT-VALUE}); more: 503 with Retry-After.")
    int queue;

    @Option(names = "--batch", defaultValue = "16", converter = OptionValues.Count.class,
            description = "Micro-batching: concurrent requests scored in one forward pass at most (default: ${DEFAULT-VALUE}; 1 = off).")
    int batch;

    @Option(names = "--batch-wait-ms", defaultValue = "0", converter = OptionValues.NonNegative.class,
            description = "How long a batch's first request waits for others (default: ${DEFAULT-VALUE}: only those already queued).")
    double batchWaitMs;

    @Mixin
    ThreadsOption threads;

    @Mixin
    DeviceOption device;

    @Override
    public Integer call() throws InterruptedException {
        device.apply();
        Map<String, Path> named = new LinkedHashMap<>();
        for (String m : models) {
            int eq = m.indexOf('=');
            String name = eq > 0 ? m.substring(0, eq) : Path.of(m).toAbsolutePath().normalize().getFileName().toString();
            Path dir = Path.of(eq > 0 ? m.substring(eq + 1) : m);
            if (named.put(name, dir) != null) throw new ConfigException("two models are named '" + name + "' (use NAME=RUN)");
        }
        ModelServer.Limits limits = new ModelServer.Limits((long) maxBodyMb << 20, maxSeconds, workers, queue);
        PrintWriter o = out();
        try (Stop.Region polling = Stop.cooperate();
             ModelServer server = ModelServer.start(named, host, port, limits, new ModelServer.Batching(batch, batchWaitMs), threads.resolve())) {
            o.println("serving " + String.join(", ", named.keySet()) + " on http://" + host + ":" + server.port() + "/ (Ctrl-C to stop)");
            o.flush();
            while (Stop.requested() == null) Thread.sleep(200);
        }
        Stop.check("after finishing the requests in flight");
        return Main.EXIT_OK;
    }
}

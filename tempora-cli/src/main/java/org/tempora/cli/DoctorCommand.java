package org.tempora.cli;

import ai.djl.pytorch.jni.JniUtils;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tempora.nn.EngineCheck;
import org.tempora.nn.Ops;
import org.tempora.run.Engines;
import org.tempora.run.Versions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tempora doctor}: what this machine is, what tempora runs on, and whether the engine computes correctly
 * here. Exit 0 when every op tempora uses agrees with float64; 4 with the failing op named otherwise.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Print the CPU (model, family, vector ISA), cores and threads, the Java, DJL and libtorch versions and "
                + "the MKL/oneDNN settings, then check every op tempora relies on, forward and backward, against float64 "
                + "(a few seconds). Also reports libtorch's own convolution, which tempora does not use.",
                "Exit 0 when everything agrees; 4 when an op tempora uses is wrong on this CPU (it is named)."})
final class DoctorCommand extends CliCommand {
    @Option(names = "--quick", description = "Run only the subset that training and inference run at start-up.")
    boolean quick;

    @Option(names = "--verbose", description = "Print every checked case, not only the summary and the failures.")
    boolean verbose;

    @Option(names = "--threads", defaultValue = "0", description = "libtorch intra-op threads (default: all cores).")
    int threads;

    /** Vector-ISA flags of /proc/cpuinfo worth knowing for oneDNN/MKL kernel choice. */
    private static final List<String> ISA = List.of("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl",
            "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16");

    @Override
    public Integer call() {
        PrintWriter out = out();
        if (threads < 0) throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--threads must be ≥ 0");
        Map<String, String> cpu = Versions.cpuInfo();
        out.println("machine");
        out.printf(Locale.ROOT, "  cpu        %s (vendor %s, family %s, model %s, stepping %s)%n", cpu.getOrDefault("model name", "?"),
                cpu.getOrDefault("vendor_id", "?"), cpu.getOrDefault("cpu family", "?"), cpu.getOrDefault("model", "?"),
                cpu.getOrDefault("stepping", "?"));
        List<String> isa = new ArrayList<>();
        String flags = " " + cpu.getOrDefault("flags", "") + " ";
        for (String f : ISA) if (flags.contains(" " + f + " ")) isa.add(f);
        out.println("  isa        " + (isa.isEmpty() ? "(unknown)" : String.join(" ", isa)));
        out.println("  cores      " + Runtime.getRuntime().availableProcessors() + " available to the JVM");
        Map<String, String> v = Versions.all();
        out.println("software");
        for (var e : v.entrySet()) out.printf(Locale.ROOT, "  %-10s %s%n", e.getKey(), e.getValue());
        int n = Engines.configureThreadsUnchecked(threads);
        out.printf(Locale.ROOT, "  threads    libtorch intra-op %d, inter-op %d%n", JniUtils.getNumThreads(), JniUtils.getNumInteropThreads());
        out.println("settings");
        for (String k : List.of("MKL_CBWR", "MKL_DYNAMIC", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "ONEDNN_MAX_CPU_ISA",
                "DNNL_MAX_CPU_ISA", "ONEDNN_VERBOSE")) {
            out.printf(Locale.ROOT, "  %-18s %s%n", k, System.getenv().getOrDefault(k, "(unset)"));
        }
        out.printf(Locale.ROOT, "  convolution        %s%n", Ops.nativeConv()
                ? "libtorch native (oneDNN), selected by -D" + Ops.CONV_PROPERTY + "=native"
                : "tempora's unfold + matmul (libtorch's oneDNN convolution is not used)");
        out.flush();

        EngineCheck.Level level = quick ? EngineCheck.Level.QUICK : EngineCheck.Level.FULL;
        long t0 = System.nanoTime();
        List<EngineCheck.Result> used = EngineCheck.run(level);
        List<EngineCheck.Result> nat = EngineCheck.run(EngineCheck.nativeConvolutionCases(level));
        double secs = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "numerics (%s check, float64 references, %d threads, %.1f s)%n", level.name().toLowerCase(Locale.ROOT), n, secs);
        List<EngineCheck.Result> bad = summarise(out, used, "ops tempora uses", true);
        List<EngineCheck.Result> badNative = summarise(out, nat, "libtorch's own convolution (not used)", verbose);
        if (!badNative.isEmpty() && !Ops.nativeConv()) {
            out.println("  (tempora computes convolutions with unfold + matmul, so these failures do not affect it; --verbose lists them)");
        }
        out.flush();
        if (!bad.isEmpty()) {
            EngineCheck.Result first = bad.get(0);
            err().printf(Locale.ROOT,
                    "tempora: the engine is wrong on this CPU: %d op check%s failed, first %s %s (do not train or run models here)%n",
                    bad.size(), bad.size() == 1 ? "" : "s", first.op(), first.shape().strip());
            err().flush();
            return Main.EXIT_ENGINE;
        }
        out.println("everything tempora uses agrees with float64 on this machine");
        return Main.EXIT_OK;
    }

    private List<EngineCheck.Result> summarise(PrintWriter out, List<EngineCheck.Result> rs, String what, boolean listFailures) {
        Map<String, int[]> byOp = new LinkedHashMap<>();
        List<EngineCheck.Result> bad = new ArrayList<>();
        for (EngineCheck.Result r : rs) {
            int[] c = byOp.computeIfAbsent(r.op(), k -> new int[2]);
            c[0]++;
            if (!r.passed()) {
                c[1]++;
                bad.add(r);
            }
            if (verbose) out.println("    " + r);
        }
        out.printf(Locale.ROOT, "  %s: %d of %d checks agree%n", what, rs.size() - bad.size(), rs.size());
        for (var e : byOp.entrySet()) {
            out.printf(Locale.ROOT, "    %-14s %3d/%-3d %s%n", e.getKey(), e.getValue()[0] - e.getValue()[1], e.getValue()[0],
                    e.getValue()[1] == 0 ? "ok" : "WRONG");
        }
        if (!verbose && listFailures) for (EngineCheck.Result r : bad) out.println("    " + r);
        return bad;
    }
}

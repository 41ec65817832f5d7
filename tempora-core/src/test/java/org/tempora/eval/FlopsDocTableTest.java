package org.tempora.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.tempora.model.AstConfig;
import org.tempora.tokens.PatchGeometry;

/** The worked tables in docs/flops.md are the output of {@link #tables()}: this test keeps them in sync. */
class FlopsDocTableTest {
    static final String[] SIZES = {"tiny", "small", "base"};

    static String g(long flops) {
        return String.format(Locale.ROOT, "%.3f", flops / 1e9);
    }

    static List<String> tables() {
        List<String> out = new ArrayList<>();
        out.add("| front-end | input F×T | tokens L | AST-tiny GFLOPs | AST-small GFLOPs | AST-base GFLOPs | AST-base GMACs | AST-base GMACs w/o QKᵀ, AV |");
        out.add("|---|---|---|---|---|---|---|---|");
        List<Object[]> rows = new ArrayList<>();
        for (int t : new int[] {128, 1024}) {
            for (int s : new int[] {10, 16}) rows.add(new Object[] {"square 16×16, stride " + s, PatchGeometry.square(128, t, 16, s, s)});
        }
        for (int t : new int[] {128, 1024}) {
            for (int w : new int[] {2, 4, 8, 16}) rows.add(new Object[] {"FFTP 128×" + w + ", stride " + w, PatchGeometry.fftp(128, t, w, w)});
        }
        for (int w : new int[] {2, 4, 8, 16}) {
            rows.add(new Object[] {"FFTP 128×" + w + ", stride " + w / 2, PatchGeometry.fftp(128, 1024, w, w / 2)});
        }
        for (Object[] r : rows) {
            PatchGeometry p = (PatchGeometry) r[1];
            StringBuilder sb = new StringBuilder("| ").append(r[0]).append(" | 128×").append(p.frames()).append(" | ")
                    .append(p.numPatches() + 2).append(" |");
            FlopCount base = null;
            for (String size : SIZES) {
                FlopCount f = AstConfig.preset(size, p, 527).flops();
                sb.append(' ').append(g(f.total())).append(" |");
                base = f;
            }
            long noAttn = base.macs() - (base.get("blocks.attn.qk") + base.get("blocks.attn.av")) / 2;
            sb.append(' ').append(g(base.macs())).append(" | ").append(g(noAttn)).append(" |");
            out.add(sb.toString());
        }
        out.add("");
        out.add("| AuM mixer (one layer), D = 768, L = 513 | matmul GFLOPs | scan GFLOPs | elementwise GFLOPs | total GFLOPs |");
        out.add("|---|---|---|---|---|");
        for (Flops.Bidirectional v : Flops.Bidirectional.values()) {
            FlopCount f = Flops.mambaMixer(513, 768, v);
            out.add("| " + v + " | " + g(f.total(FlopCount.Kind.MATMUL)) + " | " + g(f.total(FlopCount.Kind.SCAN)) + " | "
                    + g(f.total(FlopCount.Kind.ELEMENTWISE)) + " | " + g(f.total()) + " |");
        }
        out.add("");
        out.add("| DiffRes, F = 128 | estimator GFLOPs | warp GFLOPs | total GFLOPs |");
        out.add("|---|---|---|---|");
        for (int[] tt : new int[][] {{1024, 512}, {1024, 256}, {3000, 750}}) {
            FlopCount e = Flops.diffresEstimator(tt[0], 128, Flops.diffresChannelPlan(128));
            FlopCount w = Flops.diffresWarp(tt[0], 128, tt[1]);
            out.add("| T = " + tt[0] + " → t = " + tt[1] + " | " + g(e.total()) + " | " + g(w.total()) + " | "
                    + g(e.total() + w.total()) + " |");
        }
        out.add("");
        out.addAll(diffresSavings());
        return out;
    }

    /**
     * Issue #13 item 3: the whole forward with DiffRes (estimator + warp + the backbone on t frames with its 3 channels)
     * against the backbone at full resolution, per AST size and δ: "saving" is {@code 1 − total/full}, "est." the
     * estimator's and warp's share of the DiffRes total.
     */
    static List<String> diffresSavings() {
        List<String> out = new ArrayList<>();
        out.add("| tokens, T | AST size | full GFLOPs | δ 0.25: GFLOPs (saving, est.) | δ 0.5 | δ 0.75 |");
        out.add("|---|---|---|---|---|---|");
        for (int geo = 0; geo < 2; geo++) {
            int frames = geo == 0 ? 128 : 1024;
            String name = geo == 0 ? "FFTP 128×8 / 4, T = 128" : "square 16×16 / 10, T = 1024";
            for (String size : new String[] {"micro", "mini", "tiny", "small", "base"}) {
                PatchGeometry full = geo == 0 ? PatchGeometry.fftp(128, frames, 8, 4) : PatchGeometry.square(128, frames, 16, 10, 10);
                long f0 = AstConfig.preset(size, full, 35).flops().total();
                StringBuilder sb = new StringBuilder("| ").append(name).append(" | ").append(size).append(" | ").append(g(f0)).append(" |");
                for (double delta : new double[] {0.25, 0.5, 0.75}) {
                    int t = (int) (frames * (1 - delta));
                    PatchGeometry p = (geo == 0 ? PatchGeometry.fftp(128, t, 8, 4) : PatchGeometry.square(128, t, 16, 10, 10)).withChannels(3);
                    long est = Flops.diffres(frames, 128, t, Flops.diffresChannelPlan(128)).total();
                    long total = est + AstConfig.preset(size, p, 35).flops().total();
                    sb.append(String.format(Locale.ROOT, " %s (%.0f %%, %.1f %%) |", g(total), 100.0 * (1 - (double) total / f0),
                            100.0 * est / total));
                }
                out.add(sb.toString());
            }
        }
        return out;
    }

    @Test
    void docsTablesMatchTheCode() throws IOException {
        Path doc = org.tempora.testing.Fixtures.repoFile("docs/flops.md");
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        for (String line : tables()) {
            if (!line.isEmpty()) assertThat(text).as("docs/flops.md is missing or has a stale row").contains(line);
        }
    }

    /** Prints the tables (for regenerating the docs): run this class's main with the test classpath. */
    public static void main(String[] args) {
        tables().forEach(System.out::println);
    }
}

package org.tempora.model.mamba;

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

/** The token/FLOP table of docs/fftp-specmask.md is the output of {@link #table()}: this test keeps it in sync. */
class FftpDocTableTest {

    static String g(double flops) {
        return String.format(Locale.ROOT, "%.3f", flops / 1e9);
    }

    static List<String> table() {
        List<String> out = new ArrayList<>();
        out.add("| input F×T | patches | N | AST-mini GFLOPs | AuM-mini (v2) GFLOPs | AST-base GFLOPs | AuM-base (v1) GFLOPs | AST-base vs square s10 | AuM-base vs square s16 |");
        out.add("|---|---|---|---|---|---|---|---|---|");
        for (int t : new int[] {128, 1024}) {
            List<Object[]> rows = new ArrayList<>();
            rows.add(new Object[] {"square 16×16, stride 10", PatchGeometry.square(128, t, 16, 10, 10)});
            rows.add(new Object[] {"square 16×16, stride 16", PatchGeometry.square(128, t, 16, 16, 16)});
            for (int[] ws : new int[][] {{4, 4}, {8, 4}, {8, 8}, {16, 8}, {16, 16}}) {
                rows.add(new Object[] {"FFTP 128×" + ws[0] + ", stride " + ws[1], PatchGeometry.fftp(128, t, ws[0], ws[1])});
            }
            double astRef = AstConfig.preset("base", PatchGeometry.square(128, t, 16, 10, 10), 527).flops().total();
            double aumRef = AumConfig.preset("base", Bimamba.V1, PatchGeometry.square(128, t, 16, 16, 16), 527,
                    SelectiveScan.Mode.sequential()).flops().total();
            for (Object[] r : rows) {
                PatchGeometry p = (PatchGeometry) r[1];
                double astMini = AstConfig.preset("mini", p, 35).flops().total();
                double aumMini = AumConfig.preset("mini", Bimamba.V2, p, 35, SelectiveScan.Mode.sequential()).flops().total();
                double astBase = AstConfig.preset("base", p, 527).flops().total();
                double aumBase = AumConfig.preset("base", Bimamba.V1, p, 527, SelectiveScan.Mode.sequential()).flops().total();
                out.add("| 128×" + t + " | " + r[0] + " | " + p.numPatches() + " | " + g(astMini) + " | " + g(aumMini) + " | "
                        + g(astBase) + " | " + g(aumBase) + " | " + change(astBase, astRef) + " | " + change(aumBase, aumRef) + " |");
            }
        }
        return out;
    }

    static String change(double v, double ref) {
        return v == ref ? "reference" : String.format(Locale.ROOT, "%+.1f %%", 100 * (v / ref - 1));
    }

    @Test
    void docsTableMatchesTheCode() throws IOException {
        String text = Files.readString(org.tempora.testing.Fixtures.repoFile("docs/fftp-specmask.md"), StandardCharsets.UTF_8);
        for (String line : table()) assertThat(text).as("docs/fftp-specmask.md is missing or has a stale row").contains(line);
    }

    public static void main(String[] args) {
        table().forEach(System.out::println);
    }
}

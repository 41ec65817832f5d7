package org.tempora.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.tempora.ConfigException;
import org.tempora.InvalidInputException;
import org.tempora.Messages;
import org.tempora.audio.AudioReader;
import org.tempora.config.ExperimentConfig;
import org.tempora.io.AudioFiles;

/**
 * Reads a dataset folder in one of the standard layouts, detected from the folder (or named by
 * {@code data.layout}):
 * <ul>
 *   <li>{@code speechcommands} — Speech Commands v2: {@code <word>/*.wav}, {@code validation_list.txt},
 *       {@code testing_list.txt}, {@code _background_noise_/}. 35 words, or 12 classes (10 words +
 *       {@code _unknown_} + {@code _silence_});</li>
 *   <li>{@code esc50} — {@code meta/esc50.csv} + {@code audio/}, 5 folds;</li>
 *   <li>{@code audioset} — AST's JSON ({@code {"data":[{"wav":…,"labels":"/m/a,/m/b"}]}}) +
 *       {@code class_labels_indices.csv}, multi-label;</li>
 *   <li>{@code folders} — {@code train/<class>/…}, {@code valid/<class>/…}, {@code test/<class>/…};</li>
 *   <li>{@code synthetic} — the built-in generated set ({@link SyntheticDataset}).</li>
 * </ul>
 * Missing files and unknown labels are errors naming the file (and line); with {@code skip_bad} they are
 * skipped and listed in {@link Dataset#skipped()}.
 */
public final class DatasetLoader {
    /** The 10 command words of the 12-class Speech Commands task, in TensorFlow's order. */
    public static final List<String> SC_WORDS = List.of("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go");
    public static final String UNKNOWN = "_unknown_";
    public static final String SILENCE = "_silence_";

    private DatasetLoader() {}

    public static Dataset load(ExperimentConfig.Data d, long seed) {
        if (d.path().equals("synthetic") || d.layout().equals("synthetic")) {
            return SyntheticDataset.create(d.synthetic(), seed);
        }
        Path dir = Path.of(d.path());
        if (!Files.isDirectory(dir)) {
            throw new InvalidInputException(dir, Files.exists(dir) ? "not a folder" : "no such dataset folder");
        }
        String layout = d.layout().equals("auto") ? detect(dir) : d.layout();
        Bad bad = new Bad(d.skipBad());
        Dataset ds = switch (layout) {
            case "speechcommands" -> speechCommands(dir, d.speechcommandsClasses(), seed, bad);
            case "esc50" -> esc50(dir, d.fold(), bad);
            case "audioset" -> audioset(dir, d, bad);
            case "folders" -> folders(dir, bad);
            default -> throw new ConfigException("unknown data.layout '" + layout + "' (auto, speechcommands, esc50, audioset, folders, synthetic)");
        };
        if (d.trainFraction() < 1.0) ds = subsample(ds, d.trainFraction(), seed);
        return ds;
    }

    /** The layout of a folder, from the files that define each format. */
    public static String detect(Path dir) {
        if (Files.exists(dir.resolve("validation_list.txt")) || Files.exists(dir.resolve("testing_list.txt"))) return "speechcommands";
        if (Files.exists(dir.resolve("meta").resolve("esc50.csv"))) return "esc50";
        if (Files.exists(dir.resolve("class_labels_indices.csv"))) return "audioset";
        if (Files.isDirectory(dir.resolve("train"))) return "folders";
        throw new InvalidInputException(dir, "cannot tell the dataset layout: expected validation_list.txt (Speech Commands), "
                + "meta/esc50.csv (ESC-50), class_labels_indices.csv + JSON (AudioSet) or train/<class>/ folders");
    }

    /** Collects bad entries: throws the first, or records them all under skip_bad. */
    static final class Bad {
        final boolean skip;
        final List<String> skipped = new ArrayList<>();

        Bad(boolean skip) {
            this.skip = skip;
        }

        void report(String source, String problem) {
            if (!skip) throw new InvalidInputException(source, problem + " (use --skip-bad to skip such entries)");
            skipped.add(source + ": " + problem);
        }
    }

    // ---------------------------------------------------------------- Speech Commands

    static Dataset speechCommands(Path dir, int classes, long seed, Bad bad) {
        if (classes != 35 && classes != 12) throw new ConfigException("data.speechcommands_classes must be 35 or 12, got " + classes);
        List<String> words = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("_") && !n.startsWith("."))
                    .sorted().forEach(words::add);
        } catch (IOException e) {
            throw new InvalidInputException(dir, "cannot list: " + Messages.io(e, dir), e);
        }
        if (words.isEmpty()) throw new InvalidInputException(dir, "no word folders found");
        Set<String> validList = readList(dir.resolve("validation_list.txt"));
        Set<String> testList = readList(dir.resolve("testing_list.txt"));
        for (Set<String> list : List.of(validList, testList)) {
            for (String rel : list) {
                String problem = AudioFiles.problem(dir.resolve(rel));
                if (problem != null) bad.report(dir.resolve(rel).toString(), "listed in a split list but " + listed(problem));
            }
        }
        Map<Split, List<String[]>> byWord = new EnumMap<>(Split.class); // [relPath, word]
        for (Split s : Split.values()) byWord.put(s, new ArrayList<>());
        for (String w : words) {
            for (Path f : AudioFiles.under(dir.resolve(w))) {
                String rel = dir.relativize(f).toString().replace('\\', '/');
                Split s = validList.contains(rel) ? Split.VALID : testList.contains(rel) ? Split.TEST : Split.TRAIN;
                byWord.get(s).add(new String[] {rel, w});
            }
        }
        List<String> classNames;
        Map<Split, List<Clip>> splits = new EnumMap<>(Split.class);
        List<AudioSource> noise = new ArrayList<>();
        Path noiseDir = dir.resolve("_background_noise_");
        List<Path> noiseFiles = Files.isDirectory(noiseDir) ? AudioFiles.under(noiseDir) : List.of();
        for (Path f : noiseFiles) noise.add(new FileAudio(f));
        if (classes == 35) {
            classNames = words;
            Map<String, Integer> index = indexOf(words);
            for (Split s : Split.values()) {
                List<Clip> clips = new ArrayList<>();
                for (String[] e : byWord.get(s)) clips.add(new Clip(e[0], new FileAudio(dir.resolve(e[0])), new int[] {index.get(e[1])}));
                splits.put(s, clips);
            }
        } else {
            classNames = new ArrayList<>(SC_WORDS);
            classNames.add(UNKNOWN);
            classNames.add(SILENCE);
            Map<String, Integer> index = indexOf(SC_WORDS);
            for (Split s : Split.values()) {
                List<Clip> target = new ArrayList<>();
                List<String[]> unknown = new ArrayList<>();
                for (String[] e : byWord.get(s)) {
                    Integer k = index.get(e[1]);
                    if (k != null) target.add(new Clip(e[0], new FileAudio(dir.resolve(e[0])), new int[] {k}));
                    else unknown.add(e);
                }
                // TensorFlow's recipe: _unknown_ and _silence_ each get 10% of the split's size in target words
                int extra = (int) Math.ceil(target.size() * 0.10);
                SplittableRandom rng = new SplittableRandom(seed * 31 + s.ordinal());
                shuffle(unknown, rng);
                List<Clip> clips = new ArrayList<>(target);
                for (int i = 0; i < Math.min(extra, unknown.size()); i++) {
                    String[] e = unknown.get(i);
                    clips.add(new Clip(e[0], new FileAudio(dir.resolve(e[0])), new int[] {10}));
                }
                clips.addAll(silence(noiseFiles, s, extra, rng));
                splits.put(s, clips);
            }
        }
        return new Dataset(dir.getFileName().toString(), "speechcommands", classNames, false, splits, noise, bad.skipped);
    }

    /**
     * {@code _silence_} clips: 1 s segments of the background-noise recordings at seeded offsets, from disjoint
     * regions per split (train: first 80 % of each file, valid: next 10 %, test: last 10 %), so no noise
     * segment is shared between splits.
     */
    static List<Clip> silence(List<Path> noiseFiles, Split split, int count, SplittableRandom rng) {
        List<Clip> out = new ArrayList<>();
        if (noiseFiles.isEmpty() || count == 0) return out;
        double lo = switch (split) {
            case TRAIN -> 0.0;
            case VALID -> 0.8;
            case TEST -> 0.9;
        };
        double hi = switch (split) {
            case TRAIN -> 0.8;
            case VALID -> 0.9;
            case TEST -> 1.0;
        };
        List<long[]> regions = new ArrayList<>(); // file index, start, end, segment length
        for (int i = 0; i < noiseFiles.size(); i++) {
            var info = AudioReader.info(noiseFiles.get(i));
            long seg = info.sampleRate();
            long start = (long) (info.frames() * lo);
            long end = (long) (info.frames() * hi);
            if (end - start >= seg) regions.add(new long[] {i, start, end, seg});
        }
        if (regions.isEmpty()) return out;
        for (int k = 0; k < count; k++) {
            long[] r = regions.get(k % regions.size());
            long offset = r[1] + (long) (rng.nextDouble() * (r[2] - r[1] - r[3]));
            Path f = noiseFiles.get((int) r[0]);
            out.add(new Clip(SILENCE + "/" + f.getFileName() + "@" + offset, new FileAudio(f, offset, (int) r[3]), new int[] {11}));
        }
        return out;
    }

    /** A listed file's problem as the end of "listed in X but …": "missing", "not a regular file (a FIFO)", … */
    private static String listed(String problem) {
        return problem.equals("file not found") ? "missing" : problem;
    }

    private static Set<String> readList(Path p) {
        Set<String> out = new HashSet<>();
        if (!Files.exists(p)) return out;
        try {
            for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                String t = line.strip();
                if (!t.isEmpty()) out.add(t);
            }
        } catch (IOException e) {
            throw new InvalidInputException(p, "cannot read: " + Messages.io(e, p), e);
        }
        return out;
    }

    // ---------------------------------------------------------------- ESC-50

    /**
     * ESC-50: fold {@code fold} is the test set and, as in AST's recipe, also the validation set (runs on ESC-50
     * report the last epoch, so the held-out fold does not choose the checkpoint); the other four folds train.
     */
    static Dataset esc50(Path dir, int fold, Bad bad) {
        if (fold < 1 || fold > 5) throw new ConfigException("data.fold must be in 1..5 for ESC-50, got " + fold);
        Path csv = dir.resolve("meta").resolve("esc50.csv");
        List<String> lines = readLines(csv);
        if (lines.isEmpty()) throw new InvalidInputException(csv, "empty file");
        List<String> header = Csv.parse(lines.get(0), csv, 1);
        int cFile = header.indexOf("filename");
        int cFold = header.indexOf("fold");
        int cTarget = header.indexOf("target");
        int cCat = header.indexOf("category");
        if (cFile < 0 || cFold < 0 || cTarget < 0 || cCat < 0) {
            throw new InvalidInputException(csv, "header must have filename, fold, target and category columns");
        }
        Map<Integer, String> names = new TreeMap<>();
        List<Object[]> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            List<String> f = Csv.parse(lines.get(i), csv, i + 1);
            String where = csv + " line " + (i + 1);
            if (f.size() <= Math.max(Math.max(cFile, cFold), Math.max(cTarget, cCat))) {
                bad.report(where, "has " + f.size() + " fields");
                continue;
            }
            int target;
            int fd;
            try {
                target = Integer.parseInt(f.get(cTarget).strip());
                fd = Integer.parseInt(f.get(cFold).strip());
            } catch (NumberFormatException e) {
                bad.report(where, "fold and target must be integers");
                continue;
            }
            if (target < 0 || fd < 1 || fd > 5) {
                bad.report(where, "unknown label: target " + target + ", fold " + fd);
                continue;
            }
            Path audio = dir.resolve("audio").resolve(f.get(cFile).strip());
            String problem = AudioFiles.problem(audio);
            if (problem != null) {
                bad.report(audio.toString(), "listed in " + csv.getFileName() + " but " + listed(problem));
                continue;
            }
            names.putIfAbsent(target, f.get(cCat).strip());
            rows.add(new Object[] {f.get(cFile).strip(), fd, target, audio});
        }
        int numClasses = names.isEmpty() ? 0 : names.keySet().stream().mapToInt(Integer::intValue).max().getAsInt() + 1;
        List<String> classes = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) classes.add(names.getOrDefault(c, "class_" + c));
        Map<Split, List<Clip>> splits = new EnumMap<>(Split.class);
        for (Split s : Split.values()) splits.put(s, new ArrayList<>());
        for (Object[] r : rows) {
            Clip c = new Clip((String) r[0], new FileAudio((Path) r[3]), new int[] {(Integer) r[2]});
            if ((Integer) r[1] == fold) {
                splits.get(Split.TEST).add(c);
                splits.get(Split.VALID).add(c);
            } else {
                splits.get(Split.TRAIN).add(c);
            }
        }
        return new Dataset(dir.getFileName() + "-fold" + fold, "esc50", classes, false, splits, List.of(), bad.skipped);
    }

    // ---------------------------------------------------------------- AudioSet (AST JSON)

    static Dataset audioset(Path dir, ExperimentConfig.Data d, Bad bad) {
        Path csv = dir.resolve("class_labels_indices.csv");
        List<String> lines = readLines(csv);
        Map<String, Integer> mids = new LinkedHashMap<>();
        List<String> classes = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) continue;
            List<String> f = Csv.parse(lines.get(i), csv, i + 1);
            if (f.size() < 3) throw new InvalidInputException(csv + " line " + (i + 1), "needs index,mid,display_name");
            int idx;
            try {
                idx = Integer.parseInt(f.get(0).strip());
            } catch (NumberFormatException e) {
                throw new InvalidInputException(csv + " line " + (i + 1), "index '" + f.get(0) + "' is not an integer");
            }
            if (idx != classes.size()) throw new InvalidInputException(csv + " line " + (i + 1), "indices must be 0, 1, 2, … in order");
            mids.put(f.get(1).strip(), idx);
            classes.add(f.get(2).strip());
        }
        if (classes.isEmpty()) throw new InvalidInputException(csv, "no classes");
        Map<Split, List<Clip>> splits = new EnumMap<>(Split.class);
        splits.put(Split.TRAIN, readJson(dir, d.audiosetTrain(), mids, bad));
        List<Clip> test = d.audiosetTest() == null ? List.of() : readJson(dir, d.audiosetTest(), mids, bad);
        splits.put(Split.TEST, test);
        // AST validates on the evaluation set when no separate validation JSON is given
        splits.put(Split.VALID, d.audiosetValid() == null ? test : readJson(dir, d.audiosetValid(), mids, bad));
        return new Dataset(dir.getFileName().toString(), "audioset", classes, true, splits, List.of(), bad.skipped);
    }

    private static List<Clip> readJson(Path dir, String name, Map<String, Integer> mids, Bad bad) {
        Path json = dir.resolve(name);
        if (!Files.isRegularFile(json)) throw new InvalidInputException(json, "no such AudioSet JSON file");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(json.toFile());
        } catch (IOException e) {
            throw new InvalidInputException(json, "not valid JSON: " + Messages.io(e, json), e);
        }
        JsonNode data = root.get("data");
        if (data == null || !data.isArray()) throw new InvalidInputException(json, "expected {\"data\": [ {\"wav\": …, \"labels\": …} ]}");
        List<Clip> out = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            JsonNode e = data.get(i);
            String where = json + " entry " + i;
            String wav = e.path("wav").asText(null);
            String labels = e.path("labels").asText(null);
            if (wav == null || labels == null) {
                bad.report(where, "needs \"wav\" and \"labels\"");
                continue;
            }
            Path audio = Path.of(wav).isAbsolute() ? Path.of(wav) : dir.resolve(wav);
            String problem = AudioFiles.problem(audio);
            if (problem != null) {
                bad.report(audio.toString(), "listed in " + json.getFileName() + " but " + listed(problem));
                continue;
            }
            List<Integer> idx = new ArrayList<>();
            String unknown = null;
            for (String mid : labels.split(",")) {
                String m = mid.strip();
                if (m.isEmpty()) continue;
                Integer k = mids.get(m);
                if (k == null) unknown = m;
                else if (!idx.contains(k)) idx.add(k);
            }
            if (unknown != null || idx.isEmpty()) {
                bad.report(where + " (" + wav + ")", unknown != null ? "unknown label '" + unknown + "'" : "no labels");
                continue;
            }
            out.add(new Clip(wav, new FileAudio(audio), idx.stream().mapToInt(Integer::intValue).toArray()));
        }
        return out;
    }

    // ---------------------------------------------------------------- folder per class

    static Dataset folders(Path dir, Bad bad) {
        Path trainDir = dir.resolve("train");
        List<String> classes = new ArrayList<>();
        try (Stream<Path> s = Files.list(trainDir)) {
            s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().forEach(classes::add);
        } catch (IOException e) {
            throw new InvalidInputException(trainDir, "cannot list: " + Messages.io(e, trainDir), e);
        }
        if (classes.isEmpty()) throw new InvalidInputException(trainDir, "no class folders");
        Map<String, Integer> index = indexOf(classes);
        Map<Split, List<Clip>> splits = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            Path sd = dir.resolve(s == Split.VALID && !Files.isDirectory(dir.resolve("valid")) ? "validation" : s.key());
            List<Clip> clips = new ArrayList<>();
            if (Files.isDirectory(sd)) {
                try (Stream<Path> st = Files.list(sd)) {
                    for (Path cd : st.filter(Files::isDirectory).sorted().toList()) {
                        String name = cd.getFileName().toString();
                        Integer k = index.get(name);
                        if (k == null) {
                            bad.report(cd.toString(), "class '" + name + "' is not one of the train/ classes");
                            continue;
                        }
                        for (Path f : AudioFiles.under(cd)) {
                            clips.add(new Clip(dir.relativize(f).toString().replace('\\', '/'), new FileAudio(f), new int[] {k}));
                        }
                    }
                } catch (IOException e) {
                    throw new InvalidInputException(sd, "cannot list: " + Messages.io(e, sd), e);
                }
            }
            splits.put(s, clips);
        }
        if (splits.get(Split.VALID).isEmpty() && !splits.get(Split.TEST).isEmpty()) splits.put(Split.VALID, splits.get(Split.TEST));
        return new Dataset(dir.getFileName().toString(), "folders", classes, false, splits, List.of(), bad.skipped);
    }

    // ---------------------------------------------------------------- helpers

    static Dataset subsample(Dataset ds, double fraction, long seed) {
        if (!(fraction > 0)) throw new ConfigException("data.train_fraction must be in (0, 1], got " + fraction);
        List<Clip> train = new ArrayList<>(ds.split(Split.TRAIN));
        shuffle(train, new SplittableRandom(seed ^ 0x7EA1L));
        int keep = train.isEmpty() ? 0 : Math.max(1, (int) Math.round(train.size() * fraction));
        List<Clip> kept = new ArrayList<>(train.subList(0, keep));
        kept.sort(Comparator.comparing(Clip::id));
        Map<Split, List<Clip>> splits = new EnumMap<>(ds.splits());
        splits.put(Split.TRAIN, kept);
        return new Dataset(ds.name(), ds.layout(), ds.classes(), ds.multiLabel(), splits, ds.noise(), ds.skipped());
    }

    private static Map<String, Integer> indexOf(List<String> names) {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < names.size(); i++) m.put(names.get(i), i);
        return m;
    }

    private static <T> void shuffle(List<T> list, SplittableRandom rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    private static List<String> readLines(Path p) {
        if (!Files.isRegularFile(p)) throw new InvalidInputException(p, "no such file");
        try {
            return Files.readAllLines(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidInputException(p, "cannot read: " + Messages.io(e, p), e);
        }
    }
}

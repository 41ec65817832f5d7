package org.tempora.data;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A labelled dataset split into train/valid/test, with its class names (index = label) and whether clips carry
 * several labels (AudioSet-style, scored by mAP) or one (scored by accuracy).
 *
 * @param name       dataset name (folder name or "synthetic")
 * @param layout     the layout it was read with (speechcommands, esc50, audioset, folders, synthetic)
 * @param classes    class display names, index = label
 * @param multiLabel true for multi-label (BCE, mAP)
 * @param splits     clips per split (an absent split is an empty list)
 * @param noise      background-noise sources for noise augmentation (Speech Commands); may be empty
 * @param skipped    bad entries skipped under --skip-bad, each "source: problem"
 */
public record Dataset(String name, String layout, List<String> classes, boolean multiLabel,
                      Map<Split, List<Clip>> splits, List<AudioSource> noise, List<String> skipped) {
    public Dataset {
        splits = new EnumMap<>(splits);
        for (Split s : Split.values()) splits.putIfAbsent(s, List.of());
    }

    public List<Clip> split(Split s) {
        return splits.get(s);
    }

    public int numClasses() {
        return classes.size();
    }
}

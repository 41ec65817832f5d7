package org.tempora.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.tempora.InvalidInputException;

/**
 * Reads a PyTorch checkpoint's state_dict from either format, told apart by content: a safetensors file
 * ({@link SafeTensors}) or a {@code torch.save} zip archive ({@link TorchCheckpoint}). Every tensor is float32, keyed
 * as saved, less DataParallel's {@code module.} prefix.
 */
public final class Checkpoints {
    private Checkpoints() {}

    /** The two formats. */
    public enum Format { SAFETENSORS, TORCH }

    /** A checkpoint's tensors, its format and (safetensors only) its metadata. */
    public record Checkpoint(Map<String, Npy.Array> tensors, Format format, Map<String, String> metadata) {}

    public static Checkpoint read(Path file) {
        if (Files.isDirectory(file)) throw new InvalidInputException(file, "is a folder, not a checkpoint file");
        if (!Files.isRegularFile(file)) throw new InvalidInputException(file, "no such file");
        byte[] head = TorchCheckpoint.head(file);
        if (SafeTensors.looksLike(head)) {
            SafeTensors.Contents c = SafeTensors.readContents(file);
            return new Checkpoint(TorchCheckpoint.stripModulePrefix(c.tensors()), Format.SAFETENSORS, c.metadata());
        }
        if (head.length >= 2 && ((head[0] == 'P' && head[1] == 'K') || (head[0] & 0xff) == 0x80)) {
            return new Checkpoint(TorchCheckpoint.readStateDict(file), Format.TORCH, Map.of());
        }
        throw new InvalidInputException(file, "not a checkpoint: neither a safetensors file nor a torch.save archive");
    }
}

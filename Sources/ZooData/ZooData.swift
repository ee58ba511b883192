// ZooData: datasets, preprocessing and background batch loading; this file only maps the module.
//
// DataConfig.swift       the `data` table of a zoo entry, parsed strictly (unknown keys name the closest)
// DataProblem.swift      one bad file and why; the error that stops a run before training
// DataSample.swift       one image of a dataset (id, file, class, bounding box, captions); DataIndex
// CaptionedSource.swift  StackZoo's own format: meta.jsonl, png/<size>/<id>.png, emb_*.npy, splits.json
// StackGANSource.swift   CUB-200 / Oxford-102 / COCO after scripts/convert_stackgan_data.py
// ImageFolderSource.swift a folder tree of images (class folders, optional whitelist)
// ImageHeader.swift      PNG/JPEG header and trailer checks without decoding
// Validation.swift       the up-front check of every image (headers, or a full decode), in parallel
// Embeddings.swift       the [N, K, D] caption embeddings and caption selection (one, or an average)
// Preprocess.swift       SPEC §5.7: bbox crop, load size, random crop, flip, the multi-scale pyramid
// SampleRandom.swift     per-sample generators derived from (seed, epoch, position), epoch orders
// ImageCache.swift       decoded (loaded) images kept in memory under a byte budget
// Batch.swift            a batch: named tensors plus ids, captions and class ids
// Dataset.swift          `Dataset`: open, validate, batches by (epoch, index), position save/restore
// BatchLoader.swift      background threads with a bounded prefetch queue
// DataCheck.swift        the report of `stackzoo data check`
import ZooCore
